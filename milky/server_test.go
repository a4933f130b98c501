package milky

import (
	"bufio"
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/goccy/go-json"
	"github.com/gorilla/websocket"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// apiFunc adapts a function to APIHandler.
type apiFunc func(ctx context.Context, api string, body []byte) (any, error)

func (f apiFunc) HandleAPI(ctx context.Context, api string, body []byte) (any, error) {
	return f(ctx, api, body)
}

var quietLog = slog.New(slog.NewTextHandler(io.Discard, nil))

func echoAPI() APIHandler {
	return apiFunc(func(_ context.Context, api string, body []byte) (any, error) {
		switch api {
		case "echo":
			return json.RawMessage(body), nil
		case "empty":
			return nil, nil
		case "typed_nil":
			return (*GetLoginInfoOutput)(nil), nil
		case "failed":
			return nil, &APIError{Retcode: -403, Message: "未处于登录状态"}
		case "failed_no_code":
			return nil, &APIError{Message: "odd"}
		case "plain_error":
			return nil, errors.New("disk on fire")
		case "wrapped_unknown":
			return nil, fmt.Errorf("nope: %w", ErrUnknownAPI)
		case "http_415":
			return nil, &APIError{HTTPStatus: 415, Message: "want json"}
		}
		return nil, ErrUnknownAPI
	})
}

type apiReq struct {
	method, path, ctype, auth, body string
}

func doAPI(t *testing.T, url string, r apiReq) (int, string) {
	t.Helper()
	if r.method == "" {
		r.method = http.MethodPost
	}
	if r.ctype == "-" {
		r.ctype = ""
	} else if r.ctype == "" {
		r.ctype = "application/json"
	}
	req, err := http.NewRequest(r.method, url+r.path, strings.NewReader(r.body))
	require.NoError(t, err)
	if r.ctype != "" {
		req.Header.Set("Content-Type", r.ctype)
	}
	if r.auth != "" {
		req.Header.Set("Authorization", r.auth)
	}
	resp, err := http.DefaultClient.Do(req)
	require.NoError(t, err)
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return resp.StatusCode, string(b)
}

func TestServerAPI(t *testing.T) {
	s := NewServer(ServerConfig{Token: "tok", API: echoAPI(), Logger: quietLog, MaxBodyBytes: 1024})
	defer s.Close()
	srv := httptest.NewServer(s.Handler())
	defer srv.Close()

	const ok = "Bearer tok"
	cases := []struct {
		name     string
		req      apiReq
		status   int
		wantJSON string // compared with JSONEq when set
	}{
		{"ok echo", apiReq{path: "/api/echo", auth: ok, body: `{"a":1}`}, 200, `{"status":"ok","retcode":0,"data":{"a":1}}`},
		{"charset allowed", apiReq{path: "/api/echo", auth: ok, ctype: "application/json; charset=utf-8", body: `{}`}, 200,
			`{"status":"ok","retcode":0,"data":{}}`},
		{"lower-case bearer", apiReq{path: "/api/empty", auth: "bearer tok", body: `{}`}, 200, `{"status":"ok","retcode":0,"data":{}}`},
		{"nil data is {}", apiReq{path: "/api/empty", auth: ok, body: `{}`}, 200, `{"status":"ok","retcode":0,"data":{}}`},
		{"typed nil data is {}", apiReq{path: "/api/typed_nil", auth: ok, body: `{}`}, 200, `{"status":"ok","retcode":0,"data":{}}`},
		{"APIError", apiReq{path: "/api/failed", auth: ok, body: `{}`}, 200, `{"status":"failed","retcode":-403,"message":"未处于登录状态"}`},
		{"APIError without retcode", apiReq{path: "/api/failed_no_code", auth: ok, body: `{}`}, 200, `{"status":"failed","retcode":-500,"message":"odd"}`},
		{"other error is -500", apiReq{path: "/api/plain_error", auth: ok, body: `{}`}, 200,
			`{"status":"failed","retcode":-500,"message":"disk on fire"}`},
		{"APIError with HTTP status", apiReq{path: "/api/http_415", auth: ok, body: `{}`}, 415, ""},
		{"unknown api", apiReq{path: "/api/nope", auth: ok, body: `{}`}, 404, ""},
		{"wrapped ErrUnknownAPI", apiReq{path: "/api/wrapped_unknown", auth: ok, body: `{}`}, 404, ""},
		{"empty api name", apiReq{path: "/api/", auth: ok, body: `{}`}, 404, ""},
		{"nested path", apiReq{path: "/api/echo/x", auth: ok, body: `{}`}, 404, ""},
		{"GET not allowed", apiReq{method: http.MethodGet, path: "/api/echo", auth: ok}, 405, ""},
		{"no auth", apiReq{path: "/api/echo", body: `{}`}, 401, ""},
		{"wrong token", apiReq{path: "/api/echo", auth: "Bearer tok2", body: `{}`}, 401, ""},
		{"token prefix", apiReq{path: "/api/echo", auth: "Bearer to", body: `{}`}, 401, ""},
		{"not bearer", apiReq{path: "/api/echo", auth: "Basic tok", body: `{}`}, 401, ""},
		{"query token not accepted on /api", apiReq{path: "/api/echo?access_token=tok", body: `{}`}, 401, ""},
		{"auth checked before api lookup", apiReq{path: "/api/nope", body: `{}`}, 401, ""},
		{"text/plain", apiReq{path: "/api/echo", auth: ok, ctype: "text/plain", body: `{}`}, 415, ""},
		{"form", apiReq{path: "/api/echo", auth: ok, ctype: "application/x-www-form-urlencoded", body: `a=1`}, 415, ""},
		{"no content type", apiReq{path: "/api/echo", auth: ok, ctype: "-", body: `{}`}, 415, ""},
		{"body too large", apiReq{path: "/api/echo", auth: ok, body: `{"a":"` + strings.Repeat("x", 2000) + `"}`}, 413, ""},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			status, body := doAPI(t, srv.URL, tc.req)
			assert.Equal(t, tc.status, status, body)
			if tc.wantJSON != "" {
				assert.JSONEq(t, tc.wantJSON, body)
			}
		})
	}
}

func TestServerAPINoToken(t *testing.T) {
	s := NewServer(ServerConfig{API: echoAPI(), Logger: quietLog})
	defer s.Close()
	srv := httptest.NewServer(s.Handler())
	defer srv.Close()
	status, _ := doAPI(t, srv.URL, apiReq{path: "/api/empty", body: `{}`})
	assert.Equal(t, 200, status)
	status, _ = doAPI(t, srv.URL, apiReq{path: "/api/empty", auth: "Bearer anything", body: `{}`})
	assert.Equal(t, 200, status)
}

func TestServerNoHandlerIsUnknown(t *testing.T) {
	s := NewServer(ServerConfig{Logger: quietLog})
	defer s.Close()
	srv := httptest.NewServer(s.Handler())
	defer srv.Close()
	status, _ := doAPI(t, srv.URL, apiReq{path: "/api/get_login_info", body: `{}`})
	assert.Equal(t, 404, status)
}

// eventAuth tries /event with the given credentials over both transports.
func TestServerEventAuth(t *testing.T) {
	s := NewServer(ServerConfig{Token: "tok", Logger: quietLog})
	defer s.Close()
	srv := httptest.NewServer(s.Handler())
	defer srv.Close()

	cases := []struct {
		name   string
		header string
		query  string
		status int
	}{
		{"bearer header", "Bearer tok", "", 200},
		{"query access_token", "", "?access_token=tok", 200},
		{"missing", "", "", 401},
		{"wrong header", "Bearer nope", "", 401},
		{"wrong query", "", "?access_token=nope", 401},
		{"header takes precedence over query", "Bearer nope", "?access_token=tok", 401},
	}
	for _, tc := range cases {
		t.Run("sse "+tc.name, func(t *testing.T) {
			ctx, cancel := context.WithCancel(context.Background())
			defer cancel()
			req, _ := http.NewRequestWithContext(ctx, http.MethodGet, srv.URL+"/event"+tc.query, nil)
			if tc.header != "" {
				req.Header.Set("Authorization", tc.header)
			}
			resp, err := http.DefaultClient.Do(req)
			require.NoError(t, err)
			defer resp.Body.Close()
			assert.Equal(t, tc.status, resp.StatusCode)
			if tc.status == 200 {
				assert.Equal(t, "text/event-stream; charset=utf-8", resp.Header.Get("Content-Type"))
			}
		})
		t.Run("ws "+tc.name, func(t *testing.T) {
			h := http.Header{}
			if tc.header != "" {
				h.Set("Authorization", tc.header)
			}
			conn, resp, err := websocket.DefaultDialer.Dial("ws"+strings.TrimPrefix(srv.URL, "http")+"/event"+tc.query, h)
			if tc.status == 200 {
				require.NoError(t, err)
				_ = conn.Close()
				return
			}
			require.ErrorIs(t, err, websocket.ErrBadHandshake)
			assert.Equal(t, tc.status, resp.StatusCode)
		})
	}
	status, _ := doAPI(t, srv.URL, apiReq{method: http.MethodPost, path: "/event", auth: "Bearer tok"})
	assert.Equal(t, 405, status)
}

// TestServerSSEWireFormat reads the raw stream: one message per event,
// event name milky_event, compact JSON on one data line.
func TestServerSSEWireFormat(t *testing.T) {
	s := NewServer(ServerConfig{Logger: quietLog})
	defer s.Close()
	srv := httptest.NewServer(s.Handler())
	defer srv.Close()
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	req, _ := http.NewRequestWithContext(ctx, http.MethodGet, srv.URL+"/event", nil)
	resp, err := http.DefaultClient.Do(req)
	require.NoError(t, err)
	defer resp.Body.Close()
	require.Eventually(t, func() bool { return s.Subscribers() == 1 }, 10*time.Second, 5*time.Millisecond)

	s.Publish(&Event{Time: 1, SelfID: 10001, EventType: EventBotOffline, Data: json.RawMessage(`{"reason":"a\nb"}`)})
	r := bufio.NewReader(resp.Body)
	var lines []string
	for len(lines) < 3 {
		l, err := r.ReadString('\n')
		require.NoError(t, err)
		lines = append(lines, l)
	}
	assert.Equal(t, []string{
		"event: milky_event\n",
		`data: {"time":1,"self_id":10001,"event_type":"bot_offline","data":{"reason":"a\nb"}}` + "\n",
		"\n",
	}, lines)
}

func TestServerWebhook(t *testing.T) {
	var (
		mu    sync.Mutex
		got   []string
		auths []string
	)
	hook := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		b, _ := io.ReadAll(r.Body)
		mu.Lock()
		got = append(got, string(b))
		auths = append(auths, r.Header.Get("Authorization")+"|"+r.Header.Get("Content-Type"))
		mu.Unlock()
	}))
	defer hook.Close()
	s := NewServer(ServerConfig{Token: "tok", Logger: quietLog, Webhooks: []string{hook.URL + "/a", hook.URL + "/b"}})
	for i := range 5 {
		s.Publish(testEvent(i))
	}
	require.Eventually(t, func() bool { mu.Lock(); defer mu.Unlock(); return len(got) == 10 }, 10*time.Second, 5*time.Millisecond)
	s.Close()
	mu.Lock()
	defer mu.Unlock()
	for _, a := range auths {
		assert.Equal(t, "Bearer tok|application/json", a)
	}
	var seqs []int64
	for _, b := range got {
		var ev Event
		require.NoError(t, json.Unmarshal([]byte(b), &ev))
		seqs = append(seqs, ev.Time)
	}
	assert.ElementsMatch(t, []int64{0, 0, 1, 1, 2, 2, 3, 3, 4, 4}, seqs)
}

func TestEventQueueDropsOldest(t *testing.T) {
	q := newEventQueue(3, "test", quietLog)
	logs := 0
	for i := range 10 {
		if q.push([]byte{byte('0' + i)}) {
			logs++
		}
	}
	assert.Equal(t, 1, logs, "one log line per second at most")
	assert.Equal(t, int64(7), q.droppedTotal())
	assert.Equal(t, [][]byte{[]byte("7"), []byte("8"), []byte("9")}, q.drain(nil))
	assert.Empty(t, q.drain(nil))
	select {
	case <-q.notify:
	default:
		t.Fatal("push must signal notify")
	}
}

// TestPublishNeverBlocks: a subscriber that never reads must not slow
// Publish; it just loses its oldest events.
func TestPublishNeverBlocks(t *testing.T) {
	s := NewServer(ServerConfig{Logger: quietLog, SubscriberQueue: 16})
	defer s.Close()
	srv := httptest.NewServer(s.Handler())
	defer srv.Close()
	conn, _, err := websocket.DefaultDialer.Dial("ws"+strings.TrimPrefix(srv.URL, "http")+"/event", nil)
	require.NoError(t, err)
	defer conn.Close() // never read from: the socket buffers fill up
	require.Eventually(t, func() bool { return s.Subscribers() == 1 }, 10*time.Second, 5*time.Millisecond)

	big := json.RawMessage(`{"text":"` + strings.Repeat("x", 64<<10) + `"}`)
	done := make(chan struct{})
	go func() {
		defer close(done)
		for i := range 2000 { // ~128 MiB: far beyond any socket buffer
			s.Publish(&Event{Time: int64(i), EventType: EventMessageReceive, Data: big})
		}
	}()
	select {
	case <-done:
	case <-time.After(60 * time.Second):
		t.Fatal("Publish blocked on a slow subscriber")
	}
}

func testEvent(i int) *Event {
	return &Event{Time: int64(i), SelfID: 10001, EventType: EventMessageReceive, Data: json.RawMessage(fmt.Sprintf(`{"n":%d}`, i))}
}
