package milky

import "context"

// APIHandler answers Milky API calls on the server side (the simulator, or
// the gateway's Milky downstream in the reverse direction). body is the raw
// JSON request; the returned data is encoded as the envelope's data ({} when
// nil). Errors: *APIError picks the retcode/HTTP status, anything else is
// reported as a failed call with retcode -500.
type APIHandler interface {
	HandleAPI(ctx context.Context, api string, body []byte) (data any, err error)
}

// ClientObserver receives client-side happenings for metrics and logs. All
// methods must be cheap and safe for concurrent use; nil means none.
type ClientObserver interface {
	// APICall: one upstream call finished (err nil on success).
	APICall(api string, seconds float64, err error)
	// StreamConnected / StreamDisconnected: the event stream's state.
	StreamConnected(transport string)
	StreamDisconnected(transport string, err error)
	// StreamReconnect: a reconnect attempt is scheduled after delay seconds.
	StreamReconnect(transport string, attempt int, delaySeconds float64)
}
