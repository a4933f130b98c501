// Package milkytest is a Milky 1.2 test client that behaves like the bots
// the gateway's reverse direction serves: it calls POST /api/NAME with a
// Bearer token, subscribes to /event over WebSocket or Server-Sent Events
// (token by header or ?access_token=), and receives webhooks. It is the
// mirror of onebot11/ob11test and, like it, does not use the gateway's own
// milky packages, so tests see the wire format exactly as a foreign bot
// would.
//
// Everything dials or listens on loopback only and is safe for concurrent
// use. Event queues are unbounded (nothing is dropped, the reader never
// blocks the connection); a stream's queue ends (Next returns the stream's
// error) once the connection ends and every event was read.
package milkytest

import (
	"fmt"

	"github.com/goccy/go-json"
)

// Response is one /api reply as a bot decodes it. Data stays raw (see
// DecodeData); HTTPStatus is the HTTP status (non-200 replies have no
// envelope, only Body); Raw is the whole body.
type Response struct {
	Status     string          `json:"status"`
	Retcode    int             `json:"retcode"`
	Data       json.RawMessage `json:"data"`
	Message    string          `json:"message"`
	HTTPStatus int             `json:"-"`
	Raw        []byte          `json:"-"`
}

// OK says the call succeeded: HTTP 200, status "ok", retcode 0.
func (r *Response) OK() bool { return r.HTTPStatus == 200 && r.Status == "ok" && r.Retcode == 0 }

// DecodeData unmarshals Data into v.
func (r *Response) DecodeData(v any) error {
	if err := json.Unmarshal(r.Data, v); err != nil {
		return fmt.Errorf("decode data %s: %w", r.Data, err)
	}
	return nil
}

// Event is one Milky event as a bot decodes it; Data stays raw, Raw is the
// whole event.
type Event struct {
	Time      int64           `json:"time"`
	SelfID    int64           `json:"self_id"`
	EventType string          `json:"event_type"`
	Data      json.RawMessage `json:"data"`
	Raw       []byte          `json:"-"`
}

// DecodeData unmarshals Data into v.
func (e *Event) DecodeData(v any) error {
	if err := json.Unmarshal(e.Data, v); err != nil {
		return fmt.Errorf("decode event data %s: %w", e.Data, err)
	}
	return nil
}

func decodeEvent(b []byte) (Event, error) {
	var e Event
	if err := json.Unmarshal(b, &e); err != nil {
		return Event{}, fmt.Errorf("decode event %q: %w", clip(b), err)
	}
	e.Raw = append([]byte(nil), b...)
	return e, nil
}

func clip(b []byte) []byte {
	if len(b) > 200 {
		return b[:200]
	}
	return b
}

// AuthMode is how a client presents its access token.
type AuthMode int

const (
	// AuthBearer sends "Authorization: Bearer T" (the spec).
	AuthBearer AuthMode = iota
	// AuthQuery appends "?access_token=T" (/event only, per the spec).
	AuthQuery
	// AuthNone sends no token even if one is given.
	AuthNone
)
