package translate

// otherActions are the actions of the catalog's "other" category (OCR,
// rkeys, custom faces, raw packets...). Each handler is a small function below.
var otherActions = []Action{}
