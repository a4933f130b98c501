package translate

// requestActions are the request actions. Each handler is a small function below.
var requestActions = []Action{}
