package client

// Observer receives client-side happenings for metrics and logs. All
// methods must be cheap and safe for concurrent use; nil in ClientConfig
// means none.
type Observer interface {
	// APICall: one upstream call finished (err nil on success).
	APICall(api string, seconds float64, err error)
	// StreamConnected / StreamDisconnected: the event stream's state.
	StreamConnected(transport string)
	StreamDisconnected(transport string, err error)
	// StreamReconnect: a reconnect attempt is scheduled after delay seconds.
	StreamReconnect(transport string, attempt int, delaySeconds float64)
}
