package server

import (
	"context"
	"crypto/rand"
	"encoding/binary"
	"errors"
	"net"
	"sync"
	"sync/atomic"
	"time"

	fws "github.com/fasthttp/websocket"
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
	SetPingHandler(func(string) error)
	SetCloseHandler(func(int, string) error)
	NetConn() net.Conn
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
	peekBuf [][]byte // the writer's scratch for events.peekBatch

	// Events go out in batches: the writer frames every event it finds
	// waiting into frames and hands them to the connection with one write
	// (one system call for a burst instead of one per event), bypassing
	// the WebSocket library's writer. raw is the library's connection.
	// wmu orders those writes against the control frames the library
	// writes from the reader goroutine (pong, close reply), which the
	// library's own write lock does not see; it is held only for the
	// write itself. The writer's other frames (replies, heartbeats, pings)
	// still go through the library, from the same goroutine as the
	// batches, so they never interleave with one.
	raw    net.Conn
	masked bool // client side (reverse): frames must be masked
	wmu    sync.Mutex
	// closeSent (under wmu): a close frame went out. The library then
	// refuses further writes; a batch must too, or the events in it would
	// count as delivered although the peer stops reading at our close
	// frame and never sees them (a bot restarting cleanly lost a batch).
	closeSent bool
	frames    []byte
	ends      []int  // end offset in frames of each event's frame
	keys      []byte // masking keys of a client's batch

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

func newWSConn(s *Server, conn socket, transport, remote string, events *outbox, masked bool) *wsConn {
	return &wsConn{
		s:          s,
		conn:       conn,
		raw:        conn.NetConn(),
		masked:     masked,
		transport:  transport,
		remote:     remote,
		events:     events,
		respNotify: make(chan struct{}, 1),
		sem:        make(chan struct{}, wsMaxConcurrency),
		stopping:   make(chan struct{}),
		writerDone: make(chan struct{}),
		peekBuf:    make([][]byte, 0, wsBatchEvents),
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
	// The libraries' default ping and close handlers, but taking wmu: they
	// write from this goroutine while the writer may be sending a batch.
	c.conn.SetPingHandler(func(data string) error {
		c.wmu.Lock()
		err := c.conn.WriteControl(websocket.PongMessage, []byte(data), time.Now().Add(wsWriteTimeout))
		c.wmu.Unlock()
		var ne net.Error
		if err == nil || errors.Is(err, websocket.ErrCloseSent) || errors.Is(err, fws.ErrCloseSent) ||
			(errors.As(err, &ne) && ne.Timeout()) {
			return nil
		}
		return err
	})
	c.conn.SetCloseHandler(func(code int, _ string) error {
		c.wmu.Lock()
		c.closeSent = true
		_ = c.conn.WriteControl(websocket.CloseMessage, websocket.FormatCloseMessage(code, ""), time.Now().Add(wsWriteTimeout))
		c.wmu.Unlock()
		return nil
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
		if errors.Is(err, errCloseSent) {
			// The peer closed and we answered: the reader ends the
			// connection; what is still queued waits for the next one.
			c.stop()
			return
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

var (
	errIdle      = errors.New("idle")
	errCloseSent = errors.New("websocket: close frame already sent")
)

// writeNext writes one pending reply or else the queued events (a batch);
// errIdle when there is nothing to write. Events are committed only once
// their frames were written in full, so a reverse target keeps the rest
// for the next connection.
func (c *wsConn) writeNext() error {
	if b := c.popReply(); b != nil {
		err := c.write(websocket.TextMessage, b)
		c.respPending.Add(-1)
		<-c.sem
		return err
	}
	if c.events != nil {
		if evs := c.events.peekBatch(c.peekBuf[:0], wsBatchEvents, wsBatchBytes); len(evs) > 0 {
			sent, err := c.writeEvents(evs)
			clear(evs) // the writer keeps no event past its commit
			c.events.commitN(sent)
			return err
		}
	}
	return errIdle
}

// Batch bounds: enough to fold a burst into one write, small enough that
// a reply waits little behind it.
const (
	wsBatchEvents = 64
	wsBatchBytes  = 256 << 10
	// wsKeptFrames: a frame buffer grown beyond this is dropped after use.
	wsKeptFrames = 1 << 20
)

// writeEvents sends evs as text frames with one write and reports how
// many frames reached the connection whole.
func (c *wsConn) writeEvents(evs [][]byte) (int, error) {
	b, ends := c.frames[:0], c.ends[:0]
	var keys []byte
	if c.masked {
		// A fresh unpredictable key per frame, as RFC 6455 asks of clients.
		keys = c.keys[:0]
		keys = append(keys, make([]byte, 4*len(evs))...)
		c.keys = keys
		_, _ = rand.Read(keys) // crypto/rand.Read never fails
	}
	for i, ev := range evs {
		var key []byte
		if c.masked {
			key = keys[4*i : 4*i+4]
		}
		b = appendTextFrame(b, ev, key)
		ends = append(ends, len(b))
	}
	c.ends = ends
	if cap(b) <= wsKeptFrames {
		c.frames = b
	} else {
		c.frames = nil
	}
	c.wmu.Lock()
	if c.closeSent {
		c.wmu.Unlock()
		return 0, errCloseSent
	}
	err := c.raw.SetWriteDeadline(time.Now().Add(wsWriteTimeout))
	n := 0
	if err == nil {
		n, err = c.raw.Write(b)
	}
	c.wmu.Unlock()
	sent := 0
	for sent < len(ends) && ends[sent] <= n {
		sent++
	}
	return sent, err
}

// appendTextFrame appends one final text frame carrying payload (RFC 6455
// section 5.2), masked with key when key is not nil (a client's frames).
func appendTextFrame(b, payload, key []byte) []byte {
	const fin, opText, maskBit = 0x80, 0x1, 0x80
	var m byte
	if key != nil {
		m = maskBit
	}
	b = append(b, fin|opText)
	switch n := len(payload); {
	case n <= 125:
		b = append(b, m|byte(n))
	case n <= 0xffff:
		b = append(b, m|126, byte(n>>8), byte(n))
	default:
		b = append(b, m|127)
		b = binary.BigEndian.AppendUint64(b, uint64(n))
	}
	if key == nil {
		return append(b, payload...)
	}
	b = append(b, key...)
	start := len(b)
	b = append(b, payload...)
	p := b[start:]
	k8 := uint64(binary.LittleEndian.Uint32(key)) * 0x100000001 // the key twice
	i := 0
	for ; i+8 <= len(p); i += 8 {
		binary.LittleEndian.PutUint64(p[i:], binary.LittleEndian.Uint64(p[i:])^k8)
	}
	for ; i < len(p); i++ {
		p[i] ^= key[i&3]
	}
	return b
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
		c.wmu.Lock()
		c.closeSent = true
		_ = c.conn.WriteControl(websocket.CloseMessage, msg, time.Now().Add(time.Second))
		c.wmu.Unlock()
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
