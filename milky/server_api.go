package milky

import (
	"context"
	"errors"
)

// The server side's API contract: what a Milky server (milky/server) asks
// of whatever answers its calls (the simulator, or the reverse direction's
// translation onto a OneBot 11 upstream).

// ErrUnknownAPI is what an APIHandler returns (possibly wrapped) for an API
// it does not have; the server answers HTTP 404.
var ErrUnknownAPI = errors.New("unknown api")

// APIHandler answers Milky API calls on the server side. body is the raw
// JSON request; the returned data is encoded as the envelope's data ({} when
// nil). Errors: *APIError picks the retcode/HTTP status, anything else is
// reported as a failed call with retcode -500.
type APIHandler interface {
	HandleAPI(ctx context.Context, api string, body []byte) (data any, err error)
}
