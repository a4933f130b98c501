package client

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"runtime/debug"
	"sync"
	"sync/atomic"
	"time"

	"github.com/goccy/go-json"
	"github.com/valyala/fasthttp"

	"github.com/qqbridge/gateway/onebot11"
	"github.com/qqbridge/gateway/transport"
)

// Client is the upstream OneBot 11 client. It implements onebot11.Caller
// and is safe for concurrent use.
type Client struct {
	cfg  Config
	mode mode
	log  *slog.Logger
	obs  Observer

	base   context.Context
	cancel context.CancelFunc
	wg     sync.WaitGroup

	nextEcho atomic.Uint64

	// WebSocket state: the live links by role (the same link for a
	// universal connection), guarded by mu; never held across I/O.
	mu          sync.Mutex
	started     bool
	closed      bool
	apiLink     *link
	evLink      *link
	dialNote    chan struct{} // closed and replaced after each forward dial attempt
	dialing     bool          // a forward dial is in progress
	lastDialErr error
	lastDialAt  time.Time
	// kick wakes the forward loop's redial wait (HTTP mode: the prober's
	// wait) early. Forward mode sends it under mu, only while no dial is in
	// progress, and the loop empties it under mu when a dial begins: a
	// request is answered by the next dial to begin and outlives none.
	kick chan struct{}

	// HTTP mode.
	hc      *fasthttp.Client
	apiBase string
	posts   chan *postItem

	// Reverse mode.
	ln  net.Listener
	srv *fasthttp.Server

	// Upstream state for Info and Ready.
	info       atomic.Pointer[Info]
	infoReady  atomic.Bool  // Info was fetched over the current connection
	hbInterval atomic.Int64 // heartbeat interval (ns) of the current stream; 0 = none seen
	lastHB     atomic.Int64 // unix ns of the last heartbeat
	lastAlive  atomic.Int64 // unix ns of the last sign of life (HTTP mode)
	offline    atomic.Bool  // the last heartbeat said online:false
	disabled   atomic.Bool  // lifecycle disable seen, no enable since

	// rand is the backoff jitter source; nil means math/rand. Tests pin it.
	rand func() float64
}

var _ onebot11.Caller = (*Client)(nil)

// New validates cfg and builds a client; Start connects it.
func New(cfg Config) (*Client, error) {
	m, err := cfg.validate()
	if err != nil {
		return nil, err
	}
	c := &Client{
		cfg:      cfg,
		mode:     m,
		log:      cfg.Logger.With("component", "onebot11-client"),
		obs:      cfg.Observer,
		dialNote: make(chan struct{}),
		kick:     make(chan struct{}, 1),
	}
	c.base, c.cancel = context.WithCancel(context.Background())
	if m == modeHTTP {
		c.initHTTP()
	}
	return c, nil
}

// Start begins the work of the configured transport and returns at once:
// forward WebSocket dials in the background (Call fails fast while it is
// down), reverse WebSocket binds Listen (an error if it cannot), HTTP mode
// starts fetching the account info and probing. Events flow to the
// Handler from then on. Start may be called once.
func (c *Client) Start() error {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.started || c.closed {
		return errors.New("onebot11 client: Start called twice or after Close")
	}
	c.started = true
	switch c.mode {
	case modeForward:
		c.wg.Add(1)
		go c.forwardLoop()
	case modeReverse:
		if err := c.listenReverse(); err != nil {
			return err
		}
	case modeHTTP:
		c.wg.Add(2)
		go c.postLoop()
		go c.httpProbeLoop()
	}
	return nil
}

// Close is Shutdown with a 5s bound.
func (c *Client) Close() error {
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	return c.Shutdown(ctx)
}

// Shutdown stops reconnecting, closes the listener and the live
// connections (pending calls fail with UnavailableError at once) and waits
// for the client's goroutines until ctx ends. Later calls fail at once.
func (c *Client) Shutdown(ctx context.Context) error {
	c.mu.Lock()
	if c.closed {
		c.mu.Unlock()
		return nil
	}
	c.closed = true
	links := []*link{c.apiLink, c.evLink}
	srv := c.srv
	c.mu.Unlock()
	c.cancel()
	for _, l := range links {
		if l != nil {
			l.kill(errClosed)
		}
	}
	var err error
	if srv != nil {
		err = srv.ShutdownWithContext(ctx)
	}
	if c.hc != nil {
		c.hc.CloseIdleConnections()
	}
	done := make(chan struct{})
	go func() { c.wg.Wait(); close(done) }()
	select {
	case <-done:
	case <-ctx.Done():
		return fmt.Errorf("onebot11 client: shutdown: %w", ctx.Err())
	}
	return err
}

var errClosed = errors.New("client closed")

// Call implements onebot11.Caller: it runs action with params (nil = {})
// and decodes the reply's data into resp (nil discards it), within
// Config.Timeout or ctx, whichever ends first. Errors are
// *onebot11.ActionError (the implementation answered no) or
// *onebot11.UnavailableError (not connected, connection lost, no reply in
// time, garbled reply); a bad action name or unencodable params is a plain
// error. Over HTTP, ctx's deadline is honoured but a cancel without a
// deadline only takes effect at Config.Timeout (fasthttp has no context).
func (c *Client) Call(ctx context.Context, action string, params any, resp any) error {
	start := time.Now()
	var err error
	if !validAction(action) {
		err = fmt.Errorf("onebot11 client: invalid action name %q", clip([]byte(action), 64))
	} else if c.mode == modeHTTP {
		err = c.callHTTP(ctx, action, params, resp)
	} else {
		err = c.callWS(ctx, action, params, resp)
	}
	now := time.Now()
	var ae *onebot11.ActionError
	if err == nil || errors.As(err, &ae) {
		c.lastAlive.Store(now.UnixNano()) // an answer, even a refusal, is a sign of life
	}
	if c.obs != nil {
		c.obs.APICall(action, now.Sub(start).Seconds(), err)
	}
	return err
}

// validAction accepts the characters action names use (letters, digits,
// '_', '.', '-', '/'), so the name can be put in a URL path and a JSON
// string without escaping.
func validAction(a string) bool {
	if a == "" || len(a) > 128 {
		return false
	}
	for i := 0; i < len(a); i++ {
		ch := a[i]
		if !(ch >= 'a' && ch <= 'z' || ch >= 'A' && ch <= 'Z' || ch >= '0' && ch <= '9' || ch == '_' || ch == '.' || ch == '-' || ch == '/') {
			return false
		}
	}
	return true
}

// marshalParams encodes params as a JSON object; nil and JSON null are {}.
func marshalParams(action string, params any) ([]byte, error) {
	switch p := params.(type) {
	case nil:
		return emptyObject, nil
	case json.RawMessage:
		if len(p) == 0 || string(p) == "null" {
			return emptyObject, nil
		}
		return p, nil
	}
	b, err := json.Marshal(params)
	if err != nil {
		return nil, fmt.Errorf("onebot11 %s: encode params: %w", action, err)
	}
	if string(b) == "null" {
		return emptyObject, nil
	}
	return b, nil
}

var emptyObject = []byte("{}")

// Info returns what the implementation said about itself at the last
// successful (re)connect, and whether that is known at all.
func (c *Client) Info() (Info, bool) {
	p := c.info.Load()
	if p == nil {
		return Info{}, false
	}
	return *p, true
}

// Ready reports whether the upstream is usable right now. It is true when
// all of these hold:
//   - the account is known: get_login_info answered with a self_id over the
//     current connection (HTTP mode: since the last lifecycle connect);
//   - the event stream is live: WebSocket modes, a connection carrying
//     events and one carrying calls are up (the same one when universal);
//     HTTP mode, an event POST or a successful call (get_status probes one
//     when idle) was seen within StaleAfter, or within 3× the heartbeat
//     interval once heartbeats arrive;
//   - heartbeats, if the implementation sends them, are not older than 3×
//     their interval, and the last one did not say online:false;
//   - no lifecycle disable is in force.
//
// A slow or timed-out call does not make the client unready.
func (c *Client) Ready() bool {
	if !c.infoReady.Load() || c.disabled.Load() || c.offline.Load() {
		return false
	}
	now := time.Now().UnixNano()
	if iv := c.hbInterval.Load(); iv > 0 && now-c.lastHB.Load() > 3*iv {
		return false
	}
	if c.mode == modeHTTP {
		return now-c.lastAlive.Load() <= int64(c.aliveWindow())
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.apiLink != nil && c.evLink != nil
}

// aliveWindow is how long HTTP mode stays up without a sign of life.
func (c *Client) aliveWindow() time.Duration {
	if iv := time.Duration(c.hbInterval.Load()); iv > 0 {
		return 3 * iv
	}
	return c.cfg.StaleAfter
}

// resetStream forgets the previous stream's heartbeat and lifecycle state:
// a new connection has not spoken yet.
func (c *Client) resetStream() {
	c.hbInterval.Store(0)
	c.lastHB.Store(0)
	c.offline.Store(false)
	c.disabled.Store(false)
}

// heartbeatStatus is the part of a heartbeat's status we read.
type heartbeatStatus struct {
	Online *bool `json:"online"`
}

// onMeta updates readiness from a lifecycle or heartbeat meta event. It
// reports whether the account info should be fetched again (lifecycle
// connect or enable: the implementation may have switched accounts).
func (c *Client) onMeta(f *frame) (refetch bool) {
	now := time.Now().UnixNano()
	c.lastAlive.Store(now)
	switch f.MetaEventType {
	case "heartbeat":
		if ms, ok := jsonInt(f.Interval); ok && ms > 0 {
			c.hbInterval.Store(ms * int64(time.Millisecond))
		}
		c.lastHB.Store(now)
		var st heartbeatStatus
		if present(f.Status) && json.Unmarshal(f.Status, &st) == nil && st.Online != nil {
			c.offline.Store(!*st.Online)
		}
	case "lifecycle":
		switch jsonString(f.SubType) {
		case "disable":
			c.disabled.Store(true)
		case "enable", "connect":
			c.disabled.Store(false)
			return true
		}
	}
	return false
}

// EventTrier is an optional extension of Handler: TryEvent is offered each
// WebSocket frame before the client classifies it, and handles it (as
// OnEvent would) only when it can tell by itself, in the one validating
// pass it makes anyway, that the frame is an event the client would
// classify as such; the client then does not scan the frame a second time.
// For anything else (replies, meta events, frames it leaves to the general
// decoder) it returns false having done nothing, and the frame goes the
// usual way: classified, counted and skipped when malformed, else OnEvent.
// Same order and concurrency rules as OnEvent; a panic is logged and the
// frame skipped.
type EventTrier interface {
	TryEvent(raw []byte) bool
}

// tryEvent offers raw to the handler's TryEvent, if it has one.
func (c *Client) tryEvent(transport string, raw []byte) (handled bool) {
	t, ok := c.cfg.Handler.(EventTrier)
	if !ok {
		return false
	}
	defer func() {
		if p := recover(); p != nil {
			c.log.Error("onebot11 event skipped: handler panicked", "transport", transport,
				"panic", fmt.Sprint(p), "head", clip(raw, 200), "stack", string(debug.Stack()))
			c.dropped(transport, DropHandlerErr)
			handled = true
		}
	}()
	return t.TryEvent(raw)
}

// deliver passes one event to the handler; a panic (a mapping bug hit by
// unexpected upstream data) is logged and the event skipped.
func (c *Client) deliver(transport string, kind frameKind, raw []byte) {
	h := c.cfg.Handler
	if h == nil {
		return
	}
	var mh MetaHandler
	if kind == kindMeta {
		var ok bool
		if mh, ok = h.(MetaHandler); !ok {
			return
		}
	}
	defer func() {
		if p := recover(); p != nil {
			c.log.Error("onebot11 event skipped: handler panicked", "transport", transport,
				"panic", fmt.Sprint(p), "head", clip(raw, 200), "stack", string(debug.Stack()))
			c.dropped(transport, DropHandlerErr)
		}
	}()
	if mh != nil {
		mh.OnMeta(raw)
	} else {
		h.OnEvent(raw)
	}
}

func (c *Client) dropped(transport, reason string) {
	if c.obs != nil {
		c.obs.EventDropped(transport, reason)
	}
}

// fetchInfo calls get_login_info and get_version_info and stores the
// result. A get_version_info the implementation refuses leaves the
// version fields empty; only a missing account is an error.
func (c *Client) fetchInfo(ctx context.Context) error {
	var login struct {
		UserID   json.RawMessage `json:"user_id"`
		Nickname string          `json:"nickname"`
	}
	if err := c.Call(ctx, "get_login_info", nil, &login); err != nil {
		return err
	}
	id, ok := jsonInt(login.UserID)
	if !ok || id <= 0 {
		return fmt.Errorf("get_login_info: no user_id in %s", clip(login.UserID, 64))
	}
	info := &Info{SelfID: id, Nickname: login.Nickname}
	var raw json.RawMessage
	err := c.Call(ctx, "get_version_info", nil, &raw)
	var ae *onebot11.ActionError
	switch {
	case err == nil:
		var v struct {
			AppName         string `json:"app_name"`
			AppVersion      string `json:"app_version"`
			ProtocolVersion string `json:"protocol_version"`
		}
		_ = json.Unmarshal(raw, &v) // lenient: a field of another type stays empty
		info.AppName, info.AppVersion, info.ProtocolVersion = v.AppName, v.AppVersion, v.ProtocolVersion
		info.Version = append(json.RawMessage(nil), raw...)
	case errors.As(err, &ae):
		c.log.Warn("onebot11 upstream refused get_version_info", "err", err)
	default:
		return err
	}
	c.info.Store(info)
	c.infoReady.Store(true)
	c.log.Info("onebot11 upstream account", "self_id", info.SelfID, "nickname", info.Nickname,
		"app", info.AppName, "version", info.AppVersion)
	return nil
}

// infoLoop fetches the info until it succeeds or ctx ends, retrying with
// back-off (a slow implementation at start-up is not an outage).
func (c *Client) infoLoop(ctx context.Context) {
	bo := transport.Backoff{Min: c.cfg.MinBackoff, Max: c.cfg.MaxBackoff, Rand: c.rand}
	for ctx.Err() == nil {
		err := c.fetchInfo(ctx)
		if err == nil || ctx.Err() != nil {
			return
		}
		d := bo.Next()
		c.log.Warn("onebot11 upstream account info not available yet", "err", err, "retry_in", d.Round(time.Millisecond))
		if !transport.Sleep(ctx, d) {
			return
		}
	}
}

// Transport names the configured transport: TransportWS (forward
// WebSocket), TransportWSReverse or TransportHTTP.
func (c *Client) Transport() string {
	switch c.mode {
	case modeForward:
		return TransportWS
	case modeReverse:
		return TransportWSReverse
	}
	return TransportHTTP
}
