package client

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/goccy/go-json"
	"github.com/qqbridge/gateway/internal/testkit"
	"github.com/qqbridge/gateway/onebot11"
	"github.com/qqbridge/gateway/onebot11/ob11fake"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func TestForwardConcurrentCallsMatchedByEcho(t *testing.T) {
	for _, numeric := range []bool{false, true} {
		t.Run(fmt.Sprintf("numeric_echo=%v", numeric), func(t *testing.T) {
			f := newFake(t, ob11fake.Options{EchoAsNumber: numeric, Token: "tok"})
			f.Handle("double", func(p json.RawMessage) ob11fake.Reply {
				var in struct{ N int }
				_ = json.Unmarshal(p, &in)
				// Later calls answer first: replies come back out of order.
				return ob11fake.Reply{Data: map[string]int{"n": in.N * 2}, Delay: time.Duration(50-in.N) * time.Millisecond / 5}
			})
			url, err := f.ListenWS("127.0.0.1:0")
			require.NoError(t, err)
			c := start(t, Config{URL: url, Token: "tok"})
			var wg sync.WaitGroup
			errs := make(chan error, 50)
			for i := range 50 {
				wg.Go(func() {
					var out struct{ N int }
					if err := c.Call(ctxT(t), "double", map[string]int{"n": i}, &out); err != nil {
						errs <- err
						return
					}
					if out.N != 2*i {
						errs <- fmt.Errorf("call %d got %d", i, out.N)
					}
				})
			}
			wg.Wait()
			close(errs)
			for err := range errs {
				t.Error(err)
			}
			for _, call := range f.CallsOf("double") {
				require.Equal(t, "Bearer tok", call.Auth, "token sent as Bearer")
			}
		})
	}
}

func TestForwardActionErrorAndMessageFields(t *testing.T) {
	f := newFake(t, ob11fake.Options{})
	f.Handle("send_like", func(json.RawMessage) ob11fake.Reply {
		// LLOneBot's form: status failed with retcode 200, text in message+wording.
		return ob11fake.Reply{Status: "failed", Retcode: 200, Message: "too many likes", Wording: "too many likes"}
	})
	f.Handle("go_cq", func(json.RawMessage) ob11fake.Reply {
		return ob11fake.Reply{Raw: nil, Status: "failed", Retcode: 100, Wording: "wording only"}
	})
	url, err := f.ListenWS("127.0.0.1:0")
	require.NoError(t, err)
	c := start(t, Config{URL: url})
	err = c.Call(ctxT(t), "send_like", map[string]any{"user_id": 1, "times": 10}, nil)
	var ae *onebot11.ActionError
	require.ErrorAs(t, err, &ae)
	require.Equal(t, "send_like", ae.Action)
	require.Equal(t, 200, ae.Retcode)
	require.Equal(t, "too many likes", ae.Message)
	err = c.Call(ctxT(t), "go_cq", nil, nil)
	require.ErrorAs(t, err, &ae)
	require.Equal(t, "wording only", ae.Message)
	err = c.Call(ctxT(t), "no_such_action", nil, nil)
	require.ErrorAs(t, err, &ae)
	require.Equal(t, 1404, ae.Retcode)
}

func TestForwardTimeout(t *testing.T) {
	f := newFake(t, ob11fake.Options{})
	f.Handle("hang", func(json.RawMessage) ob11fake.Reply { return ob11fake.Reply{NoReply: true} })
	url, err := f.ListenWS("127.0.0.1:0")
	require.NoError(t, err)
	c := start(t, Config{URL: url, Timeout: 100 * time.Millisecond})
	waitReady(t, c)
	err = c.Call(context.Background(), "hang", nil, nil)
	var ue *onebot11.UnavailableError
	require.ErrorAs(t, err, &ue)
	require.ErrorIs(t, err, context.DeadlineExceeded)
	require.Contains(t, err.Error(), "no reply within 100ms")
	// One timed-out call is not an outage.
	require.True(t, c.Ready())
	require.NoError(t, c.Call(ctxT(t), "get_status", nil, nil))
}

func TestForwardUpstreamDownFailsFast(t *testing.T) {
	f := newFake(t, ob11fake.Options{})
	url, err := f.ListenWS("127.0.0.1:0")
	require.NoError(t, err)
	f.StopListening() // the port is now closed: dials are refused
	c := start(t, Config{URL: url, Timeout: 20 * time.Second})
	startAt := time.Now()
	err = c.Call(context.Background(), "get_status", nil, nil)
	var ue *onebot11.UnavailableError
	require.ErrorAs(t, err, &ue)
	require.Less(t, time.Since(startAt), 10*time.Second, "a refused dial must fail the call, not wait for the call timeout")
	require.False(t, c.Ready())
}

// TestForwardRedialBackoff: while the upstream refuses, the redial delay
// is transport.Backoff's, as for milky/client's event stream: its ceiling
// doubles from MinBackoff up to MaxBackoff and the delay is uniform below
// it (the jitter is pinned here to half the ceiling).
func TestForwardRedialBackoff(t *testing.T) {
	obs := newObserver()
	c := build(t, Config{URL: "ws://" + testkit.FreeAddr(t), Observer: obs,
		MinBackoff: 10 * time.Millisecond, MaxBackoff: 40 * time.Millisecond})
	c.rand = func() float64 { return 0.5 }
	require.NoError(t, c.Start())
	require.Eventually(t, func() bool { return obs.reconnectCount() >= 5 }, 5*time.Second, time.Millisecond)
	attempts, delays := obs.schedule()
	assert.Equal(t, []int{1, 2, 3, 4, 5}, attempts[:5], "attempts count up while the upstream is down")
	for i, ceiling := range []float64{0.010, 0.020, 0.040, 0.040, 0.040} {
		assert.InDelta(t, ceiling/2, delays[i], 1e-9, "attempt %d: full jitter below the ceiling", i+1)
	}
}

func TestForwardCallReconnectsWhenUpstreamIsBack(t *testing.T) {
	f := newFake(t, ob11fake.Options{})
	url, err := f.ListenWS("127.0.0.1:0")
	require.NoError(t, err)
	addr := strings.TrimPrefix(url, "ws://")
	f.StopListening()
	// Long back-off: only a Call's kick can bring the connection back quickly.
	c := start(t, Config{URL: url, MinBackoff: 50 * time.Millisecond, MaxBackoff: time.Minute})
	require.Error(t, c.Call(ctxT(t), "get_status", nil, nil))
	_, err = f.ListenWS(addr)
	require.NoError(t, err)
	require.Eventually(t, func() bool { return c.Call(ctxT(t), "get_status", nil, nil) == nil },
		5*time.Second, 60*time.Millisecond)
}

func TestForwardReconnectKeepsEventOrder(t *testing.T) {
	f := newFake(t, ob11fake.Options{})
	f.Handle("hang", func(json.RawMessage) ob11fake.Reply { return ob11fake.Reply{NoReply: true} })
	url, err := f.ListenWS("127.0.0.1:0")
	require.NoError(t, err)
	col := newCollector()
	obs := newObserver()
	c := start(t, Config{URL: url, Handler: col, Observer: obs, MinBackoff: 10 * time.Millisecond, MaxBackoff: 50 * time.Millisecond})
	waitReady(t, c)
	n := 0
	for round := range 4 {
		for range 25 {
			n++
			require.NoError(t, f.Emit(ob11fake.PrivateMessage(f.SelfID(), n, "hi")))
		}
		require.Equal(t, seq(1, n), col.waitEvents(t, n))
		if round == 3 {
			break
		}
		// A call in flight when the connection drops fails at once.
		dropWithCallInFlight(t, f, c, round+1)
		waitReady(t, c)
		require.NoError(t, f.WaitConns(ctxT(t), 1))
	}
	require.Equal(t, seq(1, 100), col.waitEvents(t, 100))
	obs.mu.Lock()
	require.GreaterOrEqual(t, obs.connected, 4)
	require.GreaterOrEqual(t, obs.reconnects, 3)
	obs.mu.Unlock()
}

func TestForwardAuthRejectedNamesTheFix(t *testing.T) {
	f := newFake(t, ob11fake.Options{Token: "right"})
	url, err := f.ListenWS("127.0.0.1:0")
	require.NoError(t, err)
	c := start(t, Config{URL: url, Token: "wrong"})
	err = c.Call(ctxT(t), "get_status", nil, nil)
	require.Error(t, err)
	require.Contains(t, err.Error(), "HTTP 403")
	require.Contains(t, err.Error(), "check --upstream-token")
	require.NotContains(t, err.Error(), "wrong", "the token is never shown")
}

func TestForwardMalformedFramesSkipped(t *testing.T) {
	f := newFake(t, ob11fake.Options{})
	url, err := f.ListenWS("127.0.0.1:0")
	require.NoError(t, err)
	col := newCollector()
	obs := newObserver()
	c := start(t, Config{URL: url, Handler: col, Observer: obs, MaxFrameBytes: 4096})
	waitReady(t, c)
	require.NoError(t, f.EmitRaw([]byte("not json")))
	require.NoError(t, f.EmitRaw([]byte(`{"foo":1}`)))
	require.NoError(t, f.EmitRaw([]byte(`[1,2]`)))
	require.NoError(t, f.EmitRaw([]byte(`{"status":"ok","retcode":0,"echo":"999999"}`))) // nobody waits for it
	require.NoError(t, f.EmitRaw([]byte(`{"post_type":"message","message_id":0,"raw_message":"`+strings.Repeat("x", 5000)+`"}`)))
	require.NoError(t, f.Emit(ob11fake.PrivateMessage(f.SelfID(), 7, "ok")))
	require.Equal(t, []int{7}, col.waitEvents(t, 1))
	require.Equal(t, 3, obs.droppedOf(DropMalformed))
	require.Equal(t, 0, obs.droppedOf("unmatched"), "a late reply is not an event: no drop (and no dropped-events alert)")
	require.Equal(t, 1, obs.droppedOf(DropTooLarge))
	require.True(t, c.Ready(), "junk is never fatal")
}

func TestForwardInfoAndMetaReadiness(t *testing.T) {
	f := newFake(t, ob11fake.Options{SelfID: 3328144510, Nickname: "bot"})
	url, err := f.ListenWS("127.0.0.1:0")
	require.NoError(t, err)
	col := newCollector()
	c := start(t, Config{URL: url, Handler: col})
	waitReady(t, c)
	info, ok := c.Info()
	require.True(t, ok)
	require.Equal(t, int64(3328144510), info.SelfID)
	require.Equal(t, "bot", info.Nickname)
	require.Equal(t, "ob11fake", info.AppName)
	require.Equal(t, "1.0.0", info.AppVersion)
	require.Equal(t, "v11", info.ProtocolVersion)
	require.Contains(t, string(info.Version), `"nt_protocol":"fake"`)

	require.NoError(t, f.Emit(ob11fake.Lifecycle(f.SelfID(), "disable")))
	require.Eventually(t, func() bool { return !c.Ready() }, 5*time.Second, time.Millisecond)
	require.NoError(t, f.Emit(ob11fake.Lifecycle(f.SelfID(), "enable")))
	waitReady(t, c)
	require.NoError(t, f.Emit(ob11fake.Heartbeat(f.SelfID(), 60_000, false)))
	require.Eventually(t, func() bool { return !c.Ready() }, 5*time.Second, time.Millisecond, "online:false")
	require.NoError(t, f.Emit(ob11fake.Heartbeat(f.SelfID(), 60_000, true)))
	waitReady(t, c)
	// The last heartbeat is now older than 3× its interval: stale. (The
	// clock is moved rather than waited for: no timing in unit tests.)
	c.lastHB.Store(time.Now().Add(-181 * time.Second).UnixNano())
	require.False(t, c.Ready(), "stale heartbeat")
	require.NoError(t, f.Emit(ob11fake.Heartbeat(f.SelfID(), 60_000, true)))
	waitReady(t, c)
	// Meta events went to OnMeta (the collector implements MetaHandler), never to OnEvent.
	// Readiness changes before the handler sees the frame, so the last one
	// may still be on its way: wait for it.
	require.Eventually(t, func() bool {
		col.mu.Lock()
		defer col.mu.Unlock()
		return len(col.metas) >= 6
	}, 5*time.Second, time.Millisecond, "six meta events reach OnMeta")
	col.mu.Lock()
	require.Empty(t, col.events)
	col.mu.Unlock()
}

func TestShutdownFailsPendingAndLaterCalls(t *testing.T) {
	f := newFake(t, ob11fake.Options{})
	f.Handle("hang", func(json.RawMessage) ob11fake.Reply { return ob11fake.Reply{NoReply: true} })
	url, err := f.ListenWS("127.0.0.1:0")
	require.NoError(t, err)
	c := start(t, Config{URL: url})
	waitReady(t, c)
	callErr := make(chan error, 1)
	go func() { callErr <- c.Call(context.Background(), "hang", nil, nil) }()
	require.Eventually(t, func() bool { return len(f.CallsOf("hang")) == 1 }, 5*time.Second, time.Millisecond)
	require.NoError(t, c.Close())
	var ue *onebot11.UnavailableError
	require.ErrorAs(t, <-callErr, &ue)
	require.ErrorAs(t, c.Call(context.Background(), "get_status", nil, nil), &ue)
	require.NoError(t, f.WaitConns(ctxT(t), 0), "the connection is closed and not redialled")
	require.False(t, c.Ready())
}

func TestConfigErrors(t *testing.T) {
	for _, cfg := range []Config{
		{},
		{URL: "ftp://x"},
		{URL: "ws://"},
		{URL: "ws://a", Listen: ":1"},
		{URL: "http://a?access_token=x"},
		{URL: "ws://a", Timeout: -1},
		{URL: "ws://a", MinBackoff: time.Second, MaxBackoff: time.Millisecond},
	} {
		_, err := New(cfg)
		require.Error(t, err, "%+v", cfg)
		require.NotContains(t, err.Error(), "access_token=x")
	}
	c, err := New(Config{URL: "ws://127.0.0.1:1"})
	require.NoError(t, err)
	require.Error(t, c.Call(context.Background(), "bad action", nil, nil))
	require.False(t, errors.Is(c.Call(context.Background(), "x", nil, nil), context.Canceled))
}

// dropWithCallInFlight drops f's connections while a call that f never
// answers ("hang", its n-th) is in flight, and requires that call to fail
// as unavailable at once rather than wait out its deadline.
func dropWithCallInFlight(t *testing.T, f *ob11fake.Fake, c *Client, n int) {
	t.Helper()
	callErr := make(chan error, 1)
	go func() { callErr <- c.Call(context.Background(), "hang", nil, nil) }()
	require.Eventually(t, func() bool { return len(f.CallsOf("hang")) == n }, 5*time.Second, time.Millisecond)
	f.Drop()
	select {
	case err := <-callErr:
		var ue *onebot11.UnavailableError
		require.ErrorAs(t, err, &ue, "call %d", n)
	case <-time.After(5 * time.Second):
		t.Fatalf("call %d in flight did not fail when its connection dropped", n)
	}
}
