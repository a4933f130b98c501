package server

// Transport labels passed to Observer.
const (
	TransportHTTP    = "http"    // a TCP connection carrying /api calls (Serve only)
	TransportWS      = "ws"      // a /event WebSocket subscriber
	TransportSSE     = "sse"     // a /event SSE subscriber
	TransportWebhook = "webhook" // a configured webhook URL
)

// Observer receives server happenings for metrics. Methods must be cheap,
// non-blocking and safe for concurrent use; they are called on hot paths
// (Publish, every API call). A nil Observer in Config means none.
type Observer interface {
	// ConnOpened / ConnClosed: a connection of the given transport began or
	// ended. For "webhook" they mark the worker's life, not TCP connections.
	ConnOpened(transport string)
	ConnClosed(transport string)
	// APICall: one POST /api/ call was answered. api is "" when the call
	// never reached the handler (401, 404 for a malformed name, 405, 413,
	// 415), so a label cannot grow with junk paths; httpStatus is the HTTP
	// status; retcode is the envelope's (0 when there is no envelope).
	APICall(api string, httpStatus, retcode int, seconds float64)
	// EventDropped: one event was lost for one subscriber. reason is a
	// transport.DropReason value, or "webhook_rejected" (4xx answer),
	// "webhook_gave_up" (attempts exhausted), "encode" (Publish could not
	// encode it), "closed" (the subscriber left with it queued).
	EventDropped(transport, reason string)
	// QueueDepth: the queue of a webhook (target is its redacted URL) holds
	// depth events. Not reported for ws/sse subscribers: they come and go,
	// and a gauge per remote address would grow without bound.
	QueueDepth(transport, target string, depth int)
}

// Drop reasons the server adds to transport.DropReason's.
const (
	DropWebhookRejected = "webhook_rejected"
	DropWebhookGaveUp   = "webhook_gave_up"
	DropEncode          = "encode"
	DropClosed          = "closed"
)

type nopObserver struct{}

func (nopObserver) ConnOpened(string)                 {}
func (nopObserver) ConnClosed(string)                 {}
func (nopObserver) APICall(string, int, int, float64) {}
func (nopObserver) EventDropped(string, string)       {}
func (nopObserver) QueueDepth(string, string, int)    {}
