package server

import (
	"bufio"
	"context"
	stdjson "encoding/json" // an independent judge of validity
	"io"
	"log/slog"
	"net"
	"net/http"
	"net/http/httptest"
	"net/http/httptrace"
	"strconv"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/goccy/go-json"
	"github.com/gorilla/websocket"
	"github.com/qqbridge/gateway/onebot11"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// forwardConn returns the server side of the only forward connection.
func forwardConn(t *testing.T, s *Server) *wsConn {
	t.Helper()
	var c *wsConn
	eventually(t, func() bool {
		conns := s.liveConns()
		if len(conns) == 1 {
			c = conns[0]
		}
		return c != nil
	}, "one forward connection")
	return c
}

// A client that keeps sending requests but never reads the replies must not
// make the server buffer replies without bound: once wsMaxConcurrency
// replies wait unwritten, the server stops reading that socket.
func TestWSRepliesToNonReadingClientAreBounded(t *testing.T) {
	env := newEnv(t, ServerConfig{})
	ws := rawDial(t, env.ws("/api"))
	c := forwardConn(t, env.s)

	// Each reply carries a 32 KiB echo, so a few hundred unread replies fill
	// the loopback socket buffers and the server's writer blocks.
	frame := []byte(`{"action":"echo_params","echo":"` + strings.Repeat("x", 32<<10) + `"}`)
	stop := make(chan struct{})
	sent := make(chan struct{})
	go func() {
		defer close(sent)
		for range 4000 {
			select {
			case <-stop:
				return
			default:
			}
			_ = ws.SetWriteDeadline(time.Now().Add(10 * time.Second))
			if ws.WriteMessage(websocket.TextMessage, frame) != nil {
				return
			}
		}
	}()
	defer func() { close(stop); _ = ws.Close(); <-sent }()

	deadline := time.Now().Add(20 * time.Second)
	for len(c.sem) < cap(c.sem) { // until the reader parks: backpressure reached the client
		n := c.respPending.Load()
		require.LessOrEqual(t, n, int64(wsMaxConcurrency), "replies buffered for a client that does not read")
		require.True(t, time.Now().Before(deadline), "the reader never stopped (%d replies pending)", n)
		time.Sleep(2 * time.Millisecond)
	}
	require.LessOrEqual(t, c.respPending.Load(), int64(wsMaxConcurrency))
}

// rawConn opens a plain TCP connection to the server, for requests no HTTP
// client would send; closed when the test ends.
func (e *testEnv) rawConn(t *testing.T) net.Conn {
	t.Helper()
	conn, err := net.Dial("tcp", strings.TrimPrefix(e.url, "http://"))
	require.NoError(t, err)
	t.Cleanup(func() { _ = conn.Close() })
	return conn
}

// A client that sends headers and then stops sending its body must not pin
// a connection forever: the whole request has a deadline and the client
// is told 408.
func TestHTTPStalledBodyTimesOut(t *testing.T) {
	env := newEnv(t, ServerConfig{BodyTimeout: 200 * time.Millisecond})
	conn := env.rawConn(t)
	_, err := conn.Write([]byte("POST /echo_params HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nContent-Length: 100\r\n\r\n{\"a\":"))
	require.NoError(t, err)
	require.NoError(t, conn.SetReadDeadline(time.Now().Add(10*time.Second)))
	resp, err := http.ReadResponse(bufio.NewReader(conn), nil)
	require.NoError(t, err, "the server must answer a stalled body instead of waiting forever")
	defer resp.Body.Close()
	require.Equal(t, http.StatusRequestTimeout, resp.StatusCode)
	require.Zero(t, env.b.calls.Load(), "no action runs on a partial body")
	eventually(t, func() bool { return env.s.httpInFlight.Load() == 0 }, "handler returned")
}

// A body that trickles in (a byte every 20 ms) is still cut at
// BodyTimeout: 408, connection closed, no action.
func TestHTTPTricklingBodyIsCut(t *testing.T) {
	env := newEnv(t, ServerConfig{BodyTimeout: 300 * time.Millisecond})
	conn := env.rawConn(t)
	_, err := conn.Write([]byte("POST /echo_params HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nContent-Length: 1000\r\n\r\n{\"a\":\""))
	require.NoError(t, err)
	stop := make(chan struct{})
	trickled := make(chan struct{})
	go func() {
		defer close(trickled)
		tick := time.NewTicker(20 * time.Millisecond)
		defer tick.Stop()
		for {
			select {
			case <-stop:
				return
			case <-tick.C:
				if _, err := conn.Write([]byte("x")); err != nil {
					return
				}
			}
		}
	}()
	defer func() { close(stop); <-trickled }()
	require.NoError(t, conn.SetReadDeadline(time.Now().Add(10*time.Second)))
	resp, err := http.ReadResponse(bufio.NewReader(conn), nil)
	require.NoError(t, err, "the server must cut a trickling body")
	defer resp.Body.Close()
	require.Equal(t, http.StatusRequestTimeout, resp.StatusCode)
	body, _ := io.ReadAll(resp.Body)
	assert.Contains(t, string(body), "request body not complete within 300ms")
	assert.True(t, resp.Close, "the connection is not kept for another request")
	require.Zero(t, env.b.calls.Load(), "no action runs on a partial body")
}

// A client that never reads a large reply must not pin the handler (and
// with it Shutdown's wait for in-flight calls) forever.
func TestHTTPNonReadingClientTimesOut(t *testing.T) {
	env := newEnv(t, ServerConfig{ioIdleTimeout: 200 * time.Millisecond})
	conn := env.rawConn(t)
	// echo_params answers with its params: a 12 MiB reply outgrows any
	// loopback socket buffer.
	body := `{"big":"` + strings.Repeat("x", 12<<20) + `"}`
	go func() {
		_, _ = conn.Write([]byte("POST /echo_params HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nContent-Length: " +
			strconv.Itoa(len(body)) + "\r\n\r\n" + body))
	}()
	eventually(t, func() bool { return env.b.calls.Load() == 1 }, "the action ran")
	require.Eventually(t, func() bool { return env.s.httpInFlight.Load() == 0 }, 10*time.Second, 5*time.Millisecond,
		"the handler gives up on a client that does not read its reply")
	require.Eventually(t, func() bool {
		return env.s.http.Conns() == 0
	}, 10*time.Second, 5*time.Millisecond, "the connection is closed once the reply could not be written in time")
}

// The deadlines belong to one request: a kept-alive connection that sits
// idle longer than them still serves the next request.
func TestHTTPIdleDeadlinesDoNotOutliveTheRequest(t *testing.T) {
	env := newEnv(t, ServerConfig{ioIdleTimeout: 100 * time.Millisecond, BodyTimeout: 100 * time.Millisecond})
	hc := &http.Client{Transport: &http.Transport{}}
	defer hc.CloseIdleConnections()
	reused := 0
	for i := range 3 {
		req, err := http.NewRequest(http.MethodPost, env.url+"/echo_params", strings.NewReader(`{"i":1}`))
		require.NoError(t, err)
		req.Header.Set("Content-Type", "application/json")
		req = req.WithContext(httptrace.WithClientTrace(req.Context(), &httptrace.ClientTrace{
			GotConn: func(ci httptrace.GotConnInfo) {
				if ci.Reused {
					reused++
				}
			},
		}))
		resp, err := hc.Do(req)
		require.NoError(t, err, "request %d", i)
		_, _ = io.Copy(io.Discard, resp.Body)
		resp.Body.Close()
		require.Equal(t, http.StatusOK, resp.StatusCode)
		time.Sleep(300 * time.Millisecond) // longer than both deadlines
	}
	require.Equal(t, 2, reused, "the connection stayed usable")
}

// panicData fails to encode the way a buggy value deep in a reply might.
type panicData struct{}

func (panicData) MarshalJSON() ([]byte, error) { panic("encoder bug") }

type panicBackend struct{ fakeBackend }

func (b *panicBackend) HandleAction(ctx context.Context, action string, params json.RawMessage) *onebot11.Response {
	if action == "bad_data" {
		return onebot11.OK(panicData{})
	}
	return b.fakeBackend.HandleAction(ctx, action, params)
}

// A reply that cannot be encoded is a failed reply on every transport, not
// a crash: on a WebSocket the handler runs in its own goroutine, where a
// panic would take the whole gateway down.
func TestUnencodableReplyIsAFailureNotACrash(t *testing.T) {
	b := &panicBackend{fakeBackend: *newFakeBackend()}
	s := NewServer(ServerConfig{Logger: slog.New(slog.NewTextHandler(io.Discard, nil))}, b)
	base := serve(t, s)

	ws := rawDial(t, "ws"+strings.TrimPrefix(base, "http")+"/api")
	require.NoError(t, ws.WriteMessage(websocket.TextMessage, []byte(`{"action":"bad_data","echo":"e"}`)))
	var r onebot11.Response
	require.NoError(t, json.Unmarshal(readFrame(t, ws), &r))
	require.Equal(t, "failed", r.Status)
	require.Equal(t, onebot11.RetcodeUpstream, r.Retcode)
	require.JSONEq(t, `"e"`, string(r.Echo))

	resp, err := http.Get(base + "/bad_data")
	require.NoError(t, err)
	defer resp.Body.Close()
	require.NoError(t, json.NewDecoder(resp.Body).Decode(&r))
	require.Equal(t, onebot11.RetcodeUpstream, r.Retcode)
}

// FuzzParseFrame: any WebSocket frame gets a reply that is valid JSON (the
// echo is spliced in raw, so it must have been valid JSON itself), and
// parsing never panics.
func FuzzParseFrame(f *testing.F) {
	for _, s := range []string{
		`{"action":"x","params":{},"echo":1}`, `{"echo":{"a":[1,2]}}`, `not json`, `[1]`, `null`,
		`{"action":"x","echo":"\ud800"}`, `{"action":"x","echo":01}`, `{"echo":1,"echo":2}`,
		`{"action":"x","params":` + strings.Repeat("[", 20000) + `}`, "{\"echo\":\"\xff\"}",
	} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		req, fail := parseFrame(data)
		if fail == nil {
			fail = onebot11.OK(nil)
		}
		out := encodeResponse(fail, req.Echo)
		if !stdjson.Valid(out) {
			t.Fatalf("invalid reply %q for frame %q", out, data)
		}
	})
}

func (b *panicBackend) QuickOperation(ctx context.Context, event, op json.RawMessage) error {
	if strings.Contains(string(op), "boom") {
		panic("quick operation bug")
	}
	return b.fakeBackend.QuickOperation(ctx, event, op)
}

// A webhook's answer is bot-controlled input run as a quick operation in
// the webhook sender's goroutine; a panic there must cost that operation,
// not the process (and not the following events).
func TestQuickOperationPanicIsContained(t *testing.T) {
	var n atomic.Int32
	got := make(chan string, 10)
	hook := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		body, _ := io.ReadAll(r.Body)
		got <- string(body)
		if n.Add(1) == 1 {
			_, _ = w.Write([]byte(`{"reply":"boom"}`))
			return
		}
		w.WriteHeader(http.StatusNoContent)
	}))
	defer hook.Close()
	b := &panicBackend{fakeBackend: *newFakeBackend()}
	s := NewServer(ServerConfig{Webhooks: []string{hook.URL}, Logger: slog.New(slog.NewTextHandler(io.Discard, nil))}, b)
	defer func() {
		ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		defer cancel()
		_ = s.Shutdown(ctx)
	}()
	s.Start(testCtx(t))
	s.Publish(testEvent(1))
	s.Publish(testEvent(2))
	for i := 1; i <= 2; i++ {
		select {
		case body := <-got:
			require.Equal(t, i, eventSeq(t, []byte(body)))
		case <-time.After(10 * time.Second):
			t.Fatalf("event %d never posted", i)
		}
	}
}

// panicRouteBackend panics in SelfID, which the forward WebSocket handler
// calls on the fasthttp goroutine itself (outside any worker's recover).
type panicRouteBackend struct{ fakeBackend }

func (b *panicRouteBackend) SelfID() int64 { panic("self id bug") }

// fasthttp does not recover handler panics; the server does, so one bad
// request costs a 500, not the process.
func TestHandlerPanicIsA500(t *testing.T) {
	s := NewServer(ServerConfig{Logger: slog.New(slog.NewTextHandler(io.Discard, nil))}, &panicRouteBackend{fakeBackend: *newFakeBackend()})
	base := serve(t, s)
	_, resp, err := websocket.DefaultDialer.Dial("ws"+strings.TrimPrefix(base, "http")+"/", nil)
	require.Error(t, err)
	require.NotNil(t, resp)
	assert.Equal(t, http.StatusInternalServerError, resp.StatusCode)
	r, err := http.Get(base + "/echo_params")
	require.NoError(t, err, "still serving")
	r.Body.Close()
	assert.Equal(t, http.StatusOK, r.StatusCode)
}
