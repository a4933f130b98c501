package ob11test

import (
	"context"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strings"
	"time"

	"github.com/goccy/go-json"
	"github.com/gorilla/websocket"
)

// WSClient is a bot connected to the gateway's forward WebSocket.
type WSClient struct {
	*Conn
	// Lifecycle is the first frame (the lifecycle/connect meta event); nil
	// on /api, which sends none.
	Lifecycle json.RawMessage
	// SelfID is the lifecycle frame's self_id (0 on /api).
	SelfID int64
	// Handshake is the HTTP response of the upgrade.
	Handshake *http.Response
}

// DialError is a refused upgrade: the gateway answered with StatusCode
// (401 missing token, 403 wrong token, ...) instead of switching protocols.
type DialError struct {
	StatusCode int
	Body       string
	Err        error
}

func (e *DialError) Error() string {
	return fmt.Sprintf("websocket dial refused: HTTP %d: %s (%v)", e.StatusCode, strings.TrimSpace(e.Body), e.Err)
}

func (e *DialError) Unwrap() error { return e.Err }

// Option tunes DialForward.
type Option func(*dialOptions)

type dialOptions struct {
	auth          AuthMode
	stringEcho    bool
	header        http.Header
	lifecycle     *bool
	lifecycleWait time.Duration
}

// WithAuth chooses how the token is presented (default AuthBearer).
func WithAuth(m AuthMode) Option { return func(o *dialOptions) { o.auth = m } }

// WithStringEcho makes Call use string echoes ("ob11test-N") like the NapCat
// SDK instead of ZeroBot's numbers.
func WithStringEcho() Option { return func(o *dialOptions) { o.stringEcho = true } }

// WithHeader adds a request header to the upgrade.
func WithHeader(key, value string) Option {
	return func(o *dialOptions) { o.header.Add(key, value) }
}

// WithLifecycle says whether a lifecycle first frame is required. By
// default it is, except on paths ending in /api.
func WithLifecycle(required bool) Option {
	return func(o *dialOptions) { o.lifecycle = &required }
}

// DialForward connects to a forward WebSocket URL (ws://host:port/,
// /event or /api) the way ZeroBot and NoneBot do: X-Client-Role: Universal,
// the token per WithAuth, then it reads the first frame and requires it to be
// lifecycle/connect with a self_id. A refused upgrade returns *DialError.
func DialForward(ctx context.Context, rawURL, token string, opts ...Option) (*WSClient, error) {
	o := dialOptions{header: http.Header{}, lifecycleWait: 10 * time.Second}
	for _, f := range opts {
		f(&o)
	}
	u, err := url.Parse(rawURL)
	if err != nil {
		return nil, err
	}
	o.header.Set("X-Client-Role", "Universal")
	if token != "" {
		switch o.auth {
		case AuthBearer:
			o.header.Set("Authorization", "Bearer "+token)
		case AuthToken:
			o.header.Set("Authorization", "Token "+token)
		case AuthQuery:
			q := u.Query()
			q.Set("access_token", token)
			u.RawQuery = q.Encode()
		}
	}
	needLifecycle := !strings.HasSuffix(strings.TrimRight(u.Path, "/"), "/api")
	if o.lifecycle != nil {
		needLifecycle = *o.lifecycle
	}
	d := websocket.Dialer{HandshakeTimeout: 10 * time.Second}
	ws, resp, err := d.DialContext(ctx, u.String(), o.header)
	if err != nil {
		if resp != nil {
			body, _ := io.ReadAll(io.LimitReader(resp.Body, 4096))
			resp.Body.Close()
			return nil, &DialError{StatusCode: resp.StatusCode, Body: string(body), Err: err}
		}
		return nil, err
	}
	cl := &WSClient{Handshake: resp}
	if needLifecycle {
		deadline := time.Now().Add(o.lifecycleWait)
		if d, ok := ctx.Deadline(); ok && d.Before(deadline) {
			deadline = d
		}
		_ = ws.SetReadDeadline(deadline)
		_, first, err := ws.ReadMessage()
		if err != nil {
			ws.Close()
			return nil, fmt.Errorf("read lifecycle frame: %w", err)
		}
		_ = ws.SetReadDeadline(time.Time{})
		id, err := checkLifecycle(first)
		if err != nil {
			ws.Close()
			return nil, err
		}
		cl.Lifecycle, cl.SelfID = first, id
	}
	cl.Conn = newConn(ws, o.stringEcho)
	return cl, nil
}

// checkLifecycle verifies a lifecycle/connect frame and returns its self_id.
func checkLifecycle(frame []byte) (int64, error) {
	var ev struct {
		PostType      string `json:"post_type"`
		MetaEventType string `json:"meta_event_type"`
		SubType       string `json:"sub_type"`
		SelfID        *int64 `json:"self_id"`
		Time          *int64 `json:"time"`
	}
	if err := json.Unmarshal(frame, &ev); err != nil {
		return 0, fmt.Errorf("first frame is not JSON: %q", frame)
	}
	if ev.PostType != "meta_event" || ev.MetaEventType != "lifecycle" || ev.SubType != "connect" {
		return 0, fmt.Errorf("first frame is not lifecycle/connect: %s", frame)
	}
	if ev.SelfID == nil || ev.Time == nil {
		return 0, fmt.Errorf("lifecycle frame lacks self_id or time: %s", frame)
	}
	return *ev.SelfID, nil
}
