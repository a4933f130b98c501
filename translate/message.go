package translate

// messageActions are the message actions. Each handler is a small function below.
var messageActions = []Action{}
