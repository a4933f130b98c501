// Package onebot11 owns the OneBot 11 protocol: wire types (request envelope,
// response, events, segments), the CQ-code codec, auth and signatures, and the
// transports in both roles. It knows nothing of Milky.
package onebot11

import "github.com/goccy/go-json"

// Request is one action call, whatever transport it came over. Params is
// always a JSON object (form and query values arrive as JSON strings, which
// the lenient Params accessors accept for numbers and booleans).
type Request struct {
	Action string          `json:"action"`
	Params json.RawMessage `json:"params,omitempty"`
	// Echo is returned byte for byte; nil when the caller sent none.
	Echo json.RawMessage `json:"echo,omitempty"`
}

// Response is the action envelope. Data is any JSON-encodable value (nil is
// encoded as null).
type Response struct {
	Status  string          `json:"status"`
	Retcode int             `json:"retcode"`
	Data    any             `json:"data"`
	Message string          `json:"message"`
	Wording string          `json:"wording"`
	Msg     string          `json:"msg,omitempty"` // go-cqhttp's failure field; some clients read only this
	Echo    json.RawMessage `json:"echo,omitempty"`
}

// Retcodes. 1400/1401/1403/1404 are the WebSocket forms of the HTTP statuses;
// the HTTP API maps them back to 400/401/403/404.
const (
	RetcodeOK            = 0
	RetcodeAsync         = 1
	RetcodeBadRequest    = 1400
	RetcodeUnauthorized  = 1401
	RetcodeForbidden     = 1403
	RetcodeNotFound      = 1404
	RetcodeUpstream      = 1500 // the implementation behind the gateway failed or is unreachable
	RetcodeUnsupported   = 1501 // the action exists but the upstream protocol cannot express it
	RetcodeUpstreamDown  = 1502 // upstream not reachable (connection refused, timeout)
	RetcodeNotFoundInMap = 1405 // an id (message_id, flag, file) the gateway cannot resolve
)

// OK builds a success response.
func OK(data any) *Response {
	return &Response{Status: "ok", Retcode: RetcodeOK, Data: data}
}

// Failed builds a failure response; message is repeated in wording and msg
// because clients read different fields. The message is cut to
// MaxMessageBytes.
func Failed(retcode int, message string) *Response {
	message = ClipTo(message, MaxMessageBytes)
	return &Response{Status: "failed", Retcode: retcode, Message: message, Wording: message, Msg: message}
}

// Error is an action failure with the retcode to report. Handlers return it
// (or wrap it); anything else becomes RetcodeUpstream.
type Error struct {
	Retcode int
	Message string
}

func (e *Error) Error() string { return e.Message }

// Errorf builds an *Error.
// The message is cut to MaxMessageBytes; values from user input in args
// should be Clip-ped so that the rest of the message survives.
func Errorf(retcode int, format string, args ...any) *Error {
	return &Error{Retcode: retcode, Message: ClipTo(sprintf(format, args...), MaxMessageBytes)}
}

// Segment is one message segment in array form. Data values are whatever
// JSON the bot sent (string, number, bool, nested segments for node.content);
// the gateway itself produces strings, as go-cqhttp does.
type Segment struct {
	Type string         `json:"type"`
	Data map[string]any `json:"data"`
}

// Post types.
const (
	PostMessage     = "message"
	PostMessageSent = "message_sent"
	PostNotice      = "notice"
	PostRequest     = "request"
	PostMetaEvent   = "meta_event"
)
