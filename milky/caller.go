package milky

import (
	"context"
	"fmt"
)

// Caller calls one Milky API: it sends req (marshalled to JSON; nil means {})
// to /api/<api> and decodes the response data into resp (nil discards it).
// The client implements it over HTTP; tests pass fakes that record calls.
type Caller interface {
	Call(ctx context.Context, api string, req any, resp any) error
}

// APIError is a failed Milky call: either an HTTP status the protocol defines
// (401, 404, 415) or an envelope with status "failed" and a retcode.
type APIError struct {
	API        string
	HTTPStatus int    // 0 when the HTTP exchange itself succeeded (200)
	Retcode    int    // Milky retcode, 0 when HTTPStatus says it all
	Message    string // implementation's message
}

func (e *APIError) Error() string {
	if e.HTTPStatus != 0 && e.HTTPStatus != 200 {
		return fmt.Sprintf("milky %s: HTTP %d: %s", e.API, e.HTTPStatus, e.Message)
	}
	return fmt.Sprintf("milky %s: retcode %d: %s", e.API, e.Retcode, e.Message)
}

// Milky retcodes defined by the spec.
const (
	RetcodeBadParam    = -400
	RetcodeNotLoggedIn = -403
	RetcodeNotFound    = -404 // the docs' example of an implementation-defined code
)

// UnavailableError says the upstream could not be reached at all (connection
// refused, timeout, reset): the call may or may not have happened.
type UnavailableError struct {
	API string
	Err error
}

func (e *UnavailableError) Error() string {
	return fmt.Sprintf("milky %s: upstream unavailable: %v", e.API, e.Err)
}

func (e *UnavailableError) Unwrap() error { return e.Err }
