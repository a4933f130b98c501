package server

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"path/filepath"
	"sync"
	"sync/atomic"
	"time"

	"github.com/fasthttp/websocket"
	"github.com/valyala/fasthttp"

	"github.com/qqbridge/gateway/onebot11"
	"github.com/qqbridge/gateway/spool"
	"github.com/qqbridge/gateway/transport"
)

// ServerConfig configures the OneBot 11 server (the gateway's downstream
// side). Zero values take the documented defaults.
type ServerConfig struct {
	AccessToken string   // downstream token; "" = open
	ReverseWS   []string // universal reverse WS URLs
	Webhooks    []string // HTTP POST event URLs
	Secret      string   // X-Signature HMAC-SHA1 key for webhooks
	// Heartbeat is the interval of heartbeat meta events on every WebSocket
	// that carries events. 0 disables them (the caller applies its 5s default).
	Heartbeat time.Duration
	// ReconnectInterval is the ceiling of the first reverse-WS retry delay
	// (default 3s); it doubles per failed dial up to 60s, with full jitter
	// (transport.Backoff), and resets after a successful connection.
	ReconnectInterval time.Duration
	// ReverseAuthScheme is "Bearer" (default, the spec) or "Token" (what
	// go-cqhttp sends) for the reverse WS Authorization header.
	ReverseAuthScheme string
	// UserAgent is sent on reverse WS dials and webhook posts
	// (default "qqbridge-gateway").
	UserAgent string
	// QueueSize and QueueBytes bound the events held in memory per
	// reverse-WS/webhook target and per forward-WS connection (defaults
	// 100000 events, 64 MiB). Beyond either, a target with a spool spools;
	// otherwise the oldest event is dropped and counted as
	// EventDropped(..., "buffer_full" or "buffer_bytes").
	QueueSize  int
	QueueBytes int
	// SpoolDir, when set, gives every webhook and reverse-WS target an
	// on-disk spool (SpoolDir/<transport>-<hash of URL>) for what memory
	// cannot hold, kept across restarts; SpoolMaxBytes bounds each
	// (default 1 GiB). Beyond it events are dropped as "spool_full".
	SpoolDir      string
	SpoolMaxBytes int64
	// EventMaxAge, when > 0, drops (as "expired") events whose "time" is
	// older than this by the time they could be delivered.
	EventMaxAge time.Duration
	// WebhookTimeout bounds one POST (default 5s). A failed POST (network
	// error, timeout, 5xx, 3xx, 408, 429) is retried, without limit, after
	// a delay with capped exponential backoff and full jitter from
	// WebhookRetryInterval (default 100ms) up to 5s, reset by a success;
	// the event stays at the head of its queue meanwhile.
	WebhookTimeout       time.Duration
	WebhookRetryInterval time.Duration
	// ActionTimeout is the longest one action may take before its reply says
	// it timed out (default 30s, under ZeroBot's 60s client timeout).
	ActionTimeout time.Duration
	// MaxBodyBytes bounds HTTP bodies and WS messages (default 16 MiB):
	// HTTP 413 / WS close 1009 beyond.
	MaxBodyBytes int64
	// BodyTimeout bounds reading one whole HTTP request, headers and body,
	// from its first byte (default 10s): beyond it the client is told 408
	// and the connection closed, however the bytes trickle in.
	BodyTimeout time.Duration
	Logger      *slog.Logger
	Observer    Observer // may be nil

	// ioIdleTimeout bounds writing one HTTP reply (default
	// httpIdleTimeout); tests shorten it.
	ioIdleTimeout time.Duration
}

// Defaults.
const (
	defaultReconnect     = 3 * time.Second
	maxReconnect         = 60 * time.Second
	defaultQueueSize     = 100000
	defaultWebhookTO     = 5 * time.Second
	defaultWebhookRetry  = 100 * time.Millisecond
	defaultActionTimeout = 30 * time.Second
	defaultMaxBody       = 16 << 20
	defaultBodyTimeout   = 10 * time.Second
	defaultUserAgent     = "qqbridge-gateway"

	wsWriteTimeout   = 15 * time.Second
	wsHandshakeTO    = 10 * time.Second
	wsPingInterval   = 30 * time.Second
	wsReadTimeout    = 90 * time.Second // three missed pongs
	wsMaxConcurrency = 128              // in-flight calls per WS connection
	// httpIdleTimeout bounds writing one HTTP reply (bots that never read).
	httpIdleTimeout = time.Minute
	// httpKeepAlive closes a keep-alive connection idle this long.
	httpKeepAlive = 5 * time.Minute
)

// Transport names used with Observer and Connections.
const (
	TransportHTTP      = "http"
	TransportWSForward = "ws_forward"
	TransportWSReverse = "ws_reverse"
	TransportWebhook   = "webhook"
)

// Server serves OneBot 11 to bots: the HTTP API and forward WebSocket on one
// handler, plus outbound reverse WebSocket clients and webhook senders. It
// owns transports, auth, envelopes, echo, _async, first frames and
// heartbeats; the Backend owns what actions mean.
type Server struct {
	cfg     ServerConfig
	backend Backend
	log     *slog.Logger
	obs     Observer
	auth    transport.Token

	// closing is set by Shutdown; gate guards it so that counting an action
	// in inflight and Shutdown's Wait never race (WaitGroup rule).
	gate     sync.RWMutex
	closing  bool
	closed   atomic.Bool // mirrors closing for lock-free reads in Publish
	inflight sync.WaitGroup

	base     context.Context // cancelled by Shutdown: stops loops
	stop     context.CancelFunc
	startOne sync.Once
	started  atomic.Bool
	loops    sync.WaitGroup

	connMu  sync.RWMutex
	forward map[*wsConn]struct{}

	reverse  []*reverseTarget
	webhooks []*webhookTarget

	httpInFlight atomic.Int64

	workers *workers // runs per-action goroutines on warm stacks

	upgrader websocket.FastHTTPUpgrader
	http     transport.Serving
}

// orDefault puts d into an unset (zero or negative) setting.
func orDefault[T int | int64 | time.Duration](p *T, d T) {
	if *p <= 0 {
		*p = d
	}
}

// NewServer builds a server; call Start to begin the outbound transports and
// mount Handler on the listen address.
func NewServer(cfg ServerConfig, backend Backend) *Server {
	orDefault(&cfg.ReconnectInterval, defaultReconnect)
	orDefault(&cfg.QueueSize, defaultQueueSize)
	orDefault(&cfg.WebhookTimeout, defaultWebhookTO)
	orDefault(&cfg.QueueBytes, transport.DefaultQueueBytes)
	orDefault(&cfg.WebhookRetryInterval, defaultWebhookRetry)
	orDefault(&cfg.ActionTimeout, defaultActionTimeout)
	orDefault(&cfg.MaxBodyBytes, defaultMaxBody)
	orDefault(&cfg.BodyTimeout, defaultBodyTimeout)
	if cfg.UserAgent == "" {
		cfg.UserAgent = defaultUserAgent
	}
	if cfg.ReverseAuthScheme == "" {
		cfg.ReverseAuthScheme = "Bearer"
	}
	orDefault(&cfg.ioIdleTimeout, httpIdleTimeout)
	if cfg.Heartbeat < 0 {
		cfg.Heartbeat = 0
	}
	s := &Server{
		cfg:     cfg,
		backend: backend,
		log:     cfg.Logger,
		obs:     cfg.Observer,
		auth:    transport.NewToken(cfg.AccessToken),
		forward: make(map[*wsConn]struct{}),
	}
	s.upgrader = s.newUpgrader()
	if s.log == nil {
		s.log = slog.Default()
	}
	s.log = s.log.With("component", "onebot11")
	if s.obs == nil {
		s.obs = noopObserver{}
	}
	s.base, s.stop = context.WithCancel(context.Background())
	s.workers = newWorkers(s.base.Done())
	for _, u := range cfg.ReverseWS {
		s.reverse = append(s.reverse, newReverseTarget(s, u))
	}
	for _, u := range cfg.Webhooks {
		s.webhooks = append(s.webhooks, newWebhookTarget(s, u))
	}
	return s
}

// maxRequestHead bounds a request's line and headers: 64 KiB, room for a
// GET with a long message in its query (go-cqhttp, on net/http, allows
// 1 MiB; the buffer is per connection, so not that much here).
const maxRequestHead = 64 << 10

// Serve serves the HTTP API and the forward WebSocket (/, /api, /event and
// their /ws, /onebot/v11/ws spellings) on ln, one fasthttp port for both,
// until Shutdown. It returns nil after Shutdown, else the listener's error.
func (s *Server) Serve(ln net.Listener) error {
	fs := &fasthttp.Server{
		Handler: s.route,
		Name:    "qqbridge-gateway",
		// ReadTimeout bounds a whole request, headers and body, from its
		// first byte: a body trickling in a byte at a time is cut (408)
		// like a stalled one. IdleTimeout is the keep-alive wait between
		// requests. WriteTimeout bounds sending one reply, so a bot that
		// does not read cannot pin the connection.
		ReadTimeout:        s.cfg.BodyTimeout,
		IdleTimeout:        httpKeepAlive,
		WriteTimeout:       s.cfg.ioIdleTimeout,
		MaxRequestBodySize: int(s.cfg.MaxBodyBytes),
		// The request line and headers must fit the read buffer (fasthttp
		// answers 431 otherwise). OneBot 11's HTTP API takes params in the
		// query, so a GET send_msg carries its whole message there; 4 KiB
		// (the default) refused a few hundred characters of Chinese text.
		ReadBufferSize:  maxRequestHead,
		CloseOnShutdown: true,
		// A forward socket must be closable from another goroutine (a
		// writer stuck on a bot that does not read, Shutdown): with this,
		// Close on a hijacked connection closes it, and wsConn always does.
		KeepHijackedConns:    true,
		NoDefaultContentType: true,
		NoDefaultDate:        true,
		// Form bodies are parsed by readHTTPRequest; multipart is refused.
		DisablePreParseMultipartForm: true,
		ErrorHandler:                 s.requestError,
		Logger:                       transport.FastHTTPLogger(s.log),
	}
	err := s.http.Serve(ln, fs)
	switch {
	case errors.Is(err, transport.ErrServingClosed):
		_ = ln.Close()
		return nil
	case errors.Is(err, transport.ErrServeTwice):
		return errors.New("onebot11 server: Serve called twice")
	case s.isClosing():
		return nil
	}
	return err
}

// route sends upgrade requests to the forward WebSocket, the rest to the
// HTTP API.
func (s *Server) route(ctx *fasthttp.RequestCtx) {
	// fasthttp, unlike net/http, does not recover a handler's panic: one
	// bad request would end the process.
	defer func() {
		if p := recover(); p != nil {
			s.log.Error("request handler panicked", "path", onebot11.Clip(string(ctx.Path())), "panic", onebot11.ClipTo(fmt.Sprint(p), onebot11.LogValueBytes))
			ctx.ResetBody()
			s.writeEnvelope(ctx, fasthttp.StatusInternalServerError, onebot11.Failed(onebot11.RetcodeUpstream, "internal error"), nil)
		}
	}()
	if websocket.FastHTTPIsWebSocketUpgrade(ctx) {
		s.serveForwardWS(ctx)
		return
	}
	s.serveHTTP(ctx)
}

// Start launches the reverse WS clients and webhook senders. They stop when
// ctx is done or at Shutdown. Events published before Start wait in the
// targets' queues.
func (s *Server) Start(ctx context.Context) {
	s.startOne.Do(func() {
		s.started.Store(true)
		ctx, cancel := context.WithCancel(ctx)
		context.AfterFunc(s.base, cancel)
		for _, t := range s.reverse {
			s.loops.Add(1)
			go func() { defer s.loops.Done(); t.loop(ctx) }()
		}
		for _, t := range s.webhooks {
			s.loops.Add(1)
			go func() { defer s.loops.Done(); t.loop(ctx) }()
		}
	})
}

// Publish fans one encoded OB11 event (a JSON object) out to every forward
// WS connection on / and /event, every reverse WS target and every webhook.
// It only enqueues, so it never waits for a peer. The server keeps event;
// the caller must not modify it afterwards.
func (s *Server) Publish(event []byte) {
	if s.isClosing() {
		return
	}
	s.connMu.RLock()
	for c := range s.forward {
		if c.events != nil {
			c.events.push(event)
		}
	}
	s.connMu.RUnlock()
	for _, t := range s.reverse {
		t.queue.push(event)
	}
	for _, t := range s.webhooks {
		t.queue.push(event)
	}
}

// PublishFrame is Publish for a pooled frame; f and f.B belong to the
// server from here on.
func (s *Server) PublishFrame(f *transport.Frame) {
	f.Hold() // this call's own hold, dropped at the end
	if s.isClosing() {
		f.Release()
		return
	}
	kept := false // a target that never releases has it
	s.connMu.RLock()
	for c := range s.forward {
		if c.events != nil {
			kept = !c.events.pushOwned(f.B, f) || kept
		}
	}
	s.connMu.RUnlock()
	for _, t := range s.reverse {
		kept = !t.queue.pushOwned(f.B, f) || kept
	}
	for _, t := range s.webhooks {
		t.queue.push(f.B)
		kept = true
	}
	if !kept {
		f.Release()
	}
}

// Shutdown stops accepting requests and connections, lets in-flight actions
// finish, flushes queued events to connected peers as far as ctx allows,
// closes WebSockets with 1001 Going Away and stops the outbound loops. It
// returns ctx.Err() if ctx ended before all of that completed.
func (s *Server) Shutdown(ctx context.Context) error {
	s.gate.Lock()
	already := s.closing
	s.closing = true
	s.closed.Store(true)
	s.gate.Unlock()
	if already {
		return nil
	}
	var errs []error
	if err := waitCtx(ctx, s.inflight.Wait); err != nil {
		errs = append(errs, err)
	}

	conns := s.liveConns()
	var drain sync.WaitGroup
	for _, c := range conns {
		drain.Add(1)
		go func() { defer drain.Done(); c.drain(ctx) }()
	}
	for _, t := range s.webhooks {
		drain.Add(1)
		go func() { defer drain.Done(); t.drain(ctx) }()
	}
	drain.Wait()
	var closing sync.WaitGroup
	for _, c := range conns {
		closing.Add(1)
		go func() { defer closing.Done(); c.closeGoingAway() }()
	}
	closing.Wait()
	s.stop()
	// Stopped senders exit promptly; wait for them on a short bound of its
	// own, so that even when ctx ran out during the drain (the bot was down
	// for the whole grace period) the queues close below and move what is
	// still in memory to the spool for the next run, instead of losing it
	// at exit (and so that no sender of this run delivers after the next
	// run has taken the spool over).
	stopCtx, cancelStop := context.WithTimeout(context.Background(), senderStopWait)
	err := waitCtx(stopCtx, s.loops.Wait)
	cancelStop()
	if err != nil {
		errs = append(errs, err)
	} else {
		// The senders are gone: spools can close; what they hold waits
		// for the next run.
		for _, t := range s.reverse {
			t.queue.close()
		}
		for _, t := range s.webhooks {
			t.queue.close()
		}
	}
	if err := s.stopHTTP(ctx); err != nil {
		errs = append(errs, err)
	}
	if ctx.Err() != nil && len(errs) == 0 {
		errs = append(errs, ctx.Err())
	}
	if len(errs) > 0 {
		return errs[0]
	}
	return nil
}

// stopHTTP closes the listener and the idle keep-alive connections and
// waits for requests still being answered (by now only refusals, since
// actions finished first); past ctx it cuts them.
func (s *Server) stopHTTP(ctx context.Context) error {
	err := s.http.Shutdown(ctx)
	if ctx.Err() != nil {
		s.http.CutConns()
		return ctx.Err()
	}
	return err
}

// Connections reports current connections by transport: "ws_forward" open
// forward sockets, "ws_reverse" connected reverse targets, "webhook" targets
// whose last delivery succeeded (or not yet tried), "http" HTTP requests in
// progress.
func (s *Server) Connections() map[string]int {
	s.connMu.RLock()
	fwd := len(s.forward)
	s.connMu.RUnlock()
	rev := 0
	for _, t := range s.reverse {
		if t.connected() {
			rev++
		}
	}
	hooks := 0
	for _, t := range s.webhooks {
		if t.healthy.Load() {
			hooks++
		}
	}
	return map[string]int{
		TransportWSForward: fwd,
		TransportWSReverse: rev,
		TransportWebhook:   hooks,
		TransportHTTP:      int(s.httpInFlight.Load()),
	}
}

func (s *Server) isClosing() bool { return s.closed.Load() }

// liveConns lists forward connections and connected reverse sockets.
func (s *Server) liveConns() []*wsConn {
	s.connMu.RLock()
	out := make([]*wsConn, 0, len(s.forward)+len(s.reverse))
	for c := range s.forward {
		out = append(out, c)
	}
	s.connMu.RUnlock()
	for _, t := range s.reverse {
		if c := t.current(); c != nil {
			out = append(out, c)
		}
	}
	return out
}

// addForward registers a forward connection; false once shutting down.
func (s *Server) addForward(c *wsConn) bool {
	if s.isClosing() {
		return false
	}
	s.connMu.Lock()
	s.forward[c] = struct{}{}
	s.connMu.Unlock()
	return true
}

func (s *Server) removeForward(c *wsConn) {
	s.connMu.Lock()
	delete(s.forward, c)
	s.connMu.Unlock()
}

// openSpool opens the on-disk spool of one target when SpoolDir is set
// (nil otherwise, or when it cannot be opened: the target then keeps to
// its memory buffer, and the failure is logged).
func (s *Server) openSpool(tr, rawURL, label string) *spool.Spool {
	if s.cfg.SpoolDir == "" {
		return nil
	}
	sum := sha256.Sum256([]byte(rawURL))
	dir := filepath.Join(s.cfg.SpoolDir, tr+"-"+hex.EncodeToString(sum[:8]))
	sp, err := spool.Open(dir, spool.Options{MaxBytes: s.cfg.SpoolMaxBytes})
	if err != nil {
		s.log.Error("event spool unavailable; events beyond the memory buffer will be dropped", "target", label, "dir", dir, "err", err)
		return nil
	}
	if n := sp.Len(); n > 0 {
		s.log.Info("event spool holds events from an earlier run; they go first", "target", label, "events", n)
	}
	return sp
}

// waitCtx runs wait (a blocking Wait) and returns early with ctx.Err().
func waitCtx(ctx context.Context, wait func()) error {
	done := make(chan struct{})
	go func() { wait(); close(done) }()
	select {
	case <-done:
		return nil
	case <-ctx.Done():
		return ctx.Err()
	}
}

var errShuttingDown = errors.New("onebot11: server shutting down")

// senderStopWait bounds the wait for stopped senders at shutdown.
const senderStopWait = 2 * time.Second

type noopObserver struct{}

func (noopObserver) ConnOpened(string, string)               {}
func (noopObserver) ConnClosed(string, string, error)        {}
func (noopObserver) ActionDone(string, string, int, float64) {}
func (noopObserver) EventDropped(string, string)             {}
func (noopObserver) QueueDepth(string, string, int)          {}
