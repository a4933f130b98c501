package ob11test

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"net"
	"strconv"
	"sync"
	"sync/atomic"
	"time"

	"github.com/goccy/go-json"
	"github.com/gorilla/websocket"
)

// Conn is an established OneBot 11 WebSocket seen from the bot's side
// (forward or reverse). Incoming frames are sorted: a frame whose echo
// matches a pending Call answers it; a frame with post_type is an event;
// anything else (replies without echo, unmatched replies, junk) goes to
// Others.
type Conn struct {
	ws         *websocket.Conn
	stringEcho bool
	nextEcho   atomic.Int64

	writeMu sync.Mutex

	mu      sync.Mutex
	pending map[string]chan *Response

	events *pipe[json.RawMessage]
	others *pipe[json.RawMessage]
	done   chan struct{}
	err    error // set before done is closed
}

func newConn(ws *websocket.Conn, stringEcho bool) *Conn {
	c := &Conn{
		ws:         ws,
		stringEcho: stringEcho,
		pending:    map[string]chan *Response{},
		events:     newPipe[json.RawMessage](),
		others:     newPipe[json.RawMessage](),
		done:       make(chan struct{}),
	}
	go c.readLoop()
	return c
}

func (c *Conn) readLoop() {
	var err error
	for {
		var data []byte
		_, data, err = c.ws.ReadMessage()
		if err != nil {
			break
		}
		c.sort(data)
	}
	c.err = err
	close(c.done)
	c.events.close()
	c.others.close()
	_ = c.ws.Close()
}

func (c *Conn) sort(data []byte) {
	var probe struct {
		PostType *string         `json:"post_type"`
		Echo     json.RawMessage `json:"echo"`
	}
	if json.Unmarshal(data, &probe) != nil {
		c.others.put(data)
		return
	}
	if len(probe.Echo) > 0 {
		c.mu.Lock()
		ch := c.pending[string(probe.Echo)]
		delete(c.pending, string(probe.Echo))
		c.mu.Unlock()
		if ch != nil {
			if r, err := decodeResponse(data); err == nil {
				ch <- r
				return
			}
		}
	}
	if probe.PostType != nil {
		c.events.put(data)
		return
	}
	c.others.put(data)
}

// Events delivers event frames (post_type set) in arrival order. It is
// closed after the connection ended and all events were received.
func (c *Conn) Events() <-chan json.RawMessage { return c.events.out }

// Others delivers frames that are neither events nor replies to a pending
// Call: replies without echo, replies whose echo came back altered, junk.
func (c *Conn) Others() <-chan json.RawMessage { return c.others.out }

// NextEvent waits for the next event.
func (c *Conn) NextEvent(ctx context.Context) (json.RawMessage, error) {
	select {
	case ev, ok := <-c.events.out:
		if !ok {
			return nil, fmt.Errorf("connection closed: %w", c.Err())
		}
		return ev, nil
	case <-ctx.Done():
		return nil, ctx.Err()
	}
}

// NextEventWhere waits for the next event for which match is true,
// skipping others (heartbeats, say).
func (c *Conn) NextEventWhere(ctx context.Context, match func(Event) bool) (json.RawMessage, error) {
	for {
		raw, err := c.NextEvent(ctx)
		if err != nil {
			return nil, err
		}
		var ev Event
		if json.Unmarshal(raw, &ev) == nil && match(ev) {
			return raw, nil
		}
	}
}

// NextOther waits for the next frame on Others.
func (c *Conn) NextOther(ctx context.Context) (json.RawMessage, error) {
	select {
	case f, ok := <-c.others.out:
		if !ok {
			return nil, fmt.Errorf("connection closed: %w", c.Err())
		}
		return f, nil
	case <-ctx.Done():
		return nil, ctx.Err()
	}
}

// Call sends {"action","params","echo"} with the next numeric echo (or
// string echo, see WithStringEcho) and waits for the reply carrying the
// identical echo. params may be nil (sent as {}), any JSON-encodable value,
// or json.RawMessage.
func (c *Conn) Call(ctx context.Context, action string, params any) (*Response, error) {
	n := c.nextEcho.Add(1)
	var echo []byte
	if c.stringEcho {
		echo = strconv.AppendQuote(nil, "ob11test-"+strconv.FormatInt(n, 10))
	} else {
		echo = strconv.AppendInt(nil, n, 10)
	}
	return c.CallEcho(ctx, action, params, echo)
}

// CallEcho is Call with a caller-chosen echo, sent exactly as given (any
// JSON value, whitespace included). The reply must carry the same bytes;
// a reply whose echo was altered never matches and shows up on Others.
func (c *Conn) CallEcho(ctx context.Context, action string, params any, echo json.RawMessage) (*Response, error) {
	if len(echo) == 0 {
		return nil, errors.New("CallEcho: empty echo")
	}
	frame, err := buildFrame(action, params, echo)
	if err != nil {
		return nil, err
	}
	ch := make(chan *Response, 1)
	key := string(echo)
	c.mu.Lock()
	if _, busy := c.pending[key]; busy {
		c.mu.Unlock()
		return nil, fmt.Errorf("echo %s already pending", echo)
	}
	c.pending[key] = ch
	c.mu.Unlock()
	forget := func() {
		c.mu.Lock()
		delete(c.pending, key)
		c.mu.Unlock()
	}
	if err := c.Send(frame); err != nil {
		forget()
		return nil, err
	}
	select {
	case r := <-ch:
		if !bytes.Equal(r.Echo, echo) {
			return r, fmt.Errorf("echo changed: sent %s, got %s", echo, r.Echo)
		}
		return r, nil
	case <-ctx.Done():
		forget()
		return nil, fmt.Errorf("%s (echo %s): %w", action, echo, ctx.Err())
	case <-c.done:
		forget()
		return nil, fmt.Errorf("%s: connection closed: %w", action, c.err)
	}
}

func buildFrame(action string, params any, echo json.RawMessage) ([]byte, error) {
	a, err := json.Marshal(action)
	if err != nil {
		return nil, err
	}
	var p []byte
	switch v := params.(type) {
	case nil:
		p = []byte("{}")
	case json.RawMessage:
		p = v
	default:
		if p, err = json.Marshal(v); err != nil {
			return nil, fmt.Errorf("encode params: %w", err)
		}
	}
	var b bytes.Buffer
	b.WriteString(`{"action":`)
	b.Write(a)
	b.WriteString(`,"params":`)
	b.Write(p)
	if len(echo) > 0 {
		b.WriteString(`,"echo":`)
		b.Write(echo)
	}
	b.WriteByte('}')
	return b.Bytes(), nil
}

// Send writes one raw text frame.
func (c *Conn) Send(frame []byte) error {
	c.writeMu.Lock()
	defer c.writeMu.Unlock()
	_ = c.ws.SetWriteDeadline(time.Now().Add(10 * time.Second))
	return c.ws.WriteMessage(websocket.TextMessage, frame)
}

// Done is closed when the connection has ended.
func (c *Conn) Done() <-chan struct{} { return c.done }

// Err is why the connection ended (nil while open). A close frame from the
// gateway is a *websocket.CloseError; see CloseCode.
func (c *Conn) Err() error {
	select {
	case <-c.done:
		return c.err
	default:
		return nil
	}
}

// CloseCode is the close code the gateway sent (1001 on shutdown), 0 while
// open, -1 if the connection ended without a close frame.
func (c *Conn) CloseCode() int {
	err := c.Err()
	if err == nil {
		select {
		case <-c.done:
			return -1
		default:
			return 0
		}
	}
	var ce *websocket.CloseError
	if errors.As(err, &ce) {
		return ce.Code
	}
	return -1
}

// WaitClosed waits until the connection ended and returns its close code.
func (c *Conn) WaitClosed(ctx context.Context) (int, error) {
	select {
	case <-c.done:
		return c.CloseCode(), nil
	case <-ctx.Done():
		return 0, ctx.Err()
	}
}

// Close sends a normal close frame and closes the socket; unread events
// are discarded.
func (c *Conn) Close() error {
	c.writeMu.Lock()
	_ = c.ws.WriteControl(websocket.CloseMessage,
		websocket.FormatCloseMessage(websocket.CloseNormalClosure, ""), time.Now().Add(time.Second))
	c.writeMu.Unlock()
	// Wait briefly for the gateway's close reply, as a polite client does.
	select {
	case <-c.done:
	case <-time.After(time.Second):
	}
	err := c.ws.Close()
	c.discard()
	if errors.Is(err, net.ErrClosed) {
		err = nil
	}
	return err
}

// Kill drops the TCP connection without a close frame, as a crashed bot
// would. Events that arrived before stay readable on Events.
func (c *Conn) Kill() {
	_ = c.ws.Close()
}

// discard stops delivery once the connection is gone, so unread events do
// not keep goroutines alive.
func (c *Conn) discard() {
	go func() {
		<-c.done
		c.events.stop()
		c.others.stop()
	}()
}

// Event is the common header of any event, for filtering.
type Event struct {
	Time          int64           `json:"time"`
	SelfID        int64           `json:"self_id"`
	PostType      string          `json:"post_type"`
	MetaEventType string          `json:"meta_event_type"`
	SubType       string          `json:"sub_type"`
	MessageType   string          `json:"message_type"`
	NoticeType    string          `json:"notice_type"`
	RequestType   string          `json:"request_type"`
	Interval      int64           `json:"interval"`
	Status        json.RawMessage `json:"status"`
}

// IsHeartbeat reports a heartbeat meta event.
func (e Event) IsHeartbeat() bool {
	return e.PostType == "meta_event" && e.MetaEventType == "heartbeat"
}

// ParseEvent decodes the common header of an event frame.
func ParseEvent(raw []byte) (Event, error) {
	var e Event
	err := json.Unmarshal(raw, &e)
	return e, err
}
