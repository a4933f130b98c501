package server

import (
	"net"
	"sync"
	"sync/atomic"
	"time"

	"github.com/qqbridge/gateway/internal/conformance"

	"github.com/goccy/go-json"

	"github.com/qqbridge/gateway/milky"
	"github.com/qqbridge/gateway/transport"
)

// Publish encodes ev once and queues it for every /event subscriber and
// webhook. It never blocks: a subscriber that falls behind its queue
// bounds loses its oldest events (counted by the Observer).
func (s *Server) Publish(ev *milky.Event) {
	b, err := json.Marshal(ev)
	if err != nil {
		s.log.Error("milky event not published: encode", "event_type", ev.EventType, "err", err)
		s.obs.EventDropped("", DropEncode)
		return
	}
	s.PublishRaw(b)
}

// PublishRaw queues one already-encoded Event JSON object for every
// subscriber and webhook, for callers that encode on their own (a relay
// forwarding upstream bytes). payload is shared by all queues and must not
// be modified afterwards.
func (s *Server) PublishRaw(payload []byte) {
	if conformance.Enabled() {
		conformance.Log(conformance.Event, "", payload)
	}
	f := s.fanout.Load()
	for _, q := range f.subs {
		q.Push(payload)
	}
	for _, q := range f.hooks {
		q.Push(payload)
	}
}

// PublishFrame is PublishRaw for a pooled frame; f and f.B belong to the
// server from here on. The /event subscribers' writers release it once
// they wrote and committed it, and the last release pools it again. A
// webhook keeps it (its retries may still hold the bytes in a request the
// HTTP client has not let go of), and so does a subscriber queue that
// drops it: such a frame is left to the garbage collector.
func (s *Server) PublishFrame(f *transport.Frame) {
	if conformance.Enabled() {
		conformance.Log(conformance.Event, "", f.B)
	}
	fo := s.fanout.Load()
	f.Hold() // this call's own hold, dropped at the end
	for _, q := range fo.subs {
		// A queue that refuses f (too large) never releases this hold.
		f.Hold()
		q.PushOwned(f.B, f)
	}
	for _, q := range fo.hooks {
		q.Push(f.B)
	}
	if len(fo.hooks) == 0 {
		f.Release()
	}
}

// fanout is what Publish pushes to: the /event subscribers' queues and the
// webhooks' queues.
type fanout struct {
	subs, hooks []*transport.Queue
}

// publishListLocked rebuilds the lock-free list Publish reads; s.mu held
// (or the server not yet shared).
func (s *Server) publishListLocked() {
	f := &fanout{subs: make([]*transport.Queue, 0, len(s.subs)), hooks: make([]*transport.Queue, 0, len(s.hooks))}
	for sub := range s.subs {
		if !sub.dropped {
			f.subs = append(f.subs, sub.q)
		}
	}
	for _, h := range s.hooks {
		f.hooks = append(f.hooks, h.q)
	}
	s.fanout.Store(f)
}

// newQueue builds a queue whose drops reach the observer and, at most once
// a second per queue, the log (a stuck subscriber must not flood it).
func (s *Server) newQueue(transportName, target string, depth bool) *transport.Queue {
	var lastLog atomic.Int64
	cfg := transport.QueueConfig{
		MaxEvents: s.cfg.QueueEvents,
		MaxBytes:  s.cfg.QueueBytes,
		OnDrop: func(r transport.DropReason) {
			s.obs.EventDropped(transportName, string(r))
			now := time.Now().UnixNano()
			if last := lastLog.Load(); now-last >= int64(time.Second) && lastLog.CompareAndSwap(last, now) {
				s.log.Warn("milky event dropped: subscriber too slow (oldest dropped)",
					"transport", transportName, "target", target, "reason", r)
			}
		},
	}
	if depth {
		cfg.OnDepth = func(n int) { s.obs.QueueDepth(transportName, target, n) }
	}
	return transport.NewQueue(cfg)
}

// subscriber is one /event stream. Its writer goroutine owns the
// connection; others only signal it (kick) or close the socket (cut).
type subscriber struct {
	transport, remote string
	q                 *transport.Queue
	kicked            chan struct{}
	kickOnce          sync.Once
	// dropped (guarded by Server.mu): DropStreams let it go; it stays in
	// subs, so a hard stop can still cut it, but gets no more events.
	dropped bool
	started atomic.Bool // the writer (or the orphan timer) owns sub

	connMu sync.Mutex
	conn   net.Conn // set once the connection exists
}

// claim is true exactly once: for the writer starting, or for the timer
// that gives up on a hijack that never ran.
func (sub *subscriber) claim() bool { return sub.started.CompareAndSwap(false, true) }

func (sub *subscriber) kick() { sub.kickOnce.Do(func() { close(sub.kicked) }) }

func (sub *subscriber) cut() {
	sub.kick()
	sub.connMu.Lock()
	c := sub.conn
	sub.connMu.Unlock()
	if c != nil {
		closeConn(c)
	}
}

// closeConn unblocks every reader and writer of c and closes it. The
// deadline matters: fasthttp hands hijack handlers a connection whose
// Close does nothing (fasthttp closes it when the handler returns), so a
// reader goroutine would otherwise wait forever.
func closeConn(c net.Conn) {
	_ = c.SetDeadline(time.Unix(1, 0))
	_ = c.Close()
}

func (sub *subscriber) setConn(c net.Conn) {
	sub.connMu.Lock()
	sub.conn = c
	sub.connMu.Unlock()
}

// subscribe registers a stream before its handshake completes, so every
// event published after the client sees itself connected reaches it. It
// returns nil when the server is shutting down.
func (s *Server) subscribe(transportName, remote string) *subscriber {
	sub := &subscriber{
		transport: transportName, remote: remote,
		q:      s.newQueue(transportName, remote, false),
		kicked: make(chan struct{}),
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.closed {
		return nil
	}
	s.subs[sub] = struct{}{}
	s.publishListLocked()
	s.wg.Add(1)
	return sub
}

// unsubscribe is the writer's last act.
func (s *Server) unsubscribe(sub *subscriber) {
	s.mu.Lock()
	delete(s.subs, sub)
	s.publishListLocked()
	s.mu.Unlock()
	for range sub.q.Discard() {
		s.obs.EventDropped(sub.transport, DropClosed)
	}
	s.wg.Done()
}
