// Package ob11test is a OneBot 11 test client that behaves like the bots the
// gateway serves (ZeroBot, NoneBot2, Koishi, NapCat SDKs, cq-websocket). It
// has no dependency on the gateway's own onebot11 package, so tests exercise
// the wire format exactly as a foreign bot would see it.
//
//   - DialForward connects to a forward WebSocket like ZeroBot/NoneBot: it
//     insists on a lifecycle/connect first frame, then exposes events and
//     calls actions with a numeric (or string) echo that must come back
//     byte for byte.
//   - ReverseServer accepts universal reverse WebSockets like NoneBot's
//     /onebot/v11/ws: it checks X-Self-ID, X-Client-Role and the token,
//     refuses a second socket for a bot that is still connected, and lets the
//     test call actions over the reverse socket or kill it.
//   - WebhookReceiver receives HTTP POST events, verifies X-Signature
//     (HMAC-SHA1, constant time) and can answer quick operations or failures.
//   - HTTPClient calls actions over the HTTP API in all four request forms
//     with Bearer, Token or query-string tokens.
//
// Everything listens or dials on loopback only and is safe for concurrent
// use. Event channels are unbounded (nothing is dropped, the reader never
// blocks); they are closed after the connection ends and every event was
// received.
package ob11test

import (
	"fmt"

	"github.com/goccy/go-json"
)

// Response is one action reply as a bot decodes it. Data stays raw; use
// DecodeData. Raw is the whole frame or body as received.
type Response struct {
	Status  string          `json:"status"`
	Retcode int             `json:"retcode"`
	Data    json.RawMessage `json:"data"`
	Message string          `json:"message"`
	Wording string          `json:"wording"`
	Msg     string          `json:"msg"`
	Echo    json.RawMessage `json:"echo"`
	Raw     []byte          `json:"-"`
}

// DecodeData unmarshals Data into v.
func (r *Response) DecodeData(v any) error {
	if err := json.Unmarshal(r.Data, v); err != nil {
		return fmt.Errorf("decode data %s: %w", r.Data, err)
	}
	return nil
}

func decodeResponse(b []byte) (*Response, error) {
	var r Response
	if err := json.Unmarshal(b, &r); err != nil {
		return nil, fmt.Errorf("decode response %q: %w", b, err)
	}
	r.Raw = b
	return &r, nil
}

// AuthMode is how a client presents its access token.
type AuthMode int

const (
	// AuthBearer sends "Authorization: Bearer T" (the spec; ZeroBot, NoneBot).
	AuthBearer AuthMode = iota
	// AuthToken sends "Authorization: Token T" (go-cqhttp style; Koishi HTTP).
	AuthToken
	// AuthQuery appends "?access_token=T" (cq-websocket, NapCat SDK).
	AuthQuery
	// AuthNone sends no token even if one is given.
	AuthNone
)

func (m AuthMode) String() string {
	switch m {
	case AuthBearer:
		return "bearer"
	case AuthToken:
		return "token"
	case AuthQuery:
		return "query"
	case AuthNone:
		return "none"
	}
	return fmt.Sprintf("AuthMode(%d)", int(m))
}
