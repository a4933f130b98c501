package milky

import (
	"bytes"
	"context"
	"crypto/subtle"
	"errors"
	"io"
	"log/slog"
	"mime"
	"net"
	"net/http"
	"net/url"
	"strings"
	"sync"
	"time"

	"github.com/goccy/go-json"
	"github.com/gorilla/websocket"
)

// ErrUnknownAPI is what an APIHandler returns (possibly wrapped) for an API
// it does not have; the server answers HTTP 404.
var ErrUnknownAPI = errors.New("unknown api")

// ServerConfig configures the server side of Milky (/api and /event).
type ServerConfig struct {
	// Token, when set, is required as Authorization: Bearer on /api and as
	// the Bearer header or ?access_token= on /event; webhooks send it too.
	Token  string
	API    APIHandler
	Logger *slog.Logger
	// MaxBodyBytes bounds an /api request body; default 16 MiB.
	MaxBodyBytes int64
	// Webhooks receive every published event as a POST (optional).
	Webhooks []string
	// SubscriberQueue bounds the events buffered per slow /event subscriber
	// (and per webhook) before the oldest is dropped; default 1024.
	SubscriberQueue int
}

var emptyObject = []byte("{}")

const (
	handshakeTimeout   = 10 * time.Second
	defaultDialTimeout = 2 * time.Second
)

func newTransport(dialTimeout time.Duration) *http.Transport {
	return &http.Transport{
		DialContext:         (&net.Dialer{Timeout: dialTimeout, KeepAlive: 30 * time.Second}).DialContext,
		MaxIdleConnsPerHost: 64,
		IdleConnTimeout:     90 * time.Second,
	}
}

const (
	defaultMaxBodyBytes    = 16 << 20
	defaultSubscriberQueue = 1024
	sseKeepAlive           = 15 * time.Second
	wsPingInterval         = 30 * time.Second
	wsReadTimeout          = 75 * time.Second // > 2 ping intervals
	streamWriteTimeout     = 10 * time.Second
	webhookTimeout         = 10 * time.Second
)

// Server serves Milky's /api and /event. Publish fans events out to every
// /event subscriber and webhook without ever blocking on a slow one.
type Server struct {
	cfg      ServerConfig
	log      *slog.Logger
	upgrader websocket.Upgrader
	whClient *http.Client

	mu      sync.Mutex
	subs    map[*eventQueue]struct{}
	hooks   []*eventQueue
	closed  bool
	streams sync.WaitGroup // running /event handlers and webhook workers
}

// NewServer builds a server; webhook workers start at once.
func NewServer(cfg ServerConfig) *Server {
	if cfg.MaxBodyBytes <= 0 {
		cfg.MaxBodyBytes = defaultMaxBodyBytes
	}
	if cfg.SubscriberQueue <= 0 {
		cfg.SubscriberQueue = defaultSubscriberQueue
	}
	log := cfg.Logger
	if log == nil {
		log = slog.Default()
	}
	s := &Server{
		cfg: cfg,
		log: log.With("component", "milky-server"),
		upgrader: websocket.Upgrader{
			HandshakeTimeout: handshakeTimeout,
			// Bots are not browsers; the token is the guard.
			CheckOrigin: func(*http.Request) bool { return true },
		},
		whClient: &http.Client{Timeout: webhookTimeout, Transport: newTransport(defaultDialTimeout)},
		subs:     map[*eventQueue]struct{}{},
	}
	for _, u := range cfg.Webhooks {
		q := newEventQueue(cfg.SubscriberQueue, "webhook", s.log)
		s.hooks = append(s.hooks, q)
		s.streams.Add(1)
		go s.runWebhook(u, q)
	}
	return s
}

// Handler serves POST /api/<name> and GET /event.
func (s *Server) Handler() http.Handler {
	mux := http.NewServeMux()
	mux.HandleFunc("/api/", s.serveAPI)
	mux.HandleFunc("/event", s.serveEvent)
	return mux
}

// Subscribers is the number of connected /event streams.
func (s *Server) Subscribers() int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return len(s.subs)
}

// Publish sends ev to every current subscriber and webhook. It only queues:
// a subscriber that falls SubscriberQueue events behind loses its oldest.
func (s *Server) Publish(ev *Event) {
	payload, err := json.Marshal(ev)
	if err != nil {
		s.log.Error("milky event not published: encode", "event_type", ev.EventType, "err", err)
		return
	}
	var slow []*eventQueue // logged after unlocking: no I/O under s.mu
	s.mu.Lock()
	if s.closed {
		s.mu.Unlock()
		return
	}
	for q := range s.subs {
		if q.push(payload) {
			slow = append(slow, q)
		}
	}
	for _, q := range s.hooks {
		if q.push(payload) {
			slow = append(slow, q)
		}
	}
	s.mu.Unlock()
	for _, q := range slow {
		q.logDropped()
	}
}

// DropStreams closes every current /event connection, as an implementation
// restarting or a network cut would. Clients may reconnect at once.
func (s *Server) DropStreams() {
	s.mu.Lock()
	defer s.mu.Unlock()
	for q := range s.subs {
		q.close()
		delete(s.subs, q)
	}
}

// Close drops every stream, refuses new ones, stops the webhook workers and
// waits for all of them to finish.
func (s *Server) Close() {
	s.mu.Lock()
	s.closed = true
	for q := range s.subs {
		q.close()
		delete(s.subs, q)
	}
	for _, q := range s.hooks {
		q.close()
	}
	s.mu.Unlock()
	s.streams.Wait()
}

func (s *Server) authorized(got string) bool {
	if s.cfg.Token == "" {
		return true
	}
	return subtle.ConstantTimeCompare([]byte(got), []byte(s.cfg.Token)) == 1
}

func bearer(r *http.Request) string {
	h := r.Header.Get("Authorization")
	if len(h) > 7 && strings.EqualFold(h[:7], "Bearer ") {
		return strings.TrimSpace(h[7:])
	}
	return ""
}

// ---- /api ----

type okEnvelope struct {
	Status  string          `json:"status"`
	Retcode int             `json:"retcode"`
	Data    json.RawMessage `json:"data"`
}

type failedEnvelope struct {
	Status  string `json:"status"`
	Retcode int    `json:"retcode"`
	Message string `json:"message"`
}

func (s *Server) serveAPI(w http.ResponseWriter, r *http.Request) {
	api := strings.TrimPrefix(r.URL.Path, "/api/")
	if r.Method != http.MethodPost {
		w.Header().Set("Allow", http.MethodPost)
		http.Error(w, "method not allowed: use POST", http.StatusMethodNotAllowed)
		return
	}
	if !s.authorized(bearer(r)) {
		http.Error(w, "unauthorized", http.StatusUnauthorized)
		return
	}
	body, err := io.ReadAll(http.MaxBytesReader(w, r.Body, s.cfg.MaxBodyBytes))
	if err != nil {
		var tooBig *http.MaxBytesError
		if errors.As(err, &tooBig) {
			http.Error(w, "request body too large", http.StatusRequestEntityTooLarge)
			return
		}
		http.Error(w, "read request body: "+err.Error(), http.StatusBadRequest)
		return
	}
	if mt, _, err := mime.ParseMediaType(r.Header.Get("Content-Type")); err != nil || mt != "application/json" {
		http.Error(w, "Content-Type must be application/json", http.StatusUnsupportedMediaType)
		return
	}
	if api == "" || strings.Contains(api, "/") {
		http.Error(w, "unknown api: "+api, http.StatusNotFound)
		return
	}

	var data any
	err = ErrUnknownAPI
	if s.cfg.API != nil {
		data, err = s.cfg.API.HandleAPI(r.Context(), api, body)
	}
	if err != nil {
		s.writeAPIError(w, api, err)
		return
	}
	raw := emptyObject
	if data != nil {
		b, err := json.Marshal(data)
		if err != nil {
			s.log.Error("milky api: encode response", "api", api, "err", err)
			writeJSON(w, failedEnvelope{"failed", -500, "encode response: " + err.Error()})
			return
		}
		if !bytes.Equal(b, []byte("null")) {
			raw = b
		}
	}
	writeJSON(w, okEnvelope{"ok", 0, raw})
}

func (s *Server) writeAPIError(w http.ResponseWriter, api string, err error) {
	if errors.Is(err, ErrUnknownAPI) {
		http.Error(w, "unknown api: "+api, http.StatusNotFound)
		return
	}
	var ae *APIError
	if errors.As(err, &ae) {
		switch ae.HTTPStatus {
		case 0, http.StatusOK:
		default:
			http.Error(w, ae.Message, ae.HTTPStatus)
			return
		}
		code := ae.Retcode
		if code == 0 {
			code = -500 // "failed" with retcode 0 would contradict itself
		}
		writeJSON(w, failedEnvelope{"failed", code, ae.Message})
		return
	}
	writeJSON(w, failedEnvelope{"failed", -500, err.Error()})
}

func writeJSON(w http.ResponseWriter, v any) {
	b, err := json.Marshal(v)
	if err != nil { // only fixed envelope types get here
		http.Error(w, err.Error(), http.StatusInternalServerError)
		return
	}
	w.Header().Set("Content-Type", "application/json; charset=utf-8")
	_, _ = w.Write(b)
}

// ---- /event ----

func (s *Server) serveEvent(w http.ResponseWriter, r *http.Request) {
	if r.Method != http.MethodGet {
		w.Header().Set("Allow", http.MethodGet)
		http.Error(w, "method not allowed: use GET", http.StatusMethodNotAllowed)
		return
	}
	tok := bearer(r)
	if tok == "" {
		tok = r.URL.Query().Get("access_token")
	}
	if !s.authorized(tok) {
		http.Error(w, "unauthorized", http.StatusUnauthorized)
		return
	}
	isWS := websocket.IsWebSocketUpgrade(r)
	transport := TransportSSE
	if isWS {
		transport = TransportWS
	}
	// Subscribe before the handshake completes, so that every event
	// published after the client sees itself connected reaches it.
	q := newEventQueue(s.cfg.SubscriberQueue, transport+" subscriber "+r.RemoteAddr, s.log)
	s.mu.Lock()
	if s.closed {
		s.mu.Unlock()
		http.Error(w, "server closing", http.StatusServiceUnavailable)
		return
	}
	s.subs[q] = struct{}{}
	s.streams.Add(1)
	s.mu.Unlock()
	defer s.streams.Done()
	defer s.unsubscribe(q)

	if isWS {
		s.serveWS(w, r, q)
	} else {
		s.serveSSE(w, r, q)
	}
}

func (s *Server) unsubscribe(q *eventQueue) {
	s.mu.Lock()
	delete(s.subs, q)
	s.mu.Unlock()
	q.close()
}

func (s *Server) serveWS(w http.ResponseWriter, r *http.Request, q *eventQueue) {
	conn, err := s.upgrader.Upgrade(w, r, nil)
	if err != nil {
		s.log.Debug("milky /event upgrade failed", "remote", r.RemoteAddr, "err", err)
		return // Upgrade already replied
	}
	defer conn.Close()

	// Reader: answers pings, notices the peer leaving. Clients send nothing else.
	conn.SetReadLimit(4 << 10)
	_ = conn.SetReadDeadline(time.Now().Add(wsReadTimeout))
	conn.SetPongHandler(func(string) error { return conn.SetReadDeadline(time.Now().Add(wsReadTimeout)) })
	readerDone := make(chan struct{})
	go func() {
		defer close(readerDone)
		for {
			if _, _, err := conn.ReadMessage(); err != nil {
				return
			}
			_ = conn.SetReadDeadline(time.Now().Add(wsReadTimeout))
		}
	}()
	defer func() { _ = conn.Close(); <-readerDone }()

	ping := time.NewTicker(wsPingInterval)
	defer ping.Stop()
	var batch [][]byte
	for {
		select {
		case <-q.done:
			_ = conn.WriteControl(websocket.CloseMessage,
				websocket.FormatCloseMessage(websocket.CloseGoingAway, "stream dropped"), time.Now().Add(time.Second))
			return
		case <-readerDone:
			return
		case <-ping.C:
			if err := conn.WriteControl(websocket.PingMessage, nil, time.Now().Add(streamWriteTimeout)); err != nil {
				return
			}
		case <-q.notify:
			batch = q.drain(batch[:0])
			for _, payload := range batch {
				_ = conn.SetWriteDeadline(time.Now().Add(streamWriteTimeout))
				if err := conn.WriteMessage(websocket.TextMessage, payload); err != nil {
					s.log.Debug("milky /event write failed", "remote", r.RemoteAddr, "err", err)
					return
				}
			}
		}
	}
}

func (s *Server) serveSSE(w http.ResponseWriter, r *http.Request, q *eventQueue) {
	rc := http.NewResponseController(w)
	h := w.Header()
	h.Set("Content-Type", "text/event-stream; charset=utf-8")
	h.Set("Cache-Control", "no-cache")
	h.Set("X-Accel-Buffering", "no") // tell nginx not to buffer
	w.WriteHeader(http.StatusOK)
	if err := rc.Flush(); err != nil {
		s.log.Debug("milky /event: SSE needs a flushable response", "err", err)
		return
	}
	keep := time.NewTicker(sseKeepAlive)
	defer keep.Stop()
	var (
		batch [][]byte
		buf   []byte
	)
	write := func(b []byte) bool {
		_ = rc.SetWriteDeadline(time.Now().Add(streamWriteTimeout))
		if _, err := w.Write(b); err != nil {
			return false
		}
		return rc.Flush() == nil
	}
	for {
		select {
		case <-q.done:
			return
		case <-r.Context().Done():
			return
		case <-keep.C:
			if !write([]byte(": keep-alive\n\n")) {
				return
			}
		case <-q.notify:
			batch = q.drain(batch[:0])
			buf = buf[:0]
			for _, payload := range batch {
				buf = AppendSSE(buf, payload)
			}
			if !write(buf) {
				return
			}
		}
	}
}

// ---- webhooks ----

func (s *Server) runWebhook(target string, q *eventQueue) {
	defer s.streams.Done()
	// Cancels an in-flight POST when the server closes.
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	go func() {
		<-q.done
		cancel()
	}()
	var batch [][]byte
	for {
		select {
		case <-q.done:
			return
		case <-q.notify:
			batch = q.drain(batch[:0])
			for _, payload := range batch {
				if ctx.Err() != nil {
					return
				}
				s.postWebhook(ctx, target, payload)
			}
		}
	}
}

func (s *Server) postWebhook(ctx context.Context, target string, payload []byte) {
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, target, bytes.NewReader(payload))
	if err != nil {
		s.log.Error("milky webhook: bad URL", "url", redactURL(target), "err", err)
		return
	}
	req.Header.Set("Content-Type", "application/json")
	if s.cfg.Token != "" {
		req.Header.Set("Authorization", "Bearer "+s.cfg.Token)
	}
	resp, err := s.whClient.Do(req)
	if err != nil {
		s.log.Warn("milky webhook: POST failed", "url", redactURL(target), "err", err)
		return
	}
	_, _ = io.CopyN(io.Discard, resp.Body, 4096)
	_ = resp.Body.Close()
	if resp.StatusCode/100 != 2 {
		s.log.Warn("milky webhook: non-2xx reply", "url", redactURL(target), "status", resp.StatusCode)
	}
}

// redactURL drops user info and query from a URL for logging: either may
// carry a secret.
func redactURL(raw string) string {
	u, err := url.Parse(raw)
	if err != nil {
		return "(unparsable URL)"
	}
	u.User, u.RawQuery, u.Fragment = nil, "", ""
	return u.String()
}

// ---- per-subscriber queue ----

// eventQueue is a bounded FIFO of encoded events with drop-oldest overflow.
// push never blocks; the consumer waits on notify and takes everything.
type eventQueue struct {
	name   string
	log    *slog.Logger
	notify chan struct{} // capacity 1: "there is something to drain"
	done   chan struct{} // closed by close()
	once   sync.Once

	mu      sync.Mutex
	items   [][]byte
	max     int
	dropped int64
	lastLog time.Time
}

func newEventQueue(max int, name string, log *slog.Logger) *eventQueue {
	return &eventQueue{name: name, log: log, max: max, notify: make(chan struct{}, 1), done: make(chan struct{})}
}

// push appends payload, dropping the oldest event when full. It reports
// whether the caller should call logDropped (at most once a second, so a
// stuck subscriber cannot flood the log).
func (q *eventQueue) push(payload []byte) (logIt bool) {
	q.mu.Lock()
	if len(q.items) >= q.max {
		copy(q.items, q.items[1:])
		q.items = q.items[:len(q.items)-1]
		q.dropped++
		if now := time.Now(); now.Sub(q.lastLog) >= time.Second {
			q.lastLog, logIt = now, true
		}
	}
	q.items = append(q.items, payload)
	q.mu.Unlock()
	select {
	case q.notify <- struct{}{}:
	default:
	}
	return logIt
}

func (q *eventQueue) logDropped() {
	q.mu.Lock()
	n := q.dropped
	q.mu.Unlock()
	q.log.Warn("milky event dropped: subscriber too slow (oldest dropped)",
		"subscriber", q.name, "queue", q.max, "dropped_total", n)
}

// droppedTotal is how many events this queue has lost to overflow.
func (q *eventQueue) droppedTotal() int64 {
	q.mu.Lock()
	defer q.mu.Unlock()
	return q.dropped
}

func (q *eventQueue) drain(dst [][]byte) [][]byte {
	q.mu.Lock()
	dst = append(dst, q.items...)
	clear(q.items)
	q.items = q.items[:0]
	q.mu.Unlock()
	return dst
}

func (q *eventQueue) close() { q.once.Do(func() { close(q.done) }) }
