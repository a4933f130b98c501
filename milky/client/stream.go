package client

import (
	"context"
	"errors"
	"fmt"
	"io"
	"mime"
	"net"
	"net/http"
	"net/url"
	"runtime/debug"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/goccy/go-json"
	"github.com/gorilla/websocket"
	"github.com/qqbridge/gateway/milky"
	"github.com/qqbridge/gateway/transport"
)

// StreamConfig configures RunEvents.
type StreamConfig struct {
	// Transport is "ws" (default) or "sse".
	Transport string
	// MinBackoff and MaxBackoff bound the reconnect delay (defaults 250ms
	// and 5s): its ceiling doubles per failed attempt up to MaxBackoff, the
	// delay is uniform below it (full jitter, transport.Backoff), and it
	// starts over after a connection that lived over 10s or delivered an
	// event. Keep MaxBackoff short: Milky has no replay, so the events an
	// upstream emits between coming back and the reconnect are lost. An
	// API call answered while the stream waits cuts the wait short.
	MinBackoff, MaxBackoff time.Duration
	// IdleTimeout: a connection that shows no sign of life for this long is
	// dropped and redialled (SSE: no bytes at all, comments included; WS: no
	// message or pong while we ping every third of it). Default 60s.
	IdleTimeout time.Duration
	// MaxEventBytes bounds one event; default 16 MiB.
	MaxEventBytes int64
	// ReuseEvent decodes every event into one *milky.Event whose Data is
	// one reused buffer, so handle must keep neither the pointer nor Data
	// (nor strings decoded from Data without a copy) past its return. The
	// event hot path sets it; it saves two allocations per event, one of
	// them the size of the event.
	ReuseEvent bool
	// TryEvent, if set, is offered each event's payload before the client
	// decodes it, and handles it (as handle would, decoding it itself)
	// only when it can tell in its own one pass that the payload is an
	// event it takes whole; the client then does not decode the payload a
	// second time. For anything else it returns false having done
	// nothing, and the payload goes the usual way: decoded, logged and
	// skipped when malformed, else handle. The payload is valid only
	// during the call. Same order and panic rules as handle.
	TryEvent func(payload []byte) bool
}

const (
	defaultMinBackoff    = 250 * time.Millisecond
	defaultMaxBackoff    = 5 * time.Second
	defaultIdleTimeout   = 60 * time.Second
	defaultMaxEventBytes = 16 << 20
	// handshakeTimeout bounds the WS handshake / the wait for SSE headers.
	handshakeTimeout = 10 * time.Second
	controlWriteWait = 5 * time.Second
)

func (sc StreamConfig) withDefaults() (StreamConfig, error) {
	switch sc.Transport {
	case "":
		sc.Transport = milky.TransportWS
	case milky.TransportWS, milky.TransportSSE:
	default:
		return sc, fmt.Errorf("milky stream: Transport %q: must be %q or %q", sc.Transport, milky.TransportWS, milky.TransportSSE)
	}
	if sc.MinBackoff < 0 || sc.MaxBackoff < 0 || sc.IdleTimeout < 0 || sc.MaxEventBytes < 0 {
		return sc, errors.New("milky stream: MinBackoff, MaxBackoff, IdleTimeout and MaxEventBytes must not be negative")
	}
	if sc.MinBackoff == 0 {
		sc.MinBackoff = defaultMinBackoff
	}
	if sc.MaxBackoff == 0 {
		sc.MaxBackoff = defaultMaxBackoff
	}
	if sc.MaxBackoff < sc.MinBackoff {
		return sc, fmt.Errorf("milky stream: MaxBackoff (%v) is below MinBackoff (%v)", sc.MaxBackoff, sc.MinBackoff)
	}
	if sc.IdleTimeout == 0 {
		sc.IdleTimeout = defaultIdleTimeout
	}
	if sc.MaxEventBytes == 0 {
		sc.MaxEventBytes = defaultMaxEventBytes
	}
	if sc.MaxEventBytes > 1<<30 {
		return sc, errors.New("milky stream: MaxEventBytes must be at most 1 GiB")
	}
	return sc, nil
}

// StreamConnected reports whether the event stream is connected right now.
func (c *Client) StreamConnected() bool { return c.connected.Load() }

// eventStream is one live /event connection.
type eventStream interface {
	// next returns the next event payload, valid until the next call (the
	// WebSocket stream reads every frame into one buffer). ErrSSETooLarge
	// is not fatal.
	next() ([]byte, error)
	close()
}

// RunEvents follows /event until ctx is done, reconnecting forever with
// back-off, and calls handle for every event, sequentially and in arrival
// order. A malformed event is logged and skipped. It returns nil once ctx
// is done, or at once an error naming the field if sc is invalid.
func (c *Client) RunEvents(ctx context.Context, sc StreamConfig, handle func(ev *milky.Event)) error {
	sc, err := sc.withDefaults()
	if err != nil {
		return err
	}
	if handle == nil {
		return errors.New("milky stream: handle must not be nil")
	}
	log := c.log.With("transport", sc.Transport, "url", c.eventURL)
	bo := transport.Backoff{Min: sc.MinBackoff, Max: sc.MaxBackoff, Rand: c.rand}
	woken := false
	for ctx.Err() == nil {
		connectedFor, delivered, err := c.streamOnce(ctx, sc, handle)
		if ctx.Err() != nil {
			return nil
		}
		healthy := connectedFor > transport.HealthyConnection || delivered > 0
		if healthy {
			bo.Reset()
		}
		delay := bo.Next()
		attempt := bo.Attempt()
		if connectedFor > 0 {
			log.Warn("milky event stream lost", "err", err, "connected_for", connectedFor.Round(time.Millisecond),
				"events", delivered, "retry_in", delay.Round(time.Millisecond))
		} else {
			log.Warn("milky event stream connect failed", "err", err, "attempt", attempt,
				"retry_in", delay.Round(time.Millisecond))
		}
		if o := c.cfg.Observer; o != nil {
			o.StreamReconnect(sc.Transport, attempt, delay.Seconds())
		}
		// A woken attempt that failed again sits out this delay in full:
		// while /api works and /event does not, every call must not become
		// a dial.
		woken = c.waitReconnect(ctx, delay, healthy || !woken)
		if woken {
			log.Info("milky event stream: reconnecting at once, an API call reached the upstream")
		}
	}
	return nil
}

// waitReconnect waits d or until ctx ends. If wakeable, an API call that
// is sent after the wait began and answered by the upstream ends the wait
// early (see Call): the upstream is back, and each second spent waiting
// loses its events. It reports whether that happened.
func (c *Client) waitReconnect(ctx context.Context, d time.Duration, wakeable bool) (woken bool) {
	t := time.NewTimer(d)
	defer t.Stop()
	var wake <-chan struct{}
	if wakeable {
		select {
		case <-c.wake: // left by a call that came too late to cut the previous wait
		default:
		}
		c.waitingSince.Store(c.sinceEpoch())
		defer c.waitingSince.Store(0)
		wake = c.wake
	}
	select {
	case <-ctx.Done():
		return false
	case <-t.C:
		return false
	case <-wake:
		return true
	}
}

// wakeStream ends the stream's reconnect wait if it began before this
// call started at started (so the answer proves the upstream is up now).
func (c *Client) wakeStream(started int64) {
	if since := c.waitingSince.Load(); since != 0 && started > since {
		select {
		case c.wake <- struct{}{}:
		default:
		}
	}
}

// streamOnce runs one connection: dial, deliver until it breaks. It returns
// how long it was connected (0 if the dial failed) and how many events it
// delivered.
func (c *Client) streamOnce(ctx context.Context, sc StreamConfig, handle func(ev *milky.Event)) (time.Duration, int, error) {
	var (
		s   eventStream
		err error
	)
	if sc.Transport == milky.TransportSSE {
		s, err = c.dialSSE(ctx, sc)
	} else {
		s, err = c.dialWS(ctx, sc)
	}
	if err != nil {
		return 0, 0, err
	}
	start := time.Now()
	c.connected.Store(true)
	if o := c.cfg.Observer; o != nil {
		o.StreamConnected(sc.Transport)
	}
	c.log.Info("milky event stream connected", "transport", sc.Transport, "url", c.eventURL)

	delivered := 0
	var reused milky.Event
	names := make(map[string]string) // interned event_type values
	for {
		var payload []byte
		payload, err = s.next()
		if err != nil {
			if errors.Is(err, milky.ErrSSETooLarge) {
				c.log.Warn("milky event skipped: too large", "err", err)
				continue
			}
			break
		}
		if sc.TryEvent != nil {
			if ctx.Err() != nil {
				break
			}
			if c.tryDeliver(sc.TryEvent, payload) {
				delivered++
				continue
			}
		}
		ev := &reused
		if sc.ReuseEvent {
			// json.RawMessage decodes by appending to Data[:0]: the buffer
			// of the previous event serves again (handle is done with it).
			data := ev.Data[:0]
			if cap(data) > maxKeptFrameBuffer {
				data = nil // one huge event does not pin its buffer for good
			}
			*ev = milky.Event{Data: data}
		} else {
			ev = new(milky.Event) // Data of its own, as handle may keep it
		}
		// event_type is decoded in place and interned at once: the payload
		// buffer is reused, and the name becomes a metrics label.
		jerr := json.UnmarshalWithOption(payload, ev, json.DecodeNoCopyString())
		ev.EventType = intern(names, ev.EventType)
		if jerr != nil || ev.EventType == "" {
			if jerr == nil {
				jerr = errors.New("no event_type")
			}
			c.log.Warn("milky event skipped: malformed", "err", jerr, "bytes", len(payload), "head", clip(payload, 200))
			continue
		}
		if ctx.Err() != nil {
			break
		}
		delivered++
		c.deliver(handle, ev)
	}
	s.close()
	c.connected.Store(false)
	if ctx.Err() != nil {
		err = nil // our own shutdown, not a failure
	}
	if o := c.cfg.Observer; o != nil {
		o.StreamDisconnected(sc.Transport, err)
	}
	return time.Since(start), delivered, err
}

// deliver calls handle, treating a panic (a mapping bug hit by unexpected
// upstream data) like a malformed event: logged and skipped, while the
// stream and the process go on.
func (c *Client) deliver(handle func(ev *milky.Event), ev *milky.Event) {
	defer func() {
		if p := recover(); p != nil {
			c.log.Error("milky event skipped: handler panicked", "event_type", ev.EventType, "panic", fmt.Sprint(p),
				"stack", string(debug.Stack()))
		}
	}()
	handle(ev)
}

// tryDeliver offers payload to try; a panic is logged and the event
// skipped (handled), as in deliver.
func (c *Client) tryDeliver(try func(payload []byte) bool, payload []byte) (handled bool) {
	defer func() {
		if p := recover(); p != nil {
			c.log.Error("milky event skipped: handler panicked", "head", clip(payload, 200), "panic", fmt.Sprint(p),
				"stack", string(debug.Stack()))
			handled = true
		}
	}()
	return try(payload)
}

// maxInterned bounds the event_type values one connection interns (Milky
// 1.2 has 20; the rest are copied each time).
const maxInterned = 64

// intern returns a string equal to s that does not share s's bytes.
func intern(names map[string]string, s string) string {
	if v, ok := names[s]; ok {
		return v
	}
	v := strings.Clone(s)
	if len(names) < maxInterned {
		names[v] = v
	}
	return v
}

func clip(b []byte, n int) string {
	if len(b) > n {
		b = b[:n]
	}
	return strings.ToValidUTF8(string(b), "?")
}

// streamURL is the /event URL (ws/wss scheme when ws) with the token as
// ?access_token= (for servers that only read the query). Never log it.
func (c *Client) streamURL(ws bool) string {
	u, _ := url.Parse(c.eventURL) // validated in NewClient
	if ws {
		u.Scheme = map[string]string{"http": "ws", "https": "wss"}[u.Scheme]
	}
	if c.cfg.Token != "" {
		u.RawQuery = url.Values{"access_token": {c.cfg.Token}}.Encode()
	}
	return u.String()
}

func (c *Client) authHeader() http.Header {
	h := http.Header{}
	if c.cfg.Token != "" {
		h.Set("Authorization", "Bearer "+c.cfg.Token)
	}
	return h
}

// ---- WebSocket ----

type wsStream struct {
	conn *websocket.Conn
	// buf holds the frame being read; next reuses it, so its payload is
	// valid until the following call.
	buf  []byte
	idle time.Duration
	stop chan struct{}
	wg   sync.WaitGroup
}

func (c *Client) dialWS(ctx context.Context, sc StreamConfig) (*wsStream, error) {
	d := websocket.Dialer{
		NetDialContext:   (&net.Dialer{Timeout: c.cfg.DialTimeout, KeepAlive: 30 * time.Second}).DialContext,
		Proxy:            http.ProxyFromEnvironment,
		HandshakeTimeout: handshakeTimeout,
		ReadBufferSize:   32 << 10,
		WriteBufferSize:  4 << 10,
	}
	if c.wsTLS != nil {
		d.TLSClientConfig = c.wsTLS.Clone()
	}
	conn, resp, err := d.DialContext(ctx, c.streamURL(true), c.authHeader())
	if err != nil {
		if resp != nil {
			if resp.StatusCode == http.StatusUnauthorized {
				return nil, c.unauthorized("websocket handshake")
			}
			return nil, fmt.Errorf("websocket handshake: HTTP %d: %w", resp.StatusCode, err)
		}
		return nil, fmt.Errorf("websocket dial: %w", err)
	}
	s := &wsStream{conn: conn, idle: sc.IdleTimeout, stop: make(chan struct{})}
	conn.SetReadLimit(sc.MaxEventBytes)
	conn.SetPongHandler(func(string) error { return conn.SetReadDeadline(time.Now().Add(s.idle)) })
	conn.SetPingHandler(func(data string) error {
		_ = conn.SetReadDeadline(time.Now().Add(s.idle))
		err := conn.WriteControl(websocket.PongMessage, []byte(data), time.Now().Add(controlWriteWait))
		if err != nil && !errors.Is(err, websocket.ErrCloseSent) {
			var ne net.Error
			if !errors.As(err, &ne) || !ne.Timeout() {
				return err
			}
		}
		return nil
	})
	s.wg.Add(1)
	go s.keepAlive(ctx)
	return s, nil
}

// keepAlive pings every third of the idle timeout and closes the connection
// when ctx ends (which unblocks the reader).
func (s *wsStream) keepAlive(ctx context.Context) {
	defer s.wg.Done()
	t := time.NewTicker(max(s.idle/3, 10*time.Millisecond))
	defer t.Stop()
	for {
		select {
		case <-s.stop:
			return
		case <-ctx.Done():
			_ = s.conn.WriteControl(websocket.CloseMessage,
				websocket.FormatCloseMessage(websocket.CloseNormalClosure, ""), time.Now().Add(time.Second))
			_ = s.conn.Close()
			return
		case <-t.C:
			// A failed ping shows up as a read error; nothing to do here.
			_ = s.conn.WriteControl(websocket.PingMessage, nil, time.Now().Add(controlWriteWait))
		}
	}
}

func (s *wsStream) next() ([]byte, error) {
	for {
		// Armed here, not after the last message: time spent in the handler
		// is not the server's silence. Pongs extend it while we wait.
		_ = s.conn.SetReadDeadline(time.Now().Add(s.idle))
		mt, r, err := s.conn.NextReader()
		if err != nil {
			return nil, err
		}
		if mt != websocket.TextMessage && mt != websocket.BinaryMessage {
			continue
		}
		if cap(s.buf) > maxKeptFrameBuffer {
			s.buf = nil // one huge event does not pin its buffer for good
		}
		s.buf, err = readFrame(s.buf[:0], r)
		if err != nil {
			return nil, err
		}
		return s.buf, nil
	}
}

// maxKeptFrameBuffer: a frame buffer grown beyond this is dropped after use.
const maxKeptFrameBuffer = 1 << 20

// readFrame appends all of r to b, growing b as io.ReadAll does (the read
// limit is enforced by the connection's reader).
func readFrame(b []byte, r io.Reader) ([]byte, error) {
	if cap(b) == 0 {
		b = make([]byte, 0, 4<<10)
	}
	for {
		if len(b) == cap(b) {
			b = append(b, 0)[:len(b)]
		}
		n, err := r.Read(b[len(b):cap(b)])
		b = b[:len(b)+n]
		if err == io.EOF {
			return b, nil
		}
		if err != nil {
			return b, err
		}
	}
}

func (s *wsStream) close() {
	close(s.stop)
	_ = s.conn.Close()
	s.wg.Wait()
}

// ---- SSE ----

type sseStream struct {
	cancel context.CancelFunc
	body   io.ReadCloser
	p      *milky.SSEReader
	idle   *time.Timer
	idled  atomic.Bool
	limit  time.Duration
}

func (c *Client) dialSSE(ctx context.Context, sc StreamConfig) (*sseStream, error) {
	ctx, cancel := context.WithCancel(ctx)
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, c.streamURL(false), nil)
	if err != nil {
		cancel()
		return nil, err
	}
	req.Header = c.authHeader()
	req.Header.Set("Accept", "text/event-stream")
	req.Header.Set("Cache-Control", "no-cache")
	// Bound the wait for the response headers; the body may then live for hours.
	headerTimer := time.AfterFunc(handshakeTimeout, cancel)
	resp, err := c.streamHC.Do(req)
	if !headerTimer.Stop() {
		if err == nil {
			_ = resp.Body.Close()
		}
		err = fmt.Errorf("no response headers within %v", handshakeTimeout)
	}
	if err != nil {
		cancel()
		// url.Error quotes the URL, and the URL carries the token: drop it.
		var ue *url.Error
		if errors.As(err, &ue) {
			err = ue.Err
		}
		return nil, fmt.Errorf("sse connect: %w", err)
	}
	fail := func(err error) (*sseStream, error) {
		_ = resp.Body.Close()
		cancel()
		return nil, err
	}
	if resp.StatusCode == http.StatusUnauthorized {
		return fail(c.unauthorized("sse connect"))
	}
	if resp.StatusCode != http.StatusOK {
		msg, _ := io.ReadAll(io.LimitReader(resp.Body, maxErrorBodyBytes))
		return fail(fmt.Errorf("sse connect: HTTP %d: %s", resp.StatusCode, errorBodyMessage(resp.StatusCode, msg)))
	}
	if mt, _, _ := mime.ParseMediaType(resp.Header.Get("Content-Type")); mt != "text/event-stream" {
		return fail(fmt.Errorf("sse connect: Content-Type %q, want text/event-stream", resp.Header.Get("Content-Type")))
	}
	s := &sseStream{cancel: cancel, body: resp.Body, limit: sc.IdleTimeout}
	s.idle = time.AfterFunc(time.Hour, func() {
		s.idled.Store(true)
		cancel()
	})
	s.idle.Stop() // armed only while waiting in Read

	s.p = milky.NewSSEReader(idleReader{s}, int(sc.MaxEventBytes))
	return s, nil
}

// idleReader times each wait for bytes: the idle timer runs only inside
// Read, so a slow handler between reads never counts as a silent server.
type idleReader struct{ s *sseStream }

func (r idleReader) Read(b []byte) (int, error) {
	r.s.idle.Reset(r.s.limit)
	n, err := r.s.body.Read(b)
	r.s.idle.Stop()
	return n, err
}

func (s *sseStream) next() ([]byte, error) {
	for {
		msg, err := s.p.Next()
		if err != nil {
			if s.idled.Load() {
				return nil, fmt.Errorf("sse: nothing received for %v", s.limit)
			}
			if errors.Is(err, io.EOF) {
				return nil, errors.New("sse: stream closed by the server")
			}
			return nil, err
		}
		if msg.Event == milky.SSEEventName {
			return msg.Data, nil
		}
	}
}

func (s *sseStream) close() {
	s.idle.Stop()
	s.cancel()
	_ = s.body.Close()
}

// unauthorized names the cause and the fix of a 401 on the event stream, as
// action errors do: the library's own text ("websocket: bad handshake") does
// not tell an operator that the token is what to change.
func (c *Client) unauthorized(step string) error {
	fix := "check the gateway's upstream token (--upstream-token, GATEWAY_UPSTREAM_TOKEN) against the implementation's access token"
	if c.cfg.Token == "" {
		fix = "no token was sent: set the gateway's upstream token (--upstream-token, GATEWAY_UPSTREAM_TOKEN) to the implementation's access token"
	}
	return fmt.Errorf("%s: upstream rejected the gateway's access token (HTTP 401 on /event): %s", step, fix)
}
