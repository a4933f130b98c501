// Package client uses a OneBot 11 implementation (NapCat, LLOneBot,
// Lagrange.OneBot, go-cqhttp, Shamrock) upstream: it calls its actions and
// receives its events, over one of three transports chosen by Config:
//
//   - forward universal WebSocket (URL ws:// or wss://): we dial, one socket
//     carries calls (matched by echo) and events, redialled with back-off;
//   - reverse universal WebSocket (Listen address, any path): the
//     implementation dials us; calls go over its live socket;
//   - HTTP API (URL http:// or https://): calls are POST URL/ACTION, events
//     arrive by HTTP POST at PostHandler, which the caller mounts at
//     /onebot/v11/post on its own port.
//
// Events reach Config.Handler in arrival order, one at a time, from one
// goroutine per transport. Meta events (lifecycle, heartbeat) drive Ready
// and are not passed to OnEvent (see MetaHandler).
package client

import (
	"errors"
	"fmt"
	"log/slog"
	"net/url"
	"strings"
	"time"

	"github.com/goccy/go-json"
)

// Config configures a Client. Exactly one of URL and Listen is set.
type Config struct {
	// URL is the implementation to connect to: ws://host:port[/path] or
	// wss:// for forward universal WebSocket, http(s)://host:port[/base] for
	// the HTTP API (actions at URL/ACTION).
	URL string
	// Listen makes the client accept the implementation's reverse universal
	// WebSocket on this address (any path) instead of dialing.
	Listen string
	// Token is sent as "Authorization: Bearer Token" on every transport, and
	// required from reverse WebSocket connections when set. Never logged.
	Token string
	// Secret, when set, is the HMAC-SHA1 key event POSTs are signed with
	// (X-Signature: sha1=...); unsigned or badly signed POSTs get 403.
	Secret string
	// Timeout bounds one call; default 30s (the caller's ctx may be earlier).
	Timeout time.Duration
	// DialTimeout bounds the TCP connect and WebSocket handshake; default 2s.
	DialTimeout time.Duration
	// MinBackoff and MaxBackoff bound the forward WebSocket redial delay
	// (and the retries of the account info fetch): its ceiling doubles per
	// failed attempt from MinBackoff up to MaxBackoff, the delay is uniform
	// below it (full jitter, transport.Backoff), and it starts over after a
	// connection that lived over 10s or did work (an event, a call's reply;
	// not the lifecycle frame every connect brings), as milky/client's
	// event stream does. Defaults 250ms and 5s.
	MinBackoff, MaxBackoff time.Duration
	// MaxFrameBytes bounds one WebSocket frame, HTTP response or event POST
	// body; default 16 MiB.
	MaxFrameBytes int
	// StaleAfter: HTTP mode only. The upstream counts as up while an event
	// POST or a successful call was seen within this window (3× the
	// heartbeat interval once heartbeats arrive); when it is idle for a
	// third of it, get_status is called as a probe. Default 30s.
	StaleAfter time.Duration
	// Handler receives the events; nil drops them (calls still work).
	Handler Handler
	// Observer receives metrics hooks; nil means none.
	Observer Observer
	Logger   *slog.Logger
}

// Handler receives upstream events.
type Handler interface {
	// OnEvent is called with one event (a JSON object with a post_type other
	// than meta_event), in arrival order, never concurrently with itself.
	// raw is valid only during the call: copy what must outlive it. A
	// panic is logged and the event skipped.
	OnEvent(raw []byte)
}

// MetaHandler is optionally implemented by a Handler that also wants the
// meta events (lifecycle, heartbeat), after the client has used them. Same
// rules as OnEvent.
type MetaHandler interface {
	OnMeta(raw []byte)
}

// HandlerFunc adapts a function to Handler.
type HandlerFunc func(raw []byte)

// OnEvent calls f(raw).
func (f HandlerFunc) OnEvent(raw []byte) { f(raw) }

// Transport labels passed to the Observer.
const (
	TransportWS        = "ws"         // forward WebSocket
	TransportWSReverse = "ws-reverse" // reverse WebSocket acceptor
	TransportHTTP      = "http"       // HTTP API calls
	TransportHTTPPost  = "http-post"  // events by HTTP POST
)

// Reasons passed to Observer.EventDropped.
const (
	DropMalformed  = "malformed" // not JSON, or neither event nor response
	DropTooLarge   = "too_large" // over MaxFrameBytes
	DropBadSig     = "bad_signature"
	DropQueueFull  = "queue_full" // HTTP POST events arrived faster than handled
	DropHandlerErr = "handler_panic"
)

// Observer receives metrics and log hooks. Implementations must be cheap
// and safe for concurrent use.
type Observer interface {
	APICall(action string, seconds float64, err error)
	StreamConnected(transport string)
	StreamDisconnected(transport string, err error)
	ReconnectScheduled(transport string, attempt int, delaySeconds float64)
	EventDropped(transport, reason string)
}

// Info is what the implementation said about itself at the last (re)connect:
// get_login_info and get_version_info.
type Info struct {
	SelfID          int64
	Nickname        string
	AppName         string
	AppVersion      string
	ProtocolVersion string
	// Version is get_version_info's data as received (implementations add
	// their own fields: nt_protocol, runtime_version, ...).
	Version json.RawMessage
}

const (
	defaultTimeout     = 30 * time.Second
	defaultDialTimeout = 2 * time.Second
	defaultMinBackoff  = 250 * time.Millisecond
	defaultMaxBackoff  = 5 * time.Second
	defaultMaxFrame    = 16 << 20
	defaultStaleAfter  = 30 * time.Second
)

type mode int

const (
	modeForward mode = iota + 1
	modeReverse
	modeHTTP
)

func (c *Config) validate() (mode, error) {
	c.URL = strings.TrimSpace(c.URL)
	c.Listen = strings.TrimSpace(c.Listen)
	if c.Timeout < 0 || c.DialTimeout < 0 || c.MinBackoff < 0 || c.MaxBackoff < 0 || c.MaxFrameBytes < 0 || c.StaleAfter < 0 {
		return 0, errors.New("onebot11 client: Timeout, DialTimeout, MinBackoff, MaxBackoff, MaxFrameBytes and StaleAfter must not be negative")
	}
	setDefault(&c.Timeout, defaultTimeout)
	setDefault(&c.DialTimeout, defaultDialTimeout)
	setDefault(&c.MinBackoff, defaultMinBackoff)
	setDefault(&c.MaxBackoff, defaultMaxBackoff)
	setDefault(&c.StaleAfter, defaultStaleAfter)
	if c.MaxFrameBytes == 0 {
		c.MaxFrameBytes = defaultMaxFrame
	}
	if c.MaxBackoff < c.MinBackoff {
		return 0, fmt.Errorf("onebot11 client: MaxBackoff (%v) is below MinBackoff (%v)", c.MaxBackoff, c.MinBackoff)
	}
	if c.Logger == nil {
		c.Logger = slog.Default()
	}
	switch {
	case c.URL != "" && c.Listen != "":
		return 0, errors.New("onebot11 client: set URL (dial the implementation) or Listen (accept its reverse WebSocket), not both")
	case c.Listen != "":
		return modeReverse, nil
	case c.URL == "":
		return 0, errors.New("onebot11 client: URL is required (ws://host:port for forward WebSocket, http://host:port for the HTTP API), or Listen for reverse WebSocket")
	}
	u, err := url.Parse(c.URL)
	if err != nil {
		return 0, fmt.Errorf("onebot11 client: URL: %v", redactErr(err))
	}
	if u.Host == "" {
		return 0, fmt.Errorf("onebot11 client: URL %q: missing host", redact(c.URL))
	}
	if u.User != nil || u.Fragment != "" {
		return 0, fmt.Errorf("onebot11 client: URL %q: must not carry user info or a fragment (use Token)", redact(c.URL))
	}
	switch u.Scheme {
	case "ws", "wss":
		return modeForward, nil
	case "http", "https":
		if u.RawQuery != "" {
			return 0, fmt.Errorf("onebot11 client: URL %q: the HTTP API base must not carry a query", redact(c.URL))
		}
		return modeHTTP, nil
	}
	return 0, fmt.Errorf("onebot11 client: URL %q: scheme must be ws, wss, http or https", redact(c.URL))
}

func setDefault(d *time.Duration, v time.Duration) {
	if *d == 0 {
		*d = v
	}
}

// redact drops the query (which may carry access_token) and user info from
// a URL for logs and errors.
func redact(raw string) string {
	u, err := url.Parse(raw)
	if err != nil {
		return "(unparsable URL)"
	}
	u.User = nil
	if u.RawQuery != "" {
		u.RawQuery = "REDACTED"
	}
	return u.String()
}

func redactErr(err error) error {
	var ue *url.Error
	if errors.As(err, &ue) {
		return ue.Err
	}
	return err
}

// errAuthHint is the cause and fix of a 401/403 from the implementation.
const errAuthHint = "upstream rejected the access token: check --upstream-token"
