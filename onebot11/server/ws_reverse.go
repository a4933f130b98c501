package server

import (
	"context"
	"net/http"
	"strconv"
	"sync"
	"time"

	"github.com/gorilla/websocket"

	"github.com/qqbridge/gateway/transport"
)

// Reverse WebSocket (universal role): we dial each configured URL, send the
// lifecycle frame, then heartbeats and events, and answer API calls arriving
// on the same socket. One goroutine per target owns its socket: the old one
// is fully closed (reader and writer ended) before the next dial, so
// reconnects cannot leak goroutines or double-deliver events. Events are
// queued per target and survive reconnects; an event is removed only after
// it was written.
//
// X-Self-ID: we do not dial while Backend.SelfID() is 0 (still unknown).
// NoneBot would register a bot "0" and Koishi refuses unknown ids, so we
// poll until the id is known; events meanwhile wait in the queue.

type reverseTarget struct {
	s     *Server
	url   string // may carry credentials; never logged
	label string // redacted url for logs and metrics
	queue *outbox

	mu  sync.Mutex
	cur *wsConn
}

func newReverseTarget(s *Server, rawURL string) *reverseTarget {
	label := transport.RedactURL(rawURL)
	return &reverseTarget{
		s:     s,
		url:   rawURL,
		label: label,
		queue: newOutbox(s, TransportWSReverse, label, true, s.openSpool(TransportWSReverse, rawURL, label)),
	}
}

func (t *reverseTarget) current() *wsConn {
	t.mu.Lock()
	defer t.mu.Unlock()
	return t.cur
}

func (t *reverseTarget) connected() bool { return t.current() != nil }

func (t *reverseTarget) setCurrent(c *wsConn) bool {
	if c != nil && t.s.isClosing() {
		return false
	}
	t.mu.Lock()
	t.cur = c
	t.mu.Unlock()
	return true
}

func (t *reverseTarget) loop(ctx context.Context) {
	s := t.s
	dialer := websocket.Dialer{
		Proxy:            http.ProxyFromEnvironment,
		HandshakeTimeout: wsHandshakeTO,
		ReadBufferSize:   4096,
		WriteBufferSize:  4096,
	}
	backoff := transport.Backoff{Min: s.cfg.ReconnectInterval, Max: maxReconnect}
	waitedLogged := false
	for ctx.Err() == nil && !s.isClosing() {
		selfID := s.backend.SelfID()
		if selfID == 0 {
			if !waitedLogged {
				s.log.Info("reverse websocket waits for the bot's self_id", "url", t.label)
				waitedLogged = true
			}
			if !transport.Sleep(ctx, min(s.cfg.ReconnectInterval, 200*time.Millisecond)) {
				return
			}
			continue
		}
		h := http.Header{}
		h.Set("X-Self-ID", strconv.FormatInt(selfID, 10))
		h.Set("X-Client-Role", "Universal")
		h.Set("User-Agent", s.cfg.UserAgent)
		if s.cfg.AccessToken != "" {
			h.Set("Authorization", s.cfg.ReverseAuthScheme+" "+s.cfg.AccessToken)
		}
		conn, resp, err := dialer.DialContext(ctx, t.url, h)
		if err != nil {
			if ctx.Err() != nil {
				return
			}
			delay := backoff.Next()
			attrs := []any{"url", t.label, "err", err, "retry_in", delay}
			if resp != nil {
				attrs = append(attrs, "status", resp.StatusCode)
			}
			s.log.Warn("reverse websocket dial failed", attrs...)
			if !transport.Sleep(ctx, delay) {
				return
			}
			continue
		}
		backoff.Reset()
		t.serve(ctx, conn)
		// A socket that drops at once must not make us redial in a loop;
		// one that lived long redials soon (the jitter spreads the herd).
		if !transport.Sleep(ctx, backoff.Next()) {
			return
		}
	}
}

// serve runs one connection to completion.
func (t *reverseTarget) serve(ctx context.Context, conn *websocket.Conn) {
	s := t.s
	c := newWSConn(s, conn, TransportWSReverse, t.label, t.queue, true)
	s.obs.ConnOpened(TransportWSReverse, t.label)
	s.log.Info("reverse websocket connected", "url", t.label)
	err := c.run(ctx, func() bool { return t.setCurrent(c) })
	t.setCurrent(nil)
	if isNormalClose(err) {
		err = nil
	}
	s.obs.ConnClosed(TransportWSReverse, t.label, err)
	s.log.Info("reverse websocket disconnected", "url", t.label, "err", err, "queued", t.queue.len())
}
