package milkytest

import (
	"bufio"
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strings"
	"sync"

	"github.com/gorilla/websocket"
)

// Stream is one /event subscription, WebSocket or SSE.
type Stream struct {
	q    *queue
	ws   *websocket.Conn
	body io.ReadCloser
	done chan struct{}

	mu        sync.Mutex
	closeCode int // WebSocket close code received (0: none)
}

// eventURL is base's /event with the token in the query when mode says so.
func eventURL(base, token string, mode AuthMode) string {
	u := strings.TrimSuffix(base, "/") + "/event"
	if mode == AuthQuery && token != "" {
		u += "?access_token=" + url.QueryEscape(token)
	}
	return u
}

func authHeader(h http.Header, token string, mode AuthMode) {
	if mode == AuthBearer && token != "" {
		h.Set("Authorization", "Bearer "+token)
	}
}

// StatusError is a refused subscription: the HTTP status the server
// answered instead of upgrading or streaming.
type StatusError struct{ Status int }

func (e *StatusError) Error() string { return fmt.Sprintf("/event refused: HTTP %d", e.Status) }

// DialWS subscribes to base's /event over WebSocket (base is http:// or
// ws://).
func DialWS(ctx context.Context, base, token string, mode AuthMode) (*Stream, error) {
	u := eventURL(base, token, mode)
	u = "ws" + strings.TrimPrefix(strings.TrimPrefix(u, "ws"), "http")
	h := http.Header{}
	authHeader(h, token, mode)
	c, resp, err := websocket.DefaultDialer.DialContext(ctx, u, h)
	if err != nil {
		if resp != nil {
			return nil, &StatusError{resp.StatusCode}
		}
		return nil, err
	}
	s := &Stream{q: newQueue(), ws: c, done: make(chan struct{})}
	go s.readWS()
	return s, nil
}

func (s *Stream) readWS() {
	defer close(s.done)
	for {
		typ, b, err := s.ws.ReadMessage()
		if err != nil {
			var ce *websocket.CloseError
			if errors.As(err, &ce) {
				s.mu.Lock()
				s.closeCode = ce.Code
				s.mu.Unlock()
			}
			s.q.end(fmt.Errorf("event stream ended: %w", err))
			return
		}
		if typ != websocket.TextMessage {
			s.q.end(fmt.Errorf("event stream: a non-text frame (type %d)", typ))
			return
		}
		e, err := decodeEvent(b)
		if err != nil {
			s.q.end(err)
			return
		}
		s.q.push(e)
	}
}

// OpenSSE subscribes to base's /event as Server-Sent Events.
func OpenSSE(ctx context.Context, base, token string, mode AuthMode) (*Stream, error) {
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, eventURL(base, token, mode), nil)
	if err != nil {
		return nil, err
	}
	req.Header.Set("Accept", "text/event-stream")
	authHeader(req.Header, token, mode)
	// No client timeout: the stream lives until closed.
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		return nil, err
	}
	if resp.StatusCode != http.StatusOK {
		resp.Body.Close()
		return nil, &StatusError{resp.StatusCode}
	}
	if ct := resp.Header.Get("Content-Type"); !strings.HasPrefix(ct, "text/event-stream") {
		resp.Body.Close()
		return nil, fmt.Errorf("/event: Content-Type %q, want text/event-stream", ct)
	}
	s := &Stream{q: newQueue(), body: resp.Body, done: make(chan struct{})}
	go s.readSSE()
	return s, nil
}

// readSSE parses the stream: "event: milky_event" then data lines, a blank
// line ends a message, lines starting with ':' are comments (keep-alives).
func (s *Stream) readSSE() {
	defer close(s.done)
	r := bufio.NewReaderSize(s.body, 64<<10)
	var name string
	var data bytes.Buffer
	for {
		line, err := r.ReadBytes('\n')
		if err != nil {
			s.q.end(fmt.Errorf("event stream ended: %w", err))
			return
		}
		line = bytes.TrimRight(line, "\r\n")
		switch {
		case len(line) == 0:
			if data.Len() > 0 {
				if name != "milky_event" {
					s.q.end(fmt.Errorf("SSE message named %q, want milky_event", name))
					return
				}
				e, err := decodeEvent(data.Bytes())
				if err != nil {
					s.q.end(err)
					return
				}
				s.q.push(e)
			}
			name = ""
			data.Reset()
		case line[0] == ':':
		case bytes.HasPrefix(line, []byte("event:")):
			name = string(bytes.TrimSpace(line[len("event:"):]))
		case bytes.HasPrefix(line, []byte("data:")):
			if data.Len() > 0 {
				data.WriteByte('\n')
			}
			v := line[len("data:"):]
			if len(v) > 0 && v[0] == ' ' {
				v = v[1:]
			}
			data.Write(v)
		}
	}
}

// Next returns the next event.
func (s *Stream) Next(ctx context.Context) (Event, error) { return s.q.nextWhere(ctx, nil) }

// NextWhere returns the next event match accepts, discarding those before.
func (s *Stream) NextWhere(ctx context.Context, match func(Event) bool) (Event, error) {
	return s.q.nextWhere(ctx, match)
}

// NextOfType returns the next event of eventType.
func (s *Stream) NextOfType(ctx context.Context, eventType string) (Event, error) {
	return s.q.nextWhere(ctx, func(e Event) bool { return e.EventType == eventType })
}

// Queued is the number of events received and not yet read.
func (s *Stream) Queued() int { return s.q.len() }

// Send writes a text frame to the server (WebSocket only): Milky servers
// must ignore what subscribers send.
func (s *Stream) Send(b []byte) error {
	if s.ws == nil {
		return errors.New("Send: not a WebSocket stream")
	}
	return s.ws.WriteMessage(websocket.TextMessage, b)
}

// Done is closed when the connection has ended.
func (s *Stream) Done() <-chan struct{} { return s.done }

// CloseCode is the WebSocket close code the server sent (0: none yet, or
// SSE).
func (s *Stream) CloseCode() int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.closeCode
}

// Close ends the subscription and waits for its reader.
func (s *Stream) Close() error {
	var err error
	if s.ws != nil {
		err = s.ws.Close()
	} else {
		err = s.body.Close()
	}
	<-s.done
	return err
}
