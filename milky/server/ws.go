package server

import (
	"encoding/binary"
	"io"
	"net"
	"sync/atomic"
	"time"

	"github.com/fasthttp/websocket"
	"github.com/valyala/fasthttp"

	"github.com/qqbridge/gateway/transport"
)

// serveEvent answers GET /event: WebSocket when the client asks to
// upgrade, SSE otherwise (the spec's rule). The token may come as the
// Authorization header or ?access_token=.
func (s *Server) serveEvent(ctx *fasthttp.RequestCtx) {
	if !ctx.IsGet() {
		ctx.Response.Header.Set(fasthttp.HeaderAllow, fasthttp.MethodGet)
		ctx.Error("method not allowed: use GET", fasthttp.StatusMethodNotAllowed)
		return
	}
	if s.token.CheckRequest(ctx, true) != transport.AuthOK {
		ctx.Error("unauthorized", fasthttp.StatusUnauthorized)
		return
	}
	isWS := websocket.FastHTTPIsWebSocketUpgrade(ctx)
	name := TransportSSE
	if isWS {
		name = TransportWS
	}
	sub := s.subscribe(name, ctx.RemoteAddr().String())
	if sub == nil {
		ctx.Error("server shutting down", fasthttp.StatusServiceUnavailable)
		return
	}
	// fasthttp runs a hijack handler only once the response is written; if
	// that fails it never runs, so a timer gives the subscription back.
	orphan := time.AfterFunc(handshakeTimeout, func() {
		if sub.claim() {
			s.unsubscribe(sub)
		}
	})
	if !isWS {
		ctx.HijackSetNoResponse(true)
		ctx.Hijack(func(c net.Conn) {
			if !sub.claim() {
				return
			}
			orphan.Stop()
			defer s.unsubscribe(sub)
			sub.setConn(c)
			s.obs.ConnOpened(TransportSSE)
			defer s.obs.ConnClosed(TransportSSE)
			s.runSSE(c, sub)
		})
		return
	}
	err := s.upgrader.Upgrade(ctx, func(conn *websocket.Conn) {
		if !sub.claim() {
			return
		}
		orphan.Stop()
		defer s.unsubscribe(sub)
		sub.setConn(conn.NetConn())
		s.obs.ConnOpened(TransportWS)
		defer s.obs.ConnClosed(TransportWS)
		s.runWS(conn, sub)
	})
	if err != nil { // the upgrader already answered 4xx
		s.log.Debug("milky /event upgrade failed", "remote", sub.remote, "err", err)
		if orphan.Stop() && sub.claim() {
			s.unsubscribe(sub)
		}
	}
}

// runWS is the subscriber's writer: queued events, pings and the close
// frame all go out from this one goroutine, with no lock held.
func (s *Server) runWS(conn *websocket.Conn, sub *subscriber) {
	defer conn.Close()
	readerDone := make(chan struct{})
	var peerClose atomic.Int32 // the close code the peer sent; 0: none
	go s.readWS(conn, readerDone, &peerClose)
	defer func() { closeConn(conn.NetConn()); <-readerDone }()

	ping := time.NewTicker(s.cfg.PingInterval)
	defer ping.Stop()
	batch := make([][]byte, 0, batchEvents)
	var frames []byte // reused frame buffer of writeWSBatch
	draining := s.draining
	for {
		select {
		case <-sub.q.Ready():
			// One token may stand for more than a batch: write until empty.
			for sub.q.Len() > 0 {
				if !s.writeWSBatch(conn, sub, &batch, &frames) {
					return
				}
			}
		case <-ping.C:
			if err := conn.WriteControl(websocket.PingMessage, nil, time.Now().Add(s.cfg.WriteTimeout)); err != nil {
				return
			}
		case <-readerDone:
			if code := peerClose.Load(); code != 0 {
				// The close answer goes out from here, after the last batch:
				// RFC 6455 allows no data frame after a close frame, and
				// answering from the reader raced with a batch in flight.
				_ = conn.WriteControl(websocket.CloseMessage, websocket.FormatCloseMessage(int(code), ""), time.Now().Add(time.Second))
			}
			return
		case <-sub.kicked:
			s.closeWS(conn, "stream dropped")
			return
		case <-draining:
			// Shutdown: flush what is queued, then say goodbye.
			for sub.q.Len() > 0 {
				if !s.writeWSBatch(conn, sub, &batch, &frames) {
					return
				}
			}
			s.closeWS(conn, "server shutting down")
			return
		}
	}
}

func (s *Server) closeWS(conn *websocket.Conn, reason string) {
	_ = conn.WriteControl(websocket.CloseMessage,
		websocket.FormatCloseMessage(websocket.CloseGoingAway, reason), time.Now().Add(time.Second))
}

// writeWSBatch writes one peeked batch, committing exactly what was
// written. false: the connection failed.
//
// The batch goes out as one write of ready-made frames (server frames are
// unmasked and, with no compression negotiated, just a header before the
// payload): one syscall for a whole backlog instead of one per event.
// Frames cannot interleave with the library's own writes: those come from
// this goroutine (pings, close) or, for the reader's pongs, as one
// net.Conn Write each, and a net.Conn serialises whole Write calls.
func (s *Server) writeWSBatch(conn *websocket.Conn, sub *subscriber, batch *[][]byte, out *[]byte) bool {
	// Bounded in bytes too: the write deadline covers one write, and a
	// slow reader that keeps taking data must not time out a long one
	// (each event had its own deadline before batching).
	b, mark := sub.q.Peek((*batch)[:0], batchEvents, maxBatchBytes)
	*batch = b
	buf := (*out)[:0]
	for _, payload := range b {
		buf = appendTextFrame(buf, payload)
	}
	nc := conn.NetConn()
	_ = nc.SetWriteDeadline(time.Now().Add(s.cfg.WriteTimeout))
	n, err := nc.Write(buf)
	written := len(b)
	if err != nil {
		// Count the frames that went out whole; the connection is done.
		written = 0
		for _, payload := range b {
			size := frameHeaderLen(len(payload)) + len(payload)
			if n < size {
				break
			}
			n -= size
			written++
		}
		s.log.Debug("milky /event write failed", "remote", sub.remote, "err", err)
	}
	sub.q.Commit(mark, written)
	clear(b) // do not pin payloads until the next batch
	if cap(buf) > maxKeptFrameBuf {
		buf = nil // one burst of big events must not stay pinned
	}
	*out = buf
	return err == nil
}

const (
	// maxBatchBytes bounds one batch write (a larger event goes alone).
	maxBatchBytes = 64 << 10
	// maxKeptFrameBuf bounds the frame buffer a subscriber keeps between
	// batches.
	maxKeptFrameBuf = 1 << 20
)

// appendTextFrame appends one unmasked, final text frame (RFC 6455 5.2).
func appendTextFrame(dst, payload []byte) []byte {
	const finText = 0x80 | websocket.TextMessage
	switch n := len(payload); {
	case n < 126:
		dst = append(dst, finText, byte(n))
	case n <= 0xffff:
		dst = append(dst, finText, 126, byte(n>>8), byte(n))
	default:
		dst = append(dst, finText, 127)
		dst = binary.BigEndian.AppendUint64(dst, uint64(n))
	}
	return append(dst, payload...)
}

func frameHeaderLen(n int) int {
	switch {
	case n < 126:
		return 2
	case n <= 0xffff:
		return 4
	}
	return 10
}

// readWS reads and ignores whatever the client sends (the event channel is
// push-only, but a client frame is no reason to hang up) and notices the
// peer leaving or going silent for 3 ping intervals.
func (s *Server) readWS(conn *websocket.Conn, done chan<- struct{}, peerClose *atomic.Int32) {
	defer close(done)
	// The writer answers a close frame (runWS); the library's default
	// handler would answer from here, while a batch may be going out.
	conn.SetCloseHandler(func(code int, _ string) error {
		peerClose.Store(int32(code))
		return nil
	})
	idle := 3 * s.cfg.PingInterval
	extend := func() error { return conn.SetReadDeadline(time.Now().Add(idle)) }
	_ = extend()
	conn.SetPongHandler(func(string) error { return extend() })
	for {
		_, r, err := conn.NextReader()
		if err != nil {
			return
		}
		if _, err := io.Copy(io.Discard, r); err != nil {
			return
		}
		_ = extend()
	}
}
