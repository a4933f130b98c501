// Package server serves Milky 1.2 to bots: POST /api/:api, GET /event
// (WebSocket or SSE) and WebHook delivery, on fasthttp. It is the
// simulator's transport and the gateway's Milky downstream in the reverse
// direction (OneBot 11 upstream, Milky bots downstream).
//
// Adopting it: New(Config{...}) then Serve(ln) (or mount Handler() on a
// fasthttp.Server of your own, which then sets the read limits); Publish or
// PublishRaw for every event; Shutdown(ctx) to stop. Handlers of another
// protocol sharing the port go in Config.Routes (the simulator serves its
// /sim/ media there); a net/http handler fits through
// fasthttpadaptor.NewFastHTTPHandler.
package server

import (
	"context"
	"errors"
	"log/slog"
	"net"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/fasthttp/websocket"
	"github.com/valyala/fasthttp"

	"github.com/qqbridge/gateway/milky"
	"github.com/qqbridge/gateway/transport"
)

// Config configures a Server. Zero values take the defaults given.
type Config struct {
	// Token, when set, is required as "Authorization: Bearer T" on /api and
	// as the header or ?access_token=T on /event; webhooks send it too.
	Token string
	// API answers /api calls: milky.ErrUnknownAPI (possibly wrapped) means
	// 404, *milky.APIError picks the retcode or HTTP status, any other
	// error is a failed call with retcode -500. nil answers 404 to all.
	API      milky.APIHandler
	Logger   *slog.Logger
	Observer Observer

	// Routes are served before the Milky routes and bypass Milky auth (they
	// do their own), e.g. "/onebot/v11/post" for a gateway sharing the
	// port. A key ending in "/" matches every path under it (longest wins).
	Routes map[string]fasthttp.RequestHandler

	// MaxBodyBytes bounds an /api request body; default 16 MiB.
	MaxBodyBytes int
	// ReadTimeout bounds reading one whole request, headers and body, so a
	// client trickling bytes cannot hold a worker; default 30s. IdleTimeout
	// closes keep-alive connections idle that long; default 2 min. Both
	// apply to Serve; a caller running Handler on its own fasthttp.Server
	// sets its own.
	ReadTimeout, IdleTimeout time.Duration
	// WriteTimeout bounds one write to a client (a response, an event
	// batch, a ping); default 10s. A subscriber that cannot take a write
	// for that long is disconnected.
	WriteTimeout time.Duration

	// QueueEvents and QueueBytes bound each subscriber's and each
	// webhook's queue; the oldest events are dropped beyond either.
	// Defaults 4096 events, 64 MiB.
	QueueEvents, QueueBytes int

	// PingInterval: WebSocket pings; default 30s. A client that answers
	// nothing for 3 intervals is disconnected. SSEKeepAlive: comment lines
	// on idle SSE streams; default 15s.
	PingInterval, SSEKeepAlive time.Duration

	// Webhooks receive every published event as a POST.
	Webhooks []string
	// WebhookTimeout bounds one POST; default 10s. A failed POST (network
	// error, 5xx, 408, 429) is retried after capped exponential backoff
	// with full jitter between WebhookMinDelay (default 500ms) and
	// WebhookMaxDelay (default 60s), reset on success. WebhookAttempts caps
	// the tries per event (0: retry until the endpoint recovers or the
	// queue overflows). Any other 3xx or 4xx is not retried: the event is
	// dropped (redirects are never followed).
	WebhookTimeout                   time.Duration
	WebhookMinDelay, WebhookMaxDelay time.Duration
	WebhookAttempts                  int
}

const (
	defaultMaxBodyBytes   = 16 << 20
	defaultReadTimeout    = 30 * time.Second
	defaultIdleTimeout    = 2 * time.Minute
	defaultWriteTimeout   = 10 * time.Second
	defaultPingInterval   = 30 * time.Second
	defaultSSEKeepAlive   = 15 * time.Second
	defaultWebhookTimeout = 10 * time.Second
	defaultWebhookMin     = 500 * time.Millisecond
	defaultWebhookMax     = time.Minute
	handshakeTimeout      = 10 * time.Second
	// batchEvents caps one peeked batch, so a long backlog is written in
	// bounded pieces and commits progress as it goes.
	batchEvents = 64
)

// orDefault gives a setting left at zero (or negative) its default d.
func orDefault[T int | int64 | time.Duration](p *T, d T) {
	if *p <= 0 {
		*p = d
	}
}

func (c Config) withDefaults() Config {
	orDefault(&c.MaxBodyBytes, defaultMaxBodyBytes)
	orDefault(&c.ReadTimeout, defaultReadTimeout)
	orDefault(&c.IdleTimeout, defaultIdleTimeout)
	orDefault(&c.WriteTimeout, defaultWriteTimeout)
	orDefault(&c.PingInterval, defaultPingInterval)
	orDefault(&c.SSEKeepAlive, defaultSSEKeepAlive)
	orDefault(&c.WebhookTimeout, defaultWebhookTimeout)
	orDefault(&c.WebhookMinDelay, defaultWebhookMin)
	orDefault(&c.WebhookMaxDelay, defaultWebhookMax)
	if c.WebhookMaxDelay < c.WebhookMinDelay {
		c.WebhookMaxDelay = c.WebhookMinDelay
	}
	orDefault(&c.QueueEvents, transport.DefaultQueueEvents)
	orDefault(&c.QueueBytes, transport.DefaultQueueBytes)
	if c.Logger == nil {
		c.Logger = slog.Default()
	}
	if c.Observer == nil {
		c.Observer = nopObserver{}
	}
	return c
}

// Server serves Milky's /api and /event and delivers webhooks.
type Server struct {
	cfg      Config
	log      *slog.Logger
	obs      Observer
	token    transport.Token
	upgrader websocket.FastHTTPUpgrader
	exact    map[string]fasthttp.RequestHandler
	prefixes []string // Routes keys ending in "/", longest first
	handler  fasthttp.RequestHandler

	// base is the context of API calls and webhook POSTs; Shutdown cancels
	// it only once its own ctx ends, so in-flight work finishes first.
	base     context.Context
	stop     context.CancelFunc
	draining chan struct{} // closed by Shutdown: flush, then leave
	drainMu  sync.Once

	http transport.Serving

	mu     sync.Mutex
	subs   map[*subscriber]struct{}
	closed bool
	// fanout is the copy-on-write list Publish reads without a lock.
	fanout atomic.Pointer[fanout]
	hooks  []*webhook
	wg     sync.WaitGroup // subscriber writers and webhook workers

	whClient *fasthttp.Client
	whConns  *connSet
}

// New builds a server; webhook workers start at once.
func New(cfg Config) *Server {
	cfg = cfg.withDefaults()
	base, stop := context.WithCancel(context.Background())
	s := &Server{
		cfg:      cfg,
		log:      cfg.Logger.With("component", "milky-server"),
		obs:      cfg.Observer,
		token:    transport.NewToken(cfg.Token),
		exact:    map[string]fasthttp.RequestHandler{},
		base:     base,
		stop:     stop,
		draining: make(chan struct{}),
		subs:     map[*subscriber]struct{}{},
	}
	s.upgrader = websocket.FastHTTPUpgrader{
		HandshakeTimeout: handshakeTimeout,
		// Bots are not browsers; the token is the guard.
		CheckOrigin: func(*fasthttp.RequestCtx) bool { return true },
	}
	for p, h := range cfg.Routes {
		if strings.HasSuffix(p, "/") {
			s.prefixes = append(s.prefixes, p)
		}
		s.exact[p] = h
	}
	// Longest prefix first, so "/sim/res/" beats "/sim/".
	for i := 1; i < len(s.prefixes); i++ {
		for j := i; j > 0 && len(s.prefixes[j]) > len(s.prefixes[j-1]); j-- {
			s.prefixes[j], s.prefixes[j-1] = s.prefixes[j-1], s.prefixes[j]
		}
	}
	s.handler = s.route
	for _, u := range cfg.Webhooks {
		s.startWebhook(u)
	}
	s.publishListLocked()
	return s
}

// Handler is the whole HTTP surface: Config.Routes, POST /api/:api and
// GET /event. It may be mounted on a caller's own fasthttp.Server; Serve
// is the usual way.
func (s *Server) Handler() fasthttp.RequestHandler { return s.handler }

func (s *Server) route(ctx *fasthttp.RequestCtx) {
	path := ctx.Path()
	if len(s.exact) > 0 {
		if h, ok := s.exact[string(path)]; ok { // no allocation: map lookup by string(bytes)
			h(ctx)
			return
		}
		for _, p := range s.prefixes {
			if len(path) >= len(p) && string(path[:len(p)]) == p {
				s.exact[p](ctx)
				return
			}
		}
	}
	switch {
	case len(path) > len(apiPrefix) && string(path[:len(apiPrefix)]) == apiPrefix:
		s.serveAPI(ctx, path[len(apiPrefix):])
	case string(path) == "/event":
		s.serveEvent(ctx)
	default:
		ctx.Error("not found", fasthttp.StatusNotFound)
	}
}

// Serve accepts connections on ln until Shutdown or Close. It returns nil
// after a Shutdown, else the listener's error.
func (s *Server) Serve(ln net.Listener) error {
	fs := &fasthttp.Server{
		Handler:                      s.handler,
		Name:                         "milky",
		ReadTimeout:                  s.cfg.ReadTimeout,
		IdleTimeout:                  s.cfg.IdleTimeout,
		WriteTimeout:                 s.cfg.WriteTimeout,
		MaxRequestBodySize:           s.cfg.MaxBodyBytes,
		CloseOnShutdown:              true,
		NoDefaultContentType:         true,
		NoDefaultDate:                true,
		Logger:                       transport.FastHTTPLogger(s.log),
		ConnState:                    s.connState,
		DisablePreParseMultipartForm: true,
		ErrorHandler:                 requestError,
	}
	err := s.http.Serve(ln, fs)
	switch {
	case errors.Is(err, transport.ErrServingClosed):
		return errors.New("milky server: closed")
	case errors.Is(err, transport.ErrServeTwice):
		return errors.New("milky server: Serve called twice")
	}
	return err
}

// connState reports /api connections to the observer (s.http tracks them
// for a hard stop).
func (s *Server) connState(_ net.Conn, st fasthttp.ConnState) {
	switch st {
	case fasthttp.StateNew:
		s.obs.ConnOpened(TransportHTTP)
	case fasthttp.StateClosed, fasthttp.StateHijacked:
		// A hijacked connection leaves as "http" and comes back as ws/sse.
		s.obs.ConnClosed(TransportHTTP)
	}
}

// requestError answers a request fasthttp could not read. Its default says
// 400 for an oversized body; 413 tells the client what to change.
func requestError(ctx *fasthttp.RequestCtx, err error) {
	var small *fasthttp.ErrSmallBuffer
	var netErr net.Error
	switch {
	case errors.Is(err, fasthttp.ErrBodyTooLarge):
		ctx.Error("request body too large", fasthttp.StatusRequestEntityTooLarge)
	case errors.As(err, &small):
		ctx.Error("request header too large", fasthttp.StatusRequestHeaderFieldsTooLarge)
	case errors.As(err, &netErr) && netErr.Timeout():
		ctx.Error("request timeout", fasthttp.StatusRequestTimeout)
	default:
		ctx.Error("malformed request", fasthttp.StatusBadRequest)
	}
}

// Subscribers is the number of connected /event streams, not counting
// dropped ones whose connections are still closing.
func (s *Server) Subscribers() int {
	s.mu.Lock()
	defer s.mu.Unlock()
	n := 0
	for sub := range s.subs {
		if !sub.dropped {
			n++
		}
	}
	return n
}

// DropStreams closes every current /event connection (WebSocket with close
// code 1001), as an implementation restarting would; queued events of
// those streams are lost, and so is every event published after it
// returns, until the clients reconnect. They may do so at once. Webhooks
// go on.
func (s *Server) DropStreams() {
	s.mu.Lock()
	defer s.mu.Unlock()
	for sub := range s.subs {
		sub.dropped = true
		sub.kick()
	}
	s.publishListLocked()
}

// Shutdown stops accepting connections and new /event subscribers, lets
// in-flight API calls finish, then flushes every subscriber's and
// webhook's queue and closes WebSockets with 1001 (going away). When ctx
// ends first, whatever is left is cut off and ctx's error returned.
// Publish keeps queueing until the flush is done, so events that the last
// API calls cause still go out.
func (s *Server) Shutdown(ctx context.Context) error {
	s.mu.Lock()
	s.closed = true
	s.mu.Unlock()
	err := s.http.Shutdown(ctx)
	if err != nil {
		s.hardStop() // in-flight calls outlived ctx: cut them
	}
	s.drainMu.Do(func() { close(s.draining) })
	done := make(chan struct{})
	go func() { s.wg.Wait(); close(done) }()
	select {
	case <-done:
	case <-ctx.Done():
		s.hardStop()
		<-done
		err = ctx.Err()
	}
	s.stop()
	s.mu.Lock()
	s.subs = map[*subscriber]struct{}{}
	s.hooks = nil
	s.publishListLocked() // later Publish calls queue for no one
	s.mu.Unlock()
	return err
}

// Close stops at once: connections are cut and queued events dropped.
func (s *Server) Close() error {
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	_ = s.Shutdown(ctx)
	return nil
}

// hardStop cancels webhook POSTs and closes every stream's connection, so
// writers blocked in a write return at once.
func (s *Server) hardStop() {
	s.stop()
	if s.whConns != nil {
		s.whConns.closeAll()
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	for sub := range s.subs {
		sub.cut()
	}
	s.http.CutConns()
}
