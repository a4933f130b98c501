package client

import (
	"context"
	"errors"
	"fmt"
	"io"
	"strconv"
	"sync"
	"sync/atomic"
	"time"

	"github.com/qqbridge/gateway/onebot11"
)

// socket is what the client needs of a WebSocket connection; both
// gorilla/websocket (forward dialer) and fasthttp/websocket (reverse
// acceptor) connections satisfy it. WriteControl and Close may be called
// concurrently with the rest; writes are serialised by link.wmu.
type socket interface {
	NextReader() (int, io.Reader, error)
	WriteMessage(messageType int, data []byte) error
	WriteControl(messageType int, data []byte, deadline time.Time) error
	SetReadDeadline(t time.Time) error
	SetWriteDeadline(t time.Time) error
	SetPongHandler(h func(string) error)
	Close() error
}

// Message types, identical in both WebSocket packages (RFC 6455 opcodes).
const (
	textMessage   = 1
	binaryMessage = 2
	closeMessage  = 8
	pingMessage   = 9
)

const (
	// idleTimeout: a socket with no frame and no pong for this long is dead
	// (a peer that vanished without FIN); we ping every third of it.
	idleTimeout  = 60 * time.Second
	rearmEvery   = time.Second // see readLoop
	writeTimeout = 10 * time.Second
	// maxKeptBuffer: a read buffer grown past this by one big frame is
	// released rather than kept for the connection's life.
	maxKeptBuffer = 1 << 20
)

// link is one live WebSocket connection to the implementation. Exactly one
// goroutine runs readLoop; calls register a pending reply by echo and write
// their frame under wmu.
type link struct {
	c         *Client
	sock      socket
	transport string
	api       bool // carries calls
	events    bool // carries events

	ctx    context.Context // ends when the link dies
	cancel context.CancelFunc
	done   chan struct{} // closed when readLoop has returned

	wmu sync.Mutex // one writer at a time (the packages forbid concurrent writes)

	// smu guards the socket's lifetime: every use from outside readLoop
	// holds it for reading and checks released. A reverse connection's
	// socket and its write buffer go back to fasthttp's pools when the
	// hijack handler returns, so release (write lock) waits out any write in
	// progress and bars later ones before the handler returns.
	smu      sync.RWMutex
	released bool

	pmu     sync.Mutex
	pending map[uint64]chan reply
	dead    error // set once: pending calls and new registrations fail with it

	buf      []byte       // readLoop's frame buffer, reused
	retireBy atomic.Int64 // unix ns; non-zero once retired: readLoop's last deadline
	// worked counts the frames that show the upstream working on this
	// link: events and call replies, not meta events (an implementation
	// sends its lifecycle frame on every connect, even one it closes at
	// once). readLoop's goroutine only.
	worked int
}

type reply struct {
	data []byte // the envelope's data, copied out of the read buffer
	err  error
}

func newLink(c *Client, sock socket, transport string, api, events bool) *link {
	l := &link{c: c, sock: sock, transport: transport, api: api, events: events,
		pending: make(map[uint64]chan reply), done: make(chan struct{})}
	l.ctx, l.cancel = context.WithCancel(c.base)
	return l
}

var replyPool = sync.Pool{New: func() any { return make(chan reply, 1) }}

// kill fails every pending call with err, refuses new ones and closes the
// socket, which ends readLoop. Safe to call more than once.
func (l *link) kill(err error) {
	l.stop(err)
	l.smu.RLock()
	if !l.released {
		_ = l.sock.Close()
	}
	l.smu.RUnlock()
}

// release bars every later use of the socket; called once readLoop has
// returned and the link was killed.
func (l *link) release() {
	l.smu.Lock()
	l.released = true
	l.smu.Unlock()
}

// control sends a control frame unless the socket was released.
func (l *link) control(mt int, data []byte) {
	l.smu.RLock()
	if !l.released {
		_ = l.sock.WriteControl(mt, data, time.Now().Add(writeTimeout))
	}
	l.smu.RUnlock()
}

// retire ends a link that a new connection replaced, without losing what
// the implementation already sent on it: pending calls fail (their callers
// may retry on the new link), a close frame is sent, and readLoop goes on
// delivering the frames still in flight until the peer answers the close
// (or retireGrace passes), then returns.
func (l *link) retire(err error) {
	l.retireBy.Store(time.Now().Add(retireGrace).UnixNano())
	l.stop(err)
	l.smu.RLock()
	if !l.released {
		_ = l.sock.SetReadDeadline(time.Now().Add(retireGrace))
	}
	l.smu.RUnlock()
}

// retireGrace bounds how long a replaced link drains.
const retireGrace = time.Second

func (l *link) stop(err error) {
	l.pmu.Lock()
	if l.dead != nil {
		l.pmu.Unlock()
		return
	}
	l.dead = err
	pend := l.pending
	l.pending = nil
	l.pmu.Unlock()
	l.cancel()
	for _, ch := range pend {
		ch <- reply{err: err} // buffered 1 and removed from the map: never blocks
	}
	l.control(closeMessage, []byte{0x03, 0xe8}) // 1000 normal closure
}

// call sends one request frame and waits for its reply, until ctx ends or
// the client's Timeout passes (measured from start).
func (l *link) call(ctx context.Context, start time.Time, action string, params []byte, resp any) error {
	id := l.c.nextEcho.Add(1)
	ch := replyPool.Get().(chan reply)
	l.pmu.Lock()
	if l.dead != nil {
		err := l.dead
		l.pmu.Unlock()
		replyPool.Put(ch)
		return &onebot11.UnavailableError{Action: action, Err: err}
	}
	l.pending[id] = ch
	l.pmu.Unlock()

	bp := framePool.Get().(*[]byte)
	b := append((*bp)[:0], `{"action":"`...)
	b = append(b, action...) // validAction: nothing to escape
	b = append(b, `","params":`...)
	b = append(b, params...)
	b = append(b, `,"echo":"`...)
	b = strconv.AppendUint(b, id, 10)
	b = append(b, `"}`...)
	werr := errReleased
	l.smu.RLock()
	if !l.released {
		l.wmu.Lock()
		_ = l.sock.SetWriteDeadline(time.Now().Add(writeTimeout))
		werr = l.sock.WriteMessage(textMessage, b)
		l.wmu.Unlock()
	}
	l.smu.RUnlock()
	*bp = b
	framePool.Put(bp)
	if werr != nil {
		l.kill(fmt.Errorf("write: %w", werr))
		// kill answered our pending entry (or a reply won the race): take it.
		r := <-ch
		replyPool.Put(ch)
		if r.err != nil {
			return &onebot11.UnavailableError{Action: action, Err: r.err}
		}
		return decodeData(action, r.data, resp)
	}

	// A pooled timer bounds the wait rather than a context derived from
	// ctx: that would cost a timer too, plus registering with (and locking)
	// the caller's context on every call.
	t := timerPool.Get().(*time.Timer)
	t.Reset(l.c.cfg.Timeout - time.Since(start))
	defer func() {
		t.Stop() // Go >= 1.23: no stale tick survives Stop
		timerPool.Put(t)
	}()
	select {
	case r := <-ch:
		replyPool.Put(ch)
		if r.err != nil {
			var ae *onebot11.ActionError
			if errors.As(r.err, &ae) {
				ae.Action = action
				return ae
			}
			var ue *onebot11.UnavailableError
			if errors.As(r.err, &ue) {
				ue.Action = action
				return ue
			}
			return &onebot11.UnavailableError{Action: action, Err: r.err}
		}
		return decodeData(action, r.data, resp)
	case <-ctx.Done():
		l.abandon(id, ch)
		return &onebot11.UnavailableError{Action: action, Err: timeoutErr(ctx, l.c.cfg.Timeout)}
	case <-t.C:
		l.abandon(id, ch)
		return &onebot11.UnavailableError{Action: action, Err: fmt.Errorf("no reply within %v: %w", l.c.cfg.Timeout, context.DeadlineExceeded)}
	}
}

// abandon gives up waiting for the reply to call id.
func (l *link) abandon(id uint64, ch chan reply) {
	l.pmu.Lock()
	_, mine := l.pending[id]
	delete(l.pending, id)
	l.pmu.Unlock()
	if !mine {
		<-ch // the reader or kill took it and is sending: drain before reuse
	}
	replyPool.Put(ch)
}

// timerPool holds stopped timers for call's wait.
var timerPool = sync.Pool{New: func() any {
	t := time.NewTimer(time.Hour)
	t.Stop()
	return t
}}

// timeoutErr says why ctx ended: the caller's own deadline/cancel, or the
// client's per-call timeout.
func timeoutErr(ctx context.Context, limit time.Duration) error {
	if cause := context.Cause(ctx); cause != nil && !errors.Is(cause, context.DeadlineExceeded) && !errors.Is(cause, context.Canceled) {
		return cause
	}
	return fmt.Errorf("no reply within %v: %w", limit, ctx.Err())
}

var errReleased = errors.New("connection closed")

var framePool = sync.Pool{New: func() any { b := make([]byte, 0, 512); return &b }}

// readLoop reads frames until the socket fails, routing replies to their
// calls and events to the handler, in order, on this goroutine. It returns
// the read error.
func (l *link) readLoop() error {
	defer close(l.done)
	l.sock.SetPongHandler(func(string) error {
		if l.retireBy.Load() != 0 {
			return nil
		}
		return l.sock.SetReadDeadline(time.Now().Add(idleTimeout))
	})
	go l.pinger()
	var f frame
	max := l.c.cfg.MaxFrameBytes
	// armed is when the idle deadline was last armed (0: not yet, or the
	// retire deadline is armed). Re-arming moves a runtime timer (~2% of the
	// reverse direction's event CPU when done per frame), so under a stream
	// of frames it is re-armed at most every rearmEvery: the socket is then
	// declared dead after idleTimeout minus at most rearmEvery of silence.
	var armed int64
	retireArmed := false
	for {
		// Armed before each wait, not after the handler: time spent
		// handling is not the implementation's silence.
		if by := l.retireBy.Load(); by != 0 {
			if !retireArmed {
				_ = l.sock.SetReadDeadline(time.Unix(0, by))
				retireArmed, armed = true, 0
			}
		} else if now := time.Now(); armed == 0 || now.UnixNano()-armed >= int64(rearmEvery) {
			_ = l.sock.SetReadDeadline(now.Add(idleTimeout))
			armed = now.UnixNano()
		}
		mt, r, err := l.sock.NextReader()
		if err != nil {
			return err
		}
		if mt != textMessage && mt != binaryMessage {
			continue
		}
		var tooLarge bool
		l.buf, tooLarge, err = readBounded(l.buf[:0], r, max)
		if err != nil {
			return err
		}
		if tooLarge {
			l.c.log.Warn("onebot11 frame skipped: too large", "transport", l.transport, "limit", max)
			l.c.dropped(l.transport, DropTooLarge)
			continue
		}
		l.route(&f, l.buf)
		if cap(l.buf) > maxKeptBuffer {
			l.buf = nil
		}
	}
}

// route handles one frame.
func (l *link) route(f *frame, raw []byte) {
	if l.c.tryEvent(l.transport, raw) {
		l.worked++
		return // an event, handled in one pass (see EventTrier)
	}
	kind, err := classify(raw, f)
	if err != nil {
		l.c.log.Warn("onebot11 frame skipped: malformed", "transport", l.transport, "err", err,
			"bytes", len(raw), "head", clip(raw, 200))
		l.c.dropped(l.transport, DropMalformed)
		return
	}
	if kind != kindMeta {
		l.worked++
	}
	switch kind {
	case kindResponse:
		l.resolve(f)
	case kindMeta:
		if l.c.onMeta(f) && l.api && l.c.infoReady.Load() {
			// The implementation (re)started its session: the account may
			// differ. Refetch without blocking this reader.
			l.c.infoReady.Store(false)
			l.c.goInfo(l)
		}
		l.c.deliver(l.transport, kind, raw)
	case kindEvent:
		l.c.deliver(l.transport, kind, raw)
	}
}

// resolve hands a reply to the call waiting for its echo.
func (l *link) resolve(f *frame) {
	id, ok := parseEcho(f.Echo)
	var ch chan reply
	if ok {
		l.pmu.Lock()
		ch = l.pending[id]
		delete(l.pending, id)
		l.pmu.Unlock()
	}
	if ch == nil {
		// A late reply to a call that timed out, or an echo we never sent.
		// Not an event, so not an event drop (that would fire the
		// events-dropped alert): the call it answered is already counted
		// as a timeout in the upstream call metrics.
		l.c.log.Debug("onebot11 reply matches no pending call", "transport", l.transport, "echo", clip(f.Echo, 64))
		return
	}
	data, err := f.outcome("")
	var r reply
	if err != nil {
		r.err = err
	} else if present(data) {
		r.data = append([]byte(nil), data...)
	}
	ch <- r
}

func (l *link) pinger() {
	t := time.NewTicker(idleTimeout / 3)
	defer t.Stop()
	for {
		select {
		case <-l.ctx.Done():
			return
		case <-t.C:
			// A failed ping shows up as a read error.
			l.control(pingMessage, nil)
		}
	}
}

// readBounded appends r to buf up to max bytes; past that it discards the
// rest of the message and reports tooLarge (the frame is skipped, the
// connection lives on).
func readBounded(buf []byte, r io.Reader, max int) ([]byte, bool, error) {
	for {
		if len(buf) == cap(buf) {
			if len(buf) > max {
				_, err := io.Copy(io.Discard, r)
				return buf[:0], true, err
			}
			buf = append(buf, 0)[:len(buf)]
		}
		n, err := r.Read(buf[len(buf):cap(buf)])
		buf = buf[:len(buf)+n]
		if err == io.EOF {
			if len(buf) > max {
				return buf[:0], true, nil
			}
			return buf, false, nil
		}
		if err != nil {
			return buf, false, err
		}
	}
}

// goInfo fetches the account info over l in the background, for as long
// as l lives.
func (c *Client) goInfo(l *link) {
	c.wg.Add(1)
	go func() {
		defer c.wg.Done()
		c.infoLoop(l.ctx)
	}()
}

// callWS runs a call over the live API link. With no link, forward mode
// fails at once with the last dial's error if that is younger than
// MinBackoff; otherwise it waits for the outcome of the dial in progress,
// or asks the dial loop for an immediate attempt and waits for that (so a
// call brings at most one dial per MinBackoff, and none that no call waits
// for). Reverse mode fails at once.
func (c *Client) callWS(ctx context.Context, action string, params any, resp any) error {
	p, err := marshalParams(action, params)
	if err != nil {
		return err
	}
	if err := ctx.Err(); err != nil {
		return &onebot11.UnavailableError{Action: action, Err: err}
	}
	start := time.Now()
	l := c.liveAPILink()
	if l == nil {
		// No link: wait for one within the call's Timeout.
		wctx, cancel := context.WithTimeout(ctx, c.cfg.Timeout)
		defer cancel()
		if l, err = c.apiLinkFor(wctx); err != nil {
			return &onebot11.UnavailableError{Action: action, Err: err}
		}
	}
	return l.call(ctx, start, action, p, resp)
}

// liveAPILink is the API link when one is up (nil: see apiLinkFor).
func (c *Client) liveAPILink() *link {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.closed {
		return nil
	}
	return c.apiLink
}

func (c *Client) apiLinkFor(ctx context.Context) (*link, error) {
	c.mu.Lock()
	if c.closed {
		c.mu.Unlock()
		return nil, errClosed
	}
	if l := c.apiLink; l != nil {
		c.mu.Unlock()
		return l, nil
	}
	if c.mode == modeReverse {
		c.mu.Unlock()
		return nil, fmt.Errorf("no implementation is connected to the reverse WebSocket on %s", c.cfg.Listen)
	}
	if !c.started {
		c.mu.Unlock()
		return nil, errors.New("client not started")
	}
	if c.lastDialErr != nil && time.Since(c.lastDialAt) < c.cfg.MinBackoff {
		err := c.lastDialErr
		c.mu.Unlock()
		return nil, err
	}
	// Wait for the next dial's outcome. A dial in progress gives it; asking
	// for another as well would leave a request that no call waits for,
	// which the loop would find on its next wait and redial at once.
	note := c.dialNote
	if !c.dialing {
		select {
		case c.kick <- struct{}{}:
		default: // asked already
		}
	}
	c.mu.Unlock()
	select {
	case <-note:
	case <-c.base.Done():
		// Shutdown: the loop may have taken it instead of the request and
		// will dial no more, so no outcome is coming.
		return nil, errClosed
	case <-ctx.Done():
		return nil, fmt.Errorf("not connected: %w", ctx.Err())
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.apiLink != nil {
		return c.apiLink, nil
	}
	if c.lastDialErr != nil {
		return nil, c.lastDialErr
	}
	return nil, errors.New("not connected")
}
