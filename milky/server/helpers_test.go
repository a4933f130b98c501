package server

import (
	"bufio"
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/goccy/go-json"
	"github.com/gorilla/websocket"
	"github.com/stretchr/testify/require"
	"github.com/valyala/fasthttp"

	"github.com/qqbridge/gateway/milky"
)

const testToken = "t0ken"

// fakeAPI is a small in-process Milky implementation.
type fakeAPI struct {
	release chan struct{} // "slow" waits for it
	entered chan struct{} // "slow" signals here when it starts
}

func (f *fakeAPI) HandleAPI(ctx context.Context, api string, body []byte) (any, error) {
	switch api {
	case "get_login_info":
		return map[string]any{"uin": 10001, "nickname": "bot"}, nil
	case "echo":
		var v map[string]any
		if err := json.Unmarshal(body, &v); err != nil {
			return nil, &milky.APIError{Retcode: milky.RetcodeBadParam, Message: err.Error()}
		}
		return v, nil
	case "get_user_profile":
		var p struct {
			UserID int64 `json:"user_id"`
		}
		if err := json.Unmarshal(body, &p); err != nil || p.UserID <= 0 {
			return nil, &milky.APIError{Retcode: milky.RetcodeBadParam, Message: fmt.Sprintf("user_id (%d) is not a valid QQ number", p.UserID)}
		}
		return map[string]any{"nickname": "x"}, nil
	case "nothing", "set_bio":
		return nil, nil
	case "not_friend":
		return nil, &milky.APIError{Retcode: milky.RetcodeNotFound, Message: "no such friend"}
	case "boom":
		return nil, errors.New("upstream exploded")
	case "panics":
		panic("handler bug")
	case "teapot":
		return nil, &milky.APIError{HTTPStatus: 503, Message: "busy"}
	case "slow":
		f.entered <- struct{}{}
		<-f.release
		return map[string]any{"done": true}, nil
	}
	return nil, fmt.Errorf("%w: %s", milky.ErrUnknownAPI, api)
}

// recObserver records what the server reports.
type recObserver struct {
	mu      sync.Mutex
	opened  map[string]int
	closed  map[string]int
	calls   []string // "api status retcode"
	dropped map[string]int
}

func newRecObserver() *recObserver {
	return &recObserver{opened: map[string]int{}, closed: map[string]int{}, dropped: map[string]int{}}
}
func (o *recObserver) ConnOpened(t string) { o.mu.Lock(); o.opened[t]++; o.mu.Unlock() }
func (o *recObserver) ConnClosed(t string) { o.mu.Lock(); o.closed[t]++; o.mu.Unlock() }
func (o *recObserver) APICall(api string, status, retcode int, _ float64) {
	o.mu.Lock()
	o.calls = append(o.calls, fmt.Sprintf("%s %d %d", api, status, retcode))
	o.mu.Unlock()
}
func (o *recObserver) EventDropped(t, r string)       { o.mu.Lock(); o.dropped[t+"/"+r]++; o.mu.Unlock() }
func (o *recObserver) QueueDepth(string, string, int) {}
func (o *recObserver) get(f func(o *recObserver) int) int {
	o.mu.Lock()
	defer o.mu.Unlock()
	return f(o)
}

type env struct {
	t    *testing.T
	s    *Server
	obs  *recObserver
	api  *fakeAPI
	base string // http://127.0.0.1:port
}

func quietLogger() *slog.Logger {
	return slog.New(slog.NewTextHandler(io.Discard, nil))
}

// newEnv serves cfg on a loopback port; the server is closed when the test ends.
func newEnv(t *testing.T, cfg Config) *env {
	t.Helper()
	e := &env{t: t, obs: newRecObserver(), api: &fakeAPI{release: make(chan struct{}), entered: make(chan struct{}, 1)}}
	if cfg.API == nil {
		cfg.API = e.api
	}
	if cfg.Observer == nil {
		cfg.Observer = e.obs
	}
	if cfg.Logger == nil {
		cfg.Logger = quietLogger()
	}
	e.s = New(cfg)
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	require.NoError(t, err)
	e.base = "http://" + ln.Addr().String()
	served := make(chan struct{})
	go func() { defer close(served); _ = e.s.Serve(ln) }()
	t.Cleanup(func() {
		_ = e.s.Close()
		<-served
	})
	return e
}

func (e *env) post(api, token, contentType, body string) (int, map[string]any) {
	e.t.Helper()
	req, err := http.NewRequest(http.MethodPost, e.base+"/api/"+api, strings.NewReader(body))
	require.NoError(e.t, err)
	if contentType != "" {
		req.Header.Set("Content-Type", contentType)
	}
	if token != "" {
		req.Header.Set("Authorization", "Bearer "+token)
	}
	resp, err := http.DefaultClient.Do(req)
	require.NoError(e.t, err)
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	require.NoError(e.t, err)
	var m map[string]any
	if resp.StatusCode == 200 {
		require.NoError(e.t, json.Unmarshal(b, &m), "body %s", b)
	}
	return resp.StatusCode, m
}

func (e *env) wsURL() string { return "ws" + strings.TrimPrefix(e.base, "http") + "/event" }

func (e *env) dialWS(token string, inQuery bool) (*websocket.Conn, *http.Response, error) {
	h := http.Header{}
	u := e.wsURL()
	if token != "" {
		if inQuery {
			u += "?access_token=" + token
		} else {
			h.Set("Authorization", "Bearer "+token)
		}
	}
	return websocket.DefaultDialer.Dial(u, h)
}

// sseStream reads milky_event messages from an SSE response.
type sseStream struct {
	resp *http.Response
	r    *bufio.Reader
}

func (e *env) openSSE(token string, inQuery bool) (*sseStream, int) {
	e.t.Helper()
	u := e.base + "/event"
	if inQuery && token != "" {
		u += "?access_token=" + token
	}
	req, err := http.NewRequest(http.MethodGet, u, nil)
	require.NoError(e.t, err)
	req.Header.Set("Accept", "text/event-stream")
	if !inQuery && token != "" {
		req.Header.Set("Authorization", "Bearer "+token)
	}
	resp, err := http.DefaultClient.Do(req)
	require.NoError(e.t, err)
	if resp.StatusCode != 200 {
		resp.Body.Close()
		return nil, resp.StatusCode
	}
	e.t.Cleanup(func() { resp.Body.Close() })
	return &sseStream{resp: resp, r: bufio.NewReader(resp.Body)}, 200
}

// next returns the data of the next message (data lines joined by "\n"),
// skipping comments; it checks the event name is milky_event.
func (s *sseStream) next() (string, error) {
	var name string
	var data []string
	for {
		line, err := s.r.ReadString('\n')
		if err != nil {
			return "", err
		}
		line = strings.TrimSuffix(line, "\n")
		switch {
		case line == "":
			if data == nil {
				continue // end of a comment-only block
			}
			if name != "milky_event" {
				return "", fmt.Errorf("event name %q", name)
			}
			return strings.Join(data, "\n"), nil
		case strings.HasPrefix(line, ":"):
		case strings.HasPrefix(line, "event: "):
			name = strings.TrimPrefix(line, "event: ")
		case strings.HasPrefix(line, "data: "):
			data = append(data, strings.TrimPrefix(line, "data: "))
		}
	}
}

func testEvent(i int) *milky.Event {
	return &milky.Event{Time: 1700000000 + int64(i), SelfID: 10001, EventType: milky.EventBotOffline,
		Data: json.RawMessage(fmt.Sprintf(`{"reason":"r%d"}`, i))}
}

func eventIndex(t *testing.T, payload []byte) int {
	t.Helper()
	var ev milky.Event
	require.NoError(t, json.Unmarshal(payload, &ev))
	return int(ev.Time - 1700000000)
}

// waitFor polls cond (no fixed sleeps: it returns as soon as cond holds).
func waitFor(t *testing.T, what string, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(10 * time.Second)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("timed out waiting for %s", what)
		}
		time.Sleep(2 * time.Millisecond)
	}
}

type (
	fasthttpHandler = fasthttp.RequestHandler
	fasthttpCtx     = fasthttp.RequestCtx
)

func contextWithTimeout(d time.Duration) (context.Context, context.CancelFunc) {
	return context.WithTimeout(context.Background(), d)
}
