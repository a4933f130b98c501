package translate

// friendActions are the friend actions. Each handler is a small function below.
var friendActions = []Action{}
