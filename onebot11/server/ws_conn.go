package server

import (
	"context"
	"errors"
	"sync"
	"sync/atomic"
	"time"

	"github.com/goccy/go-json"
	"github.com/gorilla/websocket"

	"github.com/qqbridge/gateway/onebot11"
	"github.com/qqbridge/gateway/transport"
)

// socket is what wsConn uses of a WebSocket: forward sockets are
// fasthttp/websocket's (served on the fasthttp port), reverse ones
// gorilla/websocket's (we dial); the two share this API and the frame type
// and close code values.
type socket interface {
	SetReadLimit(int64)
	SetReadDeadline(time.Time) error
	SetWriteDeadline(time.Time) error
	SetPongHandler(func(string) error)
	ReadMessage() (int, []byte, error)
	WriteMessage(int, []byte) error
	WriteControl(int, []byte, time.Time) error
	Close() error
}

// wsConn is one OneBot WebSocket, forward or reverse, once established: it
// sends the lifecycle frame, reads requests (handled concurrently), and has
// exactly one writer goroutine that sends replies first, then queued events,
// heartbeats and pings. A request holds one of wsMaxConcurrency slots from
// the moment it is read until its reply was written, so a client that sends
// without reading stalls its own reader instead of growing our memory.
type wsConn struct {
	s         *Server
	conn      socket
	transport string
	remote    string
	// events is the queue this socket drains: its own for a forward
	// connection, the target's (surviving reconnects) for a reverse one,
	// nil for /api. A socket with events also gets lifecycle and heartbeats.
	events  *outbox
	peekBuf [][]byte // the writer's scratch for events.peek

	respMu      sync.Mutex
	resp        [][]byte
	respNotify  chan struct{}
	respPending atomic.Int64 // queued or being written

	sem        chan struct{} // request slots: taken by the reader, freed once the reply is written or dropped
	stopOnce   sync.Once
	stopping   chan struct{} // closed: writer must return
	writerDone chan struct{}
	writeErr   error // set by the writer before writerDone closes
	closeOnce  sync.Once
}

func newWSConn(s *Server, conn socket, transport, remote string, events *outbox) *wsConn {
	return &wsConn{
		s:          s,
		conn:       conn,
		transport:  transport,
		remote:     remote,
		events:     events,
		respNotify: make(chan struct{}, 1),
		sem:        make(chan struct{}, wsMaxConcurrency),
		stopping:   make(chan struct{}),
		writerDone: make(chan struct{}),
		peekBuf:    make([][]byte, 0, 1),
	}
}

// run serves the connection until it ends; when it returns the socket is
// closed and the writer has exited. ready is called first (a forward
// connection joins the event fan-out there); if it returns false the
// connection is closed with 1001 at once.
func (c *wsConn) run(ctx context.Context, ready func() bool) error {
	c.conn.SetReadLimit(c.s.cfg.MaxBodyBytes)
	// Join the fan-out before the lifecycle frame: a client that saw the
	// frame must not miss an event published right after it. Events queued
	// meanwhile go out after the frame, since the writer starts after it.
	if ready != nil && !ready() {
		close(c.writerDone)
		c.closeGoingAway()
		return errShuttingDown
	}
	if c.events != nil {
		if err := c.write(websocket.TextMessage, c.s.metaEvent("lifecycle", "connect")); err != nil {
			close(c.writerDone)
			c.closeNow()
			return err
		}
	}
	go c.writeLoop()
	stopWatch := context.AfterFunc(ctx, c.closeGoingAway)
	defer stopWatch()

	err := c.readLoop()
	select {
	case <-c.stopping:
		err = errShuttingDown // we closed it (Shutdown or ctx)
	default:
	}
	c.stop()
	<-c.writerDone
	c.closeNow()
	if c.writeErr != nil {
		err = c.writeErr // the reader only saw the socket we closed
	}
	return err
}

func (c *wsConn) readLoop() error {
	c.conn.SetPongHandler(func(string) error {
		return c.conn.SetReadDeadline(time.Now().Add(wsReadTimeout))
	})
	for {
		if err := c.conn.SetReadDeadline(time.Now().Add(wsReadTimeout)); err != nil {
			return err
		}
		_, data, err := c.conn.ReadMessage()
		if err != nil {
			return err
		}
		select {
		case c.sem <- struct{}{}:
		case <-c.stopping:
			return errShuttingDown
		}
		c.s.workers.spawn(func() { c.handle(data) })
	}
}

// handle answers one request frame; its slot in sem passes to the reply.
func (c *wsConn) handle(data []byte) {
	req, fail := parseFrame(data)
	if fail != nil {
		c.reply(encodeResponse(fail, req.Echo))
		return
	}
	if !c.s.beginAction() {
		c.reply(encodeResponse(shuttingDownResponse(), req.Echo))
		return
	}
	defer c.s.endAction()
	resp := c.s.dispatch(context.Background(), c.transport, req.Action, req.Params)
	c.reply(encodeResponse(resp, req.Echo))
}

// reply queues a response frame for the writer, which frees the request's
// slot once it is written. Replies are not bounded by QueueSize: their
// number is bounded by wsMaxConcurrency and they are never dropped while
// the socket lives.
func (c *wsConn) reply(b []byte) {
	select {
	case <-c.stopping:
		<-c.sem
		return
	default:
	}
	c.respPending.Add(1)
	c.respMu.Lock()
	c.resp = append(c.resp, b)
	c.respMu.Unlock()
	select {
	case c.respNotify <- struct{}{}:
	default:
	}
}

func (c *wsConn) popReply() []byte {
	c.respMu.Lock()
	defer c.respMu.Unlock()
	if len(c.resp) == 0 {
		return nil
	}
	b := c.resp[0]
	c.resp[0] = nil
	c.resp = c.resp[1:]
	if len(c.resp) == 0 {
		c.resp = nil
	}
	return b
}

func (c *wsConn) writeLoop() {
	defer close(c.writerDone)
	var heartbeat <-chan time.Time
	if c.events != nil && c.s.cfg.Heartbeat > 0 {
		t := time.NewTicker(c.s.cfg.Heartbeat)
		defer t.Stop()
		heartbeat = t.C
	}
	ping := time.NewTicker(wsPingInterval)
	defer ping.Stop()
	var eventsReady <-chan struct{}
	if c.events != nil {
		eventsReady = c.events.notify
	}

	beat := func() error { return c.write(websocket.TextMessage, c.s.heartbeatEvent()) }
	pingNow := func() error {
		return c.conn.WriteControl(websocket.PingMessage, nil, time.Now().Add(wsWriteTimeout))
	}
	for {
		var err error
		// Timers first, so heartbeats are not starved by a busy event stream.
		select {
		case <-c.stopping:
			return
		case <-heartbeat:
			err = beat()
		case <-ping.C:
			err = pingNow()
		default:
			err = c.writeNext()
			if errors.Is(err, errIdle) {
				err = nil
				select {
				case <-c.stopping:
					return
				case <-c.respNotify:
				case <-eventsReady:
				case <-heartbeat:
					err = beat()
				case <-ping.C:
					err = pingNow()
				}
			}
		}
		if err != nil {
			c.s.log.Debug("websocket write failed", "transport", c.transport, "remote", c.remote, "err", err)
			c.writeErr = err
			c.stop()     // unblocks a reader waiting for a request slot
			c.closeNow() // unblocks a reader in ReadMessage; either ends run
			return
		}
	}
}

var errIdle = errors.New("idle")

// writeNext writes one pending reply or else one queued event; errIdle when
// there is nothing to write. An event is committed only after its write
// succeeded, so a reverse target keeps it for the next connection.
func (c *wsConn) writeNext() error {
	if b := c.popReply(); b != nil {
		err := c.write(websocket.TextMessage, b)
		c.respPending.Add(-1)
		<-c.sem
		return err
	}
	if c.events != nil {
		if ev := c.events.peek(c.peekBuf); ev != nil {
			if err := c.write(websocket.TextMessage, ev); err != nil {
				return err
			}
			c.events.commit()
			return nil
		}
	}
	return errIdle
}

func (c *wsConn) write(kind int, b []byte) error {
	if err := c.conn.SetWriteDeadline(time.Now().Add(wsWriteTimeout)); err != nil {
		return err
	}
	return c.conn.WriteMessage(kind, b)
}

// stop tells the writer to return.
func (c *wsConn) stop() {
	c.stopOnce.Do(func() { close(c.stopping) })
}

// idle reports whether nothing is waiting to be written.
func (c *wsConn) idle() bool {
	return c.respPending.Load() == 0 && (c.events == nil || c.events.len() == 0)
}

// drain waits until everything queued was written, the writer died, or ctx
// ends.
func (c *wsConn) drain(ctx context.Context) {
	transport.PollUntil(ctx, c.writerDone, drainPoll, c.idle)
}

// drainPoll is how often a drain at shutdown looks at its queue.
const drainPoll = 5 * time.Millisecond

// closeGoingAway stops the writer and closes the socket with 1001.
func (c *wsConn) closeGoingAway() {
	c.stop()
	select {
	case <-c.writerDone:
	case <-time.After(time.Second):
		// The writer is stuck on a peer that does not read: cut it off.
		c.closeNow()
		<-c.writerDone
	}
	c.closeOnce.Do(func() {
		msg := websocket.FormatCloseMessage(websocket.CloseGoingAway, "server shutting down")
		_ = c.conn.WriteControl(websocket.CloseMessage, msg, time.Now().Add(time.Second))
		_ = c.conn.Close()
	})
}

// closeNow closes the socket without a close frame (the peer is gone or
// broken).
func (c *wsConn) closeNow() {
	c.closeOnce.Do(func() { _ = c.conn.Close() })
}

// metaEvent encodes a lifecycle meta event.
func (s *Server) metaEvent(kind, subType string) []byte {
	b, _ := json.Marshal(&onebot11.MetaEvent{
		Header:        onebot11.Header{Time: time.Now().Unix(), SelfID: s.backend.SelfID(), PostType: onebot11.PostMetaEvent},
		MetaEventType: kind,
		SubType:       subType,
	})
	return b
}

// heartbeatEvent encodes a heartbeat with the backend's status and the
// configured interval in milliseconds.
func (s *Server) heartbeatEvent() []byte {
	b, _ := json.Marshal(&onebot11.MetaEvent{
		Header:        onebot11.Header{Time: time.Now().Unix(), SelfID: s.backend.SelfID(), PostType: onebot11.PostMetaEvent},
		MetaEventType: "heartbeat",
		Status:        s.backend.Status(),
		Interval:      s.cfg.Heartbeat.Milliseconds(),
	})
	return b
}
