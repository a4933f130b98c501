package translate

// fileActions are the file actions. Each handler is a small function below.
var fileActions = []Action{}
