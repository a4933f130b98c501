package translate

// systemActions are the system actions. Each handler is a small function below.
var systemActions = []Action{}
