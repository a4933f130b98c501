package translate

// groupActions are the group actions. Each handler is a small function below.
var groupActions = []Action{}
