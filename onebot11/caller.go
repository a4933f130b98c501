package onebot11

import (
	"context"
	"fmt"
)

// Caller calls one action on a OneBot 11 implementation: it sends params
// (marshalled to a JSON object; nil means {}) and decodes the response data
// into resp (nil discards it). The upstream client implements it over
// WebSocket or HTTP; tests pass fakes that record calls.
//
// A failed call returns *ActionError (the implementation answered with
// status "failed" or an HTTP status) or *UnavailableError (it could not be
// reached, or did not answer in time).
type Caller interface {
	Call(ctx context.Context, action string, params any, resp any) error
}

// ActionError is an action the implementation answered but refused: an
// envelope with status "failed" and a retcode, or an HTTP status of the HTTP
// API (401, 403, 404, 406).
type ActionError struct {
	Action     string
	HTTPStatus int // 0 when the envelope said it all
	Retcode    int
	Message    string // message, wording or msg, whichever the implementation filled
}

func (e *ActionError) Error() string {
	if e.HTTPStatus != 0 && e.HTTPStatus != 200 {
		return fmt.Sprintf("onebot11 %s: HTTP %d: %s", e.Action, e.HTTPStatus, e.Message)
	}
	return fmt.Sprintf("onebot11 %s: retcode %d: %s", e.Action, e.Retcode, e.Message)
}

// UnavailableError says the implementation could not be reached at all
// (connection refused, reset, timeout): the action may or may not have run.
type UnavailableError struct {
	Action string
	Err    error
}

func (e *UnavailableError) Error() string {
	return fmt.Sprintf("onebot11 %s: upstream unavailable: %v", e.Action, e.Err)
}

func (e *UnavailableError) Unwrap() error { return e.Err }
