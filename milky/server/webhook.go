package server

import (
	"net"
	"sync"
	"time"

	"github.com/valyala/fasthttp"

	"github.com/qqbridge/gateway/transport"
)

// webhook is one configured URL with its own queue and worker, so a dead
// endpoint delays only itself.
type webhook struct {
	url, label string // label: redacted, for logs and metrics
	q          *transport.Queue
}

func (s *Server) startWebhook(rawURL string) {
	label := transport.RedactURL(rawURL)
	h := &webhook{url: rawURL, label: label, q: s.newQueue(TransportWebhook, label, true)}
	s.hooks = append(s.hooks, h)
	if s.whClient == nil {
		s.whConns = &connSet{m: map[net.Conn]struct{}{}}
		s.whClient = &fasthttp.Client{
			Name:                     "milky-webhook",
			NoDefaultUserAgentHeader: false,
			ReadTimeout:              s.cfg.WebhookTimeout,
			WriteTimeout:             s.cfg.WebhookTimeout,
			MaxResponseBodySize:      64 << 10, // the reply is not used
			Dial:                     s.whConns.dialer(s.cfg.WebhookTimeout),
		}
	}
	s.wg.Add(1)
	go s.runWebhook(h)
}

// runWebhook posts the queue head until it is accepted, then commits it:
// a failed POST loses nothing and events arrive in order.
func (s *Server) runWebhook(h *webhook) {
	defer s.wg.Done()
	s.obs.ConnOpened(TransportWebhook)
	defer s.obs.ConnClosed(TransportWebhook)
	bo := transport.Backoff{Min: s.cfg.WebhookMinDelay, Max: s.cfg.WebhookMaxDelay}
	req, resp := fasthttp.AcquireRequest(), fasthttp.AcquireResponse()
	defer fasthttp.ReleaseRequest(req)
	defer fasthttp.ReleaseResponse(resp)
	batch := make([][]byte, 0, 1)
	attempts := 0
	for {
		b, mark := h.q.Peek(batch[:0], 1, 0)
		if len(b) == 0 {
			select {
			case <-h.q.Ready():
				continue
			case <-s.draining: // and nothing is left
				return
			case <-s.base.Done():
				return
			}
		}
		status, err := s.postWebhook(h, req, resp, b[0])
		clear(b)
		attempts++
		switch {
		case err == nil && status/100 == 2:
			h.q.Commit(mark, 1)
			bo.Reset()
			attempts = 0
			continue
		case err == nil && status >= 300 && status < 500 && status != fasthttp.StatusRequestTimeout && status != fasthttp.StatusTooManyRequests:
			// The endpoint refuses this event (4xx), or redirects, which is not
			// followed: asking again gets the same.
			s.log.Warn("milky webhook: event refused, dropped", "url", h.label, "status", status)
			h.q.Commit(mark, 1)
			s.obs.EventDropped(TransportWebhook, DropWebhookRejected)
			attempts = 0
			continue
		case s.cfg.WebhookAttempts > 0 && attempts >= s.cfg.WebhookAttempts:
			s.log.Warn("milky webhook: giving up on an event", "url", h.label, "attempts", attempts, "status", status, "err", err)
			h.q.Commit(mark, 1)
			s.obs.EventDropped(TransportWebhook, DropWebhookGaveUp)
			attempts = 0
			continue
		}
		d := bo.Next()
		s.log.Warn("milky webhook: POST failed, will retry", "url", h.label, "status", status, "err", err,
			"attempt", attempts, "retry_in", d.Round(time.Millisecond), "queued", h.q.Len())
		if !transport.Sleep(s.base, d) {
			return
		}
	}
}

func (s *Server) postWebhook(h *webhook, req *fasthttp.Request, resp *fasthttp.Response, payload []byte) (int, error) {
	req.Reset()
	resp.Reset()
	req.SetRequestURI(h.url)
	req.Header.SetMethod(fasthttp.MethodPost)
	req.Header.SetContentType("application/json")
	if s.cfg.Token != "" {
		req.Header.Set(fasthttp.HeaderAuthorization, "Bearer "+s.cfg.Token)
	}
	req.SetBodyRaw(payload)
	// Do never follows redirects: a webhook answering 3xx gets nothing
	// more (and the token never travels to another host).
	if err := s.whClient.DoTimeout(req, resp, s.cfg.WebhookTimeout); err != nil {
		return 0, err
	}
	return resp.StatusCode(), nil
}

// connSet tracks the webhook client's connections so a hard stop can cut
// a POST in flight; fasthttp's client takes no context.
type connSet struct {
	mu     sync.Mutex
	m      map[net.Conn]struct{}
	closed bool
}

func (cs *connSet) dialer(timeout time.Duration) fasthttp.DialFunc {
	return func(addr string) (net.Conn, error) {
		c, err := fasthttp.DialTimeout(addr, timeout)
		if err != nil {
			return nil, err
		}
		cs.mu.Lock()
		defer cs.mu.Unlock()
		if cs.closed {
			_ = c.Close()
			return nil, net.ErrClosed
		}
		tc := &trackedConn{Conn: c, set: cs}
		cs.m[tc] = struct{}{}
		return tc, nil
	}
}

func (cs *connSet) closeAll() {
	cs.mu.Lock()
	cs.closed = true
	conns := make([]net.Conn, 0, len(cs.m))
	for c := range cs.m {
		conns = append(conns, c)
	}
	cs.mu.Unlock()
	for _, c := range conns {
		_ = c.Close()
	}
}

type trackedConn struct {
	net.Conn
	set  *connSet
	once sync.Once
}

func (c *trackedConn) Close() error {
	c.once.Do(func() {
		c.set.mu.Lock()
		delete(c.set.m, c)
		c.set.mu.Unlock()
	})
	return c.Conn.Close()
}
