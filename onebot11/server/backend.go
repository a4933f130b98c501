package server

import (
	"context"

	"github.com/goccy/go-json"
	"github.com/qqbridge/gateway/onebot11"
)

// Backend is what the OneBot 11 server needs from the gateway behind it.
// The server owns transports, auth, envelopes, echo, _async, first frames and
// heartbeats; the backend owns what actions mean.
type Backend interface {
	// HandleAction runs one action (name without any _async suffix) and
	// returns its response without echo. Unknown actions answer
	// onebot11.RetcodeNotFound; bad params onebot11.RetcodeBadRequest.
	HandleAction(ctx context.Context, action string, params json.RawMessage) *onebot11.Response
	// QuickOperation executes a quick operation: event is the event JSON the
	// bot answered, op the JSON object it answered with.
	QuickOperation(ctx context.Context, event json.RawMessage, op json.RawMessage) error
	// SelfID is the bot account's uin, for X-Self-ID and event headers (0
	// while unknown).
	SelfID() int64
	// Status is the heartbeat status (like get_status data).
	Status() onebot11.Status
}

// Validator is an optional part of a Backend. ValidateAction checks an
// action's name and parameters without side effects (no upstream call) and
// answers the failure HandleAction would give for them, or nil. The server
// calls it before answering an _async call, which otherwise would answer
// "async" for a misspelt action or a bad group_id and then fail unseen. A
// Backend without it gets its _async calls answered unchecked.
type Validator interface {
	ValidateAction(ctx context.Context, action string, params json.RawMessage) *onebot11.Response
}

// DeadlineBound is an optional part of a Backend: one whose HandleAction
// returns by its ctx's deadline (every upstream wait bounded by it) says so
// by implementing it, and the server then runs each action on the
// goroutine that read the request instead of handing it to a worker and
// waiting for the worker's answer: two goroutine switches fewer per call,
// which on a loopback upstream is a good part of an action's CPU. A backend
// without it runs on a worker, so that a call ignoring ctx still gets its
// timeout reply in time.
//
// The ctx a backend gets ends at its deadline (ActionTimeout) and not
// before: a bot hanging up does not cancel it, nor does Shutdown, which
// waits for the call instead.
type DeadlineBound interface {
	Backend
	// HonoursDeadline marks the backend; the server never calls it.
	HonoursDeadline()
}

// Observer receives transport-level happenings for metrics and logs; the
// runtime adapts it to the metrics package. All methods must be cheap and
// safe for concurrent use. A nil Observer in ServerConfig means none.
type Observer interface {
	// ConnOpened/ConnClosed: transport is "http", "ws_forward", "ws_reverse", "webhook".
	ConnOpened(transport, remote string)
	ConnClosed(transport, remote string, err error)
	// ActionDone: one action finished; transport as above, retcode of the reply.
	ActionDone(transport, action string, retcode int, seconds float64)
	// EventDropped: an event could not be delivered to one target; reason
	// is one of the Drop* constants ("buffer_full", "buffer_bytes",
	// "too_large", "spool_full", "spool_error", "expired", "rejected",
	// "conn_closed").
	EventDropped(transport, reason string)
	// QueueDepth reports the number of events waiting for one target.
	QueueDepth(transport, target string, depth int)
}
