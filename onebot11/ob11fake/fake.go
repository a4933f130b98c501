// Package ob11fake is a fake OneBot 11 implementation for tests: a real peer
// on loopback that serves forward universal WebSocket and the HTTP API,
// dials a reverse universal WebSocket, and POSTs signed events. Replies are
// scripted per action, calls are recorded, events are emitted on demand and
// connections can be dropped, so tests exercise the gateway's upstream
// OneBot 11 client over real sockets.
package ob11fake

import (
	"bytes"
	"context"
	"crypto/hmac"
	"crypto/sha1"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/goccy/go-json"
	"github.com/gorilla/websocket"
)

// Options configure a Fake.
type Options struct {
	// Token, when set, is required from clients (Authorization Bearer/Token
	// or ?access_token=; 401 missing, 403 wrong) and sent when dialing a
	// reverse WebSocket.
	Token string
	// Secret signs event POSTs (X-Signature: sha1=HMAC-SHA1(Secret, body)).
	Secret string
	// SelfID and Nickname answer get_login_info; defaults 10001 and "fake".
	SelfID   int64
	Nickname string
	// EchoAsNumber sends a digit-string echo back as a JSON number, as
	// implementations that coerce the echo do.
	EchoAsNumber bool
	// NoLifecycle suppresses the lifecycle connect event sent on every new
	// WebSocket.
	NoLifecycle bool
}

// Reply scripts the answer to one call.
type Reply struct {
	Status  string // default "ok", or "failed" when Retcode is not 0
	Retcode int
	Data    any
	Message string
	Wording string
	// HTTPStatus, HTTP API only: answer with this status (and Raw or the
	// envelope as the body).
	HTTPStatus int
	// Delay postpones the answer.
	Delay time.Duration
	// NoReply never answers (the WebSocket call times out; the HTTP request
	// waits for the client to give up).
	NoReply bool
	// Raw is sent verbatim instead of the envelope (WebSocket: the echo is
	// not added).
	Raw []byte
}

// Call is one recorded call.
type Call struct {
	Transport string // "ws", "ws-reverse" or "http"
	Action    string
	Params    json.RawMessage
	Echo      json.RawMessage
	Auth      string // the Authorization header of the connection or request
}

// HandlerFunc scripts an action.
type HandlerFunc func(params json.RawMessage) Reply

// Fake is the fake implementation. Create it with New, then start the
// transports the test needs.
type Fake struct {
	opts Options

	mu        sync.Mutex
	handlers  map[string]HandlerFunc
	calls     []Call
	conns     map[*conn]struct{}
	connCh    chan struct{} // closed and replaced when conns changes
	postURL   string
	servers   []*http.Server
	listeners []net.Listener
	closed    bool

	emitMu sync.Mutex // one Emit at a time: events keep their order on every path
	hc     *http.Client
}

// New builds a fake with get_login_info, get_version_info and get_status
// answered; other actions fail with retcode 1404 (HTTP 404) unless Handle
// scripts them.
func New(opts Options) *Fake {
	if opts.SelfID == 0 {
		opts.SelfID = 10001
	}
	if opts.Nickname == "" {
		opts.Nickname = "fake"
	}
	f := &Fake{
		opts:     opts,
		handlers: map[string]HandlerFunc{},
		conns:    map[*conn]struct{}{},
		connCh:   make(chan struct{}),
		hc:       &http.Client{Timeout: 10 * time.Second},
	}
	f.Handle("get_login_info", func(json.RawMessage) Reply {
		return Reply{Data: map[string]any{"user_id": f.opts.SelfID, "nickname": f.opts.Nickname}}
	})
	f.Handle("get_version_info", func(json.RawMessage) Reply {
		return Reply{Data: map[string]any{"app_name": "ob11fake", "app_version": "1.0.0", "protocol_version": "v11", "nt_protocol": "fake"}}
	})
	f.Handle("get_status", func(json.RawMessage) Reply {
		return Reply{Data: map[string]any{"online": true, "good": true}}
	})
	return f
}

// SelfID is the account the fake answers for.
func (f *Fake) SelfID() int64 { return f.opts.SelfID }

// Handle scripts action (replacing any earlier script). fn may run
// concurrently for concurrent calls.
func (f *Fake) Handle(action string, fn HandlerFunc) {
	f.mu.Lock()
	f.handlers[action] = fn
	f.mu.Unlock()
}

// Calls returns the calls recorded so far, in arrival order.
func (f *Fake) Calls() []Call {
	f.mu.Lock()
	defer f.mu.Unlock()
	return append([]Call(nil), f.calls...)
}

// CallsOf returns the recorded calls of one action.
func (f *Fake) CallsOf(action string) []Call {
	var out []Call
	for _, c := range f.Calls() {
		if c.Action == action {
			out = append(out, c)
		}
	}
	return out
}

func (f *Fake) answer(c Call) Reply {
	f.mu.Lock()
	f.calls = append(f.calls, c)
	h := f.handlers[c.Action]
	f.mu.Unlock()
	if h == nil {
		return Reply{Status: "failed", Retcode: 1404, Message: "unknown action " + c.Action, HTTPStatus: http.StatusNotFound}
	}
	r := h(c.Params)
	if r.Delay > 0 {
		time.Sleep(r.Delay)
	}
	return r
}

// envelope is the response body of a Reply.
func (r Reply) envelope(echo json.RawMessage) []byte {
	status := r.Status
	if status == "" {
		status = "ok"
		if r.Retcode != 0 {
			status = "failed"
		}
	}
	env := map[string]any{"status": status, "retcode": r.Retcode, "data": r.Data}
	if r.Message != "" {
		env["message"] = r.Message
	}
	if r.Wording != "" {
		env["wording"] = r.Wording
	}
	if echo != nil {
		env["echo"] = echo
	}
	b, _ := json.Marshal(env)
	return b
}

// authorized checks a request's token; 0 means allowed.
func (f *Fake) authorized(r *http.Request) int {
	if f.opts.Token == "" {
		return 0
	}
	presented := ""
	if h := strings.TrimSpace(r.Header.Get("Authorization")); h != "" {
		if i := strings.IndexByte(h, ' '); i >= 0 {
			presented = strings.TrimSpace(h[i+1:])
		} else {
			presented = h
		}
	}
	if presented == "" {
		presented = r.URL.Query().Get("access_token")
	}
	switch {
	case presented == "":
		return http.StatusUnauthorized
	case presented != f.opts.Token:
		return http.StatusForbidden
	}
	return 0
}

func (f *Fake) serve(addr string, h http.Handler) (net.Listener, error) {
	ln, err := net.Listen("tcp", addr)
	if err != nil {
		return nil, err
	}
	srv := &http.Server{Handler: h, ReadHeaderTimeout: 5 * time.Second}
	f.mu.Lock()
	if f.closed {
		f.mu.Unlock()
		_ = ln.Close()
		return nil, errors.New("ob11fake: closed")
	}
	f.servers = append(f.servers, srv)
	f.listeners = append(f.listeners, ln)
	f.mu.Unlock()
	go func() { _ = srv.Serve(ln) }()
	return ln, nil
}

// ListenHTTP serves the HTTP API (POST or GET /ACTION) on addr (use
// "127.0.0.1:0") and returns its base URL.
func (f *Fake) ListenHTTP(addr string) (string, error) {
	ln, err := f.serve(addr, http.HandlerFunc(f.serveHTTP))
	if err != nil {
		return "", err
	}
	return "http://" + ln.Addr().String(), nil
}

func (f *Fake) serveHTTP(w http.ResponseWriter, r *http.Request) {
	if st := f.authorized(r); st != 0 {
		http.Error(w, http.StatusText(st), st)
		return
	}
	action := strings.Trim(r.URL.Path, "/")
	body, _ := io.ReadAll(io.LimitReader(r.Body, 1<<20))
	params := json.RawMessage(bytes.TrimSpace(body))
	if len(params) == 0 {
		params = json.RawMessage("{}")
	}
	rep := f.answer(Call{Transport: "http", Action: action, Params: params, Auth: r.Header.Get("Authorization")})
	if rep.NoReply {
		<-r.Context().Done()
		return
	}
	w.Header().Set("Content-Type", "application/json")
	st := http.StatusOK
	if rep.HTTPStatus != 0 {
		st = rep.HTTPStatus
	}
	w.WriteHeader(st)
	if rep.Raw != nil {
		_, _ = w.Write(rep.Raw)
		return
	}
	_, _ = w.Write(rep.envelope(nil))
}

var upgrader = websocket.Upgrader{
	ReadBufferSize:  4096,
	WriteBufferSize: 4096,
	CheckOrigin:     func(*http.Request) bool { return true },
}

// ListenWS serves forward universal WebSocket on addr (any path) and
// returns its ws:// URL.
func (f *Fake) ListenWS(addr string) (string, error) {
	ln, err := f.serve(addr, http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if st := f.authorized(r); st != 0 {
			http.Error(w, http.StatusText(st), st)
			return
		}
		ws, err := upgrader.Upgrade(w, r, nil)
		if err != nil {
			return
		}
		if c, ok := f.register(ws, "ws", r.Header.Get("Authorization"), true); ok {
			f.serveConn(c, true)
		}
	}))
	if err != nil {
		return "", err
	}
	return "ws://" + ln.Addr().String(), nil
}

// DialReverse connects to a gateway's reverse WebSocket acceptor as role
// "Universal", "API" or "Event" (X-Client-Role), sending X-Self-ID and the
// token, and serves the connection in the background. The error of a
// refused handshake carries the HTTP status.
func (f *Fake) DialReverse(ctx context.Context, url, role string) error {
	h := http.Header{}
	h.Set("X-Self-ID", strconv.FormatInt(f.opts.SelfID, 10))
	h.Set("X-Client-Role", role)
	if f.opts.Token != "" {
		h.Set("Authorization", "Bearer "+f.opts.Token)
	}
	d := websocket.Dialer{HandshakeTimeout: 5 * time.Second}
	ws, resp, err := d.DialContext(ctx, url, h)
	if err != nil {
		if resp != nil {
			return fmt.Errorf("ob11fake: reverse dial: HTTP %d: %w", resp.StatusCode, err)
		}
		return fmt.Errorf("ob11fake: reverse dial: %w", err)
	}
	api := !strings.EqualFold(role, "Event")
	events := !strings.EqualFold(role, "API")
	c, ok := f.register(ws, "ws-reverse", h.Get("Authorization"), events)
	if !ok {
		return errors.New("ob11fake: closed")
	}
	go f.serveConn(c, api) // registered first: an Emit right after DialReverse reaches it
	return nil
}

// PostTo makes Emit POST every event to url (the gateway's
// /onebot/v11/post), signed when Secret is set. Empty stops posting.
func (f *Fake) PostTo(url string) {
	f.mu.Lock()
	f.postURL = url
	f.mu.Unlock()
}

// conn is one live WebSocket.
type conn struct {
	ws        *websocket.Conn
	transport string
	auth      string
	events    bool
	wmu       sync.Mutex
}

func (c *conn) write(b []byte) error {
	c.wmu.Lock()
	defer c.wmu.Unlock()
	_ = c.ws.SetWriteDeadline(time.Now().Add(5 * time.Second))
	return c.ws.WriteMessage(websocket.TextMessage, b)
}

func (f *Fake) notifyConns() {
	close(f.connCh)
	f.connCh = make(chan struct{})
}

// register adds a live WebSocket and sends it the lifecycle connect event.
func (f *Fake) register(ws *websocket.Conn, transport, auth string, events bool) (*conn, bool) {
	c := &conn{ws: ws, transport: transport, auth: auth, events: events}
	// Under emitMu: the lifecycle frame is first, and no Emit in flight
	// interleaves with it.
	f.emitMu.Lock()
	defer f.emitMu.Unlock()
	f.mu.Lock()
	if f.closed {
		f.mu.Unlock()
		_ = ws.Close()
		return nil, false
	}
	f.conns[c] = struct{}{}
	f.notifyConns()
	f.mu.Unlock()
	if events && !f.opts.NoLifecycle {
		_ = c.write(mustJSON(Lifecycle(f.opts.SelfID, "connect")))
	}
	return c, true
}

// serveConn serves one WebSocket until it closes: calls are answered each
// on its own goroutine (so scripted delays reorder replies, as real
// implementations do).
func (f *Fake) serveConn(c *conn, api bool) {
	ws, transport, auth := c.ws, c.transport, c.auth
	defer func() {
		f.mu.Lock()
		delete(f.conns, c)
		f.notifyConns()
		f.mu.Unlock()
		_ = ws.Close()
	}()
	for {
		_, data, err := ws.ReadMessage()
		if err != nil {
			return
		}
		if !api {
			continue
		}
		var req struct {
			Action string          `json:"action"`
			Params json.RawMessage `json:"params"`
			Echo   json.RawMessage `json:"echo"`
		}
		if json.Unmarshal(data, &req) != nil {
			continue
		}
		go func() {
			rep := f.answer(Call{Transport: transport, Action: req.Action, Params: req.Params, Echo: req.Echo, Auth: auth})
			if rep.NoReply {
				return
			}
			if rep.Raw != nil {
				_ = c.write(rep.Raw)
				return
			}
			_ = c.write(rep.envelope(f.echoBack(req.Echo)))
		}()
	}
}

func (f *Fake) echoBack(e json.RawMessage) json.RawMessage {
	if !f.opts.EchoAsNumber || len(e) < 3 || e[0] != '"' {
		return e
	}
	inner := e[1 : len(e)-1]
	if _, err := strconv.ParseUint(string(inner), 10, 64); err != nil {
		return e
	}
	return inner
}

// Conns is the number of live WebSocket connections.
func (f *Fake) Conns() int {
	f.mu.Lock()
	defer f.mu.Unlock()
	return len(f.conns)
}

// WaitConns waits until exactly n WebSocket connections are live.
func (f *Fake) WaitConns(ctx context.Context, n int) error {
	for {
		f.mu.Lock()
		got, ch := len(f.conns), f.connCh
		f.mu.Unlock()
		if got == n {
			return nil
		}
		select {
		case <-ch:
		case <-ctx.Done():
			return fmt.Errorf("ob11fake: %d connections, want %d: %w", got, n, ctx.Err())
		}
	}
}

// Drop closes every live WebSocket abruptly (no close frame), as a crash
// or network failure would.
func (f *Fake) Drop() {
	f.mu.Lock()
	var cs []*conn
	for c := range f.conns {
		cs = append(cs, c)
	}
	f.mu.Unlock()
	for _, c := range cs {
		_ = c.ws.NetConn().Close()
	}
}

// Emit sends ev (any JSON-encodable event) to every event-carrying
// WebSocket and POSTs it to the PostTo URL, in that order, before
// returning; events emitted one after another arrive in that order.
func (f *Fake) Emit(ev any) error {
	b, err := json.Marshal(ev)
	if err != nil {
		return err
	}
	return f.EmitRaw(b)
}

// EmitRaw is Emit of bytes sent as they are (malformed frames included).
func (f *Fake) EmitRaw(b []byte) error {
	f.emitMu.Lock()
	defer f.emitMu.Unlock()
	f.mu.Lock()
	var cs []*conn
	for c := range f.conns {
		if c.events {
			cs = append(cs, c)
		}
	}
	post := f.postURL
	f.mu.Unlock()
	var errs []error
	for _, c := range cs {
		if err := c.write(b); err != nil {
			errs = append(errs, err)
		}
	}
	if post != "" {
		if _, err := f.Post(post, b, ""); err != nil {
			errs = append(errs, err)
		}
	}
	return errors.Join(errs...)
}

// Post sends one event POST with body b to url and returns the status. sig
// overrides the X-Signature header ("-" sends none; "" signs with Secret
// when set).
func (f *Fake) Post(url string, b []byte, sig string) (int, error) {
	req, err := http.NewRequest(http.MethodPost, url, bytes.NewReader(b))
	if err != nil {
		return 0, err
	}
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("X-Self-ID", strconv.FormatInt(f.opts.SelfID, 10))
	switch {
	case sig == "-":
	case sig != "":
		req.Header.Set("X-Signature", sig)
	case f.opts.Secret != "":
		req.Header.Set("X-Signature", Sign(f.opts.Secret, b))
	}
	resp, err := f.hc.Do(req)
	if err != nil {
		return 0, err
	}
	_, _ = io.Copy(io.Discard, resp.Body)
	_ = resp.Body.Close()
	if resp.StatusCode/100 != 2 {
		return resp.StatusCode, fmt.Errorf("ob11fake: POST event: HTTP %d", resp.StatusCode)
	}
	return resp.StatusCode, nil
}

// Sign is the X-Signature value of body: sha1=hex(HMAC-SHA1(secret, body)).
func Sign(secret string, body []byte) string {
	m := hmac.New(sha1.New, []byte(secret))
	m.Write(body)
	return "sha1=" + hex.EncodeToString(m.Sum(nil))
}

// Close stops the servers and closes every connection.
func (f *Fake) Close() {
	f.mu.Lock()
	f.closed = true
	f.mu.Unlock()
	f.StopListening()
	f.hc.CloseIdleConnections()
}

// StopListening closes the listeners (the upstream goes "down": new dials
// are refused) and drops the live connections; Listen again to come back.
func (f *Fake) StopListening() {
	f.mu.Lock()
	srvs := f.servers
	f.servers = nil
	f.mu.Unlock()
	for _, s := range srvs {
		_ = s.Close()
	}
	f.Drop()
}

func mustJSON(v any) []byte {
	b, err := json.Marshal(v)
	if err != nil {
		panic(err)
	}
	return b
}
