package server

import (
	"bytes"
	"context"
	"fmt"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/goccy/go-json"
	"github.com/gorilla/websocket"
	"github.com/qqbridge/gateway/onebot11/ob11test"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// rawDial opens a plain gorilla connection (no lifecycle handling).
func rawDial(t *testing.T, url string) *websocket.Conn {
	t.Helper()
	ws, _, err := websocket.DefaultDialer.Dial(url, nil)
	require.NoError(t, err)
	t.Cleanup(func() { ws.Close() })
	return ws
}

func readFrame(t *testing.T, ws *websocket.Conn) []byte {
	t.Helper()
	require.NoError(t, ws.SetReadDeadline(time.Now().Add(5*time.Second)))
	_, b, err := ws.ReadMessage()
	require.NoError(t, err)
	return b
}

func TestLifecycleFirstFrame(t *testing.T) {
	env := newEnv(t, ServerConfig{Heartbeat: time.Hour})
	ctx := testCtx(t)
	for _, path := range []string{"/", "/event", "/ws", "/ws/", "/onebot/v11/ws", "/onebot/v11/ws/event", "/event/"} {
		t.Run(path, func(t *testing.T) {
			cl, err := ob11test.DialForward(ctx, env.ws(path), "")
			require.NoError(t, err)
			defer cl.Close()
			var ev map[string]any
			require.NoError(t, json.Unmarshal(cl.Lifecycle, &ev))
			assert.Equal(t, "meta_event", ev["post_type"])
			assert.Equal(t, "lifecycle", ev["meta_event_type"])
			assert.Equal(t, "connect", ev["sub_type"])
			assert.EqualValues(t, testSelfID, ev["self_id"])
			assert.InDelta(t, time.Now().Unix(), ev["time"], 5)
			assert.Equal(t, int64(testSelfID), cl.SelfID)
		})
	}
	for _, path := range []string{"/api", "/api/", "/ws/api", "/onebot/v11/ws/api"} {
		t.Run(path, func(t *testing.T) {
			ws := rawDial(t, env.ws(path))
			require.NoError(t, ws.WriteMessage(websocket.TextMessage, []byte(`{"action":"echo_params","echo":7}`)))
			first := readFrame(t, ws)
			assert.Contains(t, string(first), `"echo":7`, "the first frame on /api is the reply, not a lifecycle event")
			assert.NotContains(t, string(first), "lifecycle")
		})
	}
}

func TestEchoByteForByte(t *testing.T) {
	env := newEnv(t, ServerConfig{})
	ws := rawDial(t, env.ws("/"))
	readFrame(t, ws) // lifecycle
	echoes := []string{
		`1`, `-0`, `12345678901234567890123`, `1.50e3`, `"abc"`, `"\u00e9\/ 你好"`, `""`,
		`{"a" : [1, 2.50], "b":{"c":null}}`, `[ 1 ,"x" ]`, `true`, `null`,
	}
	for _, e := range echoes {
		require.NoError(t, ws.WriteMessage(websocket.TextMessage, []byte(`{"action":"echo_params","params":{},"echo":`+e+`}`)))
	}
	require.NoError(t, ws.WriteMessage(websocket.TextMessage, []byte(`{"action":"echo_params","params":{"n":1}}`)))
	got := map[string]bool{}
	noEcho := 0
	for range len(echoes) + 1 {
		f := readFrame(t, ws)
		var r struct {
			Status string          `json:"status"`
			Echo   json.RawMessage `json:"echo"`
		}
		require.NoError(t, json.Unmarshal(f, &r), string(f))
		assert.Equal(t, "ok", r.Status)
		if !bytes.Contains(f, []byte(`"echo"`)) {
			noEcho++
			continue
		}
		got[string(r.Echo)] = true
		assert.True(t, bytes.HasSuffix(f, []byte(`,"echo":`+string(r.Echo)+`}`)), "echo spliced verbatim: %s", f)
	}
	assert.Equal(t, 1, noEcho, "a request without echo gets a reply without echo")
	for _, e := range echoes {
		assert.True(t, got[e], "echo %s came back byte for byte (got %v)", e, got)
	}
}

func TestWSBadFrames(t *testing.T) {
	env := newEnv(t, ServerConfig{})
	ws := rawDial(t, env.ws("/event"))
	readFrame(t, ws)
	for _, tc := range []struct {
		frame   string
		retcode int
		echo    string // "" = no echo in reply
	}{
		{`not json`, 1400, ""},
		{`{"action":5,"echo":"e1"}`, 1400, `"e1"`},
		{`{"action":"echo_params","params":[1],"echo":2}`, 1400, `2`},
		{`{"action":"echo_params","params":"x","echo":3}`, 1400, `3`},
		{`{"params":{},"echo":{"id" : 4}}`, 1400, `{"id" : 4}`},
		{`[1,2]`, 1400, ""},
		{`{"action":"no_such","echo":5}`, 1404, `5`},
		{`{"action":"bad","echo":6}`, 1400, `6`},
		{`{"action":"echo_params","echo":7}`, 0, `7`},
	} {
		require.NoError(t, ws.WriteMessage(websocket.TextMessage, []byte(tc.frame)))
		f := readFrame(t, ws)
		var r struct {
			Status  string          `json:"status"`
			Retcode int             `json:"retcode"`
			Echo    json.RawMessage `json:"echo"`
		}
		require.NoError(t, json.Unmarshal(f, &r), string(f))
		assert.Equal(t, tc.retcode, r.Retcode, "%s → %s", tc.frame, f)
		assert.Equal(t, tc.echo, string(r.Echo), "%s → %s", tc.frame, f)
		if tc.retcode != 0 {
			assert.Equal(t, "failed", r.Status)
		}
	}
}

func TestWSCallsOnEveryPathAndBothEchoKinds(t *testing.T) {
	env := newEnv(t, ServerConfig{})
	ctx := testCtx(t)
	for _, path := range []string{"/", "/event", "/api"} {
		for _, opts := range [][]ob11test.Option{nil, {ob11test.WithStringEcho()}} {
			cl, err := ob11test.DialForward(ctx, env.ws(path), "", opts...)
			require.NoError(t, err)
			var wg sync.WaitGroup
			for i := range 20 {
				wg.Go(func() {
					r, err := cl.Call(ctx, "sleep", map[string]any{"ms": 5, "i": i})
					if assert.NoError(t, err) {
						assert.Equal(t, "ok", r.Status)
						assert.JSONEq(t, `"slept"`, string(r.Data))
					}
				})
			}
			wg.Wait()
			r, err := cl.Call(ctx, "no_such", nil)
			require.NoError(t, err)
			assert.Equal(t, 1404, r.Retcode)
			_ = cl.Close()
		}
	}
}

func TestWSRequestsRunConcurrently(t *testing.T) {
	env := newEnv(t, ServerConfig{})
	ctx := testCtx(t)
	cl, err := ob11test.DialForward(ctx, env.ws("/"), "")
	require.NoError(t, err)
	defer cl.Close()
	blocked := make(chan error, 1)
	go func() {
		_, err := cl.Call(ctx, "block", nil)
		blocked <- err
	}()
	<-env.b.blockIn
	// A later call is answered while the first is still running.
	r, err := cl.Call(ctx, "echo_params", nil)
	require.NoError(t, err)
	assert.Equal(t, "ok", r.Status)
	env.b.release()
	require.NoError(t, <-blocked)
}

func TestHeartbeat(t *testing.T) {
	env := newEnv(t, ServerConfig{Heartbeat: 40 * time.Millisecond})
	ctx := testCtx(t)
	for _, path := range []string{"/", "/event"} {
		cl, err := ob11test.DialForward(ctx, env.ws(path), "")
		require.NoError(t, err)
		for range 2 {
			raw, err := cl.NextEvent(ctx)
			require.NoError(t, err)
			var hb map[string]any
			require.NoError(t, json.Unmarshal(raw, &hb))
			assert.Equal(t, "meta_event", hb["post_type"])
			assert.Equal(t, "heartbeat", hb["meta_event_type"])
			assert.EqualValues(t, 40, hb["interval"])
			assert.EqualValues(t, testSelfID, hb["self_id"])
			assert.NotZero(t, hb["time"])
			assert.Equal(t, map[string]any{"online": true, "good": true}, hb["status"])
		}
		_ = cl.Close()
	}
	// /api never gets heartbeats.
	ws := rawDial(t, env.ws("/api"))
	require.NoError(t, ws.SetReadDeadline(time.Now().Add(200*time.Millisecond)))
	_, f, err := ws.ReadMessage()
	require.Error(t, err, "unexpected frame on /api: %s", f)
}

func TestPublishFanOut(t *testing.T) {
	env := newEnv(t, ServerConfig{})
	ctx := testCtx(t)
	root, err := ob11test.DialForward(ctx, env.ws("/"), "")
	require.NoError(t, err)
	event, err := ob11test.DialForward(ctx, env.ws("/event"), "")
	require.NoError(t, err)
	api := rawDial(t, env.ws("/api"))
	eventually(t, func() bool { return env.s.Connections()["ws_forward"] == 3 }, "3 forward connections")

	for i := 1; i <= 50; i++ {
		env.s.Publish(testEvent(i))
	}
	for _, cl := range []*ob11test.WSClient{root, event} {
		for i := 1; i <= 50; i++ {
			raw, err := cl.NextEvent(ctx)
			require.NoError(t, err)
			assert.Equal(t, i, eventSeq(t, raw))
			assert.JSONEq(t, string(testEvent(i)), string(raw), "events are passed through untouched")
		}
	}
	require.NoError(t, api.SetReadDeadline(time.Now().Add(100*time.Millisecond)))
	_, f, err := api.ReadMessage()
	require.Error(t, err, "/api must not receive events, got %s", f)
}

func TestSlowForwardClientDoesNotBlockOthers(t *testing.T) {
	env := newEnv(t, ServerConfig{QueueSize: 10})
	// 25 MiB to each client: a loaded -race run needs longer than the
	// usual guard to move it; the guard is only against a hang.
	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	t.Cleanup(cancel)
	// A client that never reads: its socket buffers fill, then its queue
	// drops oldest.
	stuck := rawDial(t, env.ws("/"))
	readFrame(t, stuck)
	fast, err := ob11test.DialForward(ctx, env.ws("/"), "")
	require.NoError(t, err)
	eventually(t, func() bool { return env.s.Connections()["ws_forward"] == 2 }, "2 forward connections")

	big := bytes.Repeat([]byte("x"), 64<<10)
	const n = 400 // 25 MiB to the stuck client, more than the socket buffers
	done := make(chan struct{})
	go func() {
		defer close(done)
		for i := 1; i <= n; i++ {
			env.s.Publish(fmt.Appendf(nil, `{"post_type":"message","message_id":%d,"pad":"%s"}`, i, big))
		}
	}()
	select {
	case <-done:
	case <-time.After(30 * time.Second):
		// A blocked Publish never returns; 30s only keeps a loaded -race
		// run (400 × 64 KiB) from passing for one.
		t.Fatal("Publish blocked on a slow client")
	}
	// The fast client reads every event it could keep up with, in order,
	// with nothing duplicated.
	last := 0
	for last < n {
		raw, err := fast.NextEvent(ctx)
		require.NoError(t, err)
		seq := eventSeq(t, raw)
		require.Greater(t, seq, last)
		last = seq
	}
	eventually(t, func() bool { return env.obs.get(&env.obs.drops, "ws_forward/buffer_full") > 0 }, "drops counted")
}

func TestWSMessageTooBig(t *testing.T) {
	env := newEnv(t, ServerConfig{MaxBodyBytes: 1024})
	ws := rawDial(t, env.ws("/"))
	readFrame(t, ws)
	frame := `{"action":"echo_params","params":{"a":"` + strings.Repeat("x", 1000) + `"}}`
	require.NoError(t, ws.WriteMessage(websocket.TextMessage, []byte(frame)))
	for {
		require.NoError(t, ws.SetReadDeadline(time.Now().Add(5*time.Second)))
		_, _, err := ws.ReadMessage()
		if err != nil {
			assert.True(t, websocket.IsCloseError(err, websocket.CloseMessageTooBig), "want close 1009, got %v", err)
			return
		}
	}
}

func TestForwardDisconnectsLeakNothing(t *testing.T) {
	env := newEnv(t, ServerConfig{Heartbeat: 10 * time.Millisecond})
	ctx := testCtx(t)
	base := ownGoroutines()
	for i := range 20 {
		cl, err := ob11test.DialForward(ctx, env.ws("/"), "")
		require.NoError(t, err)
		_, err = cl.Call(ctx, "echo_params", nil)
		require.NoError(t, err)
		env.s.Publish(testEvent(i))
		if i%2 == 0 {
			cl.Kill()
			<-cl.Done()
			// Kill keeps unread events readable; Close releases the test
			// client's own event pipe so only the server is measured.
			_ = cl.Close()
		} else {
			_ = cl.Close()
		}
	}
	eventually(t, func() bool { return env.s.Connections()["ws_forward"] == 0 }, "all forward connections gone")
	settleGoroutines(t, base+2)
}

func TestWSClientDisconnectMidCall(t *testing.T) {
	env := newEnv(t, ServerConfig{})
	ctx := testCtx(t)
	cl, err := ob11test.DialForward(ctx, env.ws("/"), "")
	require.NoError(t, err)
	go func() { _, _ = cl.Call(context.Background(), "block", nil) }()
	<-env.b.blockIn
	cl.Kill()
	eventually(t, func() bool { return env.s.Connections()["ws_forward"] == 0 }, "connection dropped")
	// The running action still completes; its reply is discarded quietly.
	env.b.release()
}
