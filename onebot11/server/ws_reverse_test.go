package server

import (
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/qqbridge/gateway/onebot11/ob11test"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func TestReverseHeadersLifecycleAndCalls(t *testing.T) {
	for _, scheme := range []string{"", "Bearer", "Token"} {
		t.Run("scheme="+scheme, func(t *testing.T) {
			const token = "rev-tok"
			rs := ob11test.NewReverseServer(token, ob11test.ExpectSelfID(testSelfID))
			t.Cleanup(rs.Close)
			env := newEnv(t, ServerConfig{
				AccessToken: token, ReverseWS: []string{rs.URL}, ReverseAuthScheme: scheme,
				ReconnectInterval: 20 * time.Millisecond, Heartbeat: 30 * time.Millisecond,
			})
			ctx := testCtx(t)
			env.s.Start(ctx)
			rc, err := rs.Accept(ctx)
			require.NoError(t, err)

			assert.Equal(t, "10001", rc.Header.Get("X-Self-ID"))
			assert.Equal(t, "Universal", rc.Header.Get("X-Client-Role"))
			assert.True(t, strings.HasPrefix(rc.Header.Get("User-Agent"), "qqbridge-gateway"), rc.Header.Get("User-Agent"))
			want := "Bearer " + token
			if scheme == "Token" {
				want = "Token " + token
			}
			assert.Equal(t, want, rc.Header.Get("Authorization"))
			assert.Equal(t, int64(testSelfID), rc.SelfID)
			assert.Contains(t, string(rc.Lifecycle), `"sub_type":"connect"`)

			// The bot calls actions over the reverse socket.
			r, err := rc.Call(ctx, "echo_params", map[string]any{"x": 1})
			require.NoError(t, err)
			assert.Equal(t, "ok", r.Status)
			r, err = rc.Call(ctx, "nope", nil)
			require.NoError(t, err)
			assert.Equal(t, 1404, r.Retcode)

			// Heartbeats and events arrive on it.
			_, err = rc.NextEventWhere(ctx, ob11test.Event.IsHeartbeat)
			require.NoError(t, err)
			env.s.Publish(testEvent(1))
			raw, err := rc.NextEventWhere(ctx, func(e ob11test.Event) bool { return e.PostType == "message" })
			require.NoError(t, err)
			assert.Equal(t, 1, eventSeq(t, raw))
			assert.Empty(t, rs.Rejections())
		})
	}
}

func TestReverseWrongTokenKeepsRetrying(t *testing.T) {
	rs := ob11test.NewReverseServer("right")
	t.Cleanup(rs.Close)
	env := newEnv(t, ServerConfig{AccessToken: "wrong", ReverseWS: []string{rs.URL}, ReconnectInterval: 10 * time.Millisecond})
	env.s.Start(testCtx(t))
	eventually(t, func() bool { return len(rs.Rejections()) >= 3 }, "several refused dials")
	for _, r := range rs.Rejections() {
		assert.Equal(t, http.StatusForbidden, r.Status)
	}
	assert.Empty(t, rs.Connections())
}

func TestReverseWaitsForSelfID(t *testing.T) {
	rs := ob11test.NewReverseServer("")
	t.Cleanup(rs.Close)
	env := newEnv(t, ServerConfig{ReverseWS: []string{rs.URL}, ReconnectInterval: 10 * time.Millisecond})
	env.b.selfID.Store(0)
	ctx := testCtx(t)
	env.s.Start(ctx)
	env.s.Publish(testEvent(1)) // waits in the queue meanwhile
	time.Sleep(100 * time.Millisecond)
	assert.Empty(t, rs.Connections(), "must not dial with X-Self-ID 0")
	assert.Empty(t, rs.Rejections())
	env.b.selfID.Store(testSelfID)
	rc, err := rs.Accept(ctx)
	require.NoError(t, err)
	assert.Equal(t, "10001", rc.Header.Get("X-Self-ID"))
	raw, err := rc.NextEvent(ctx)
	require.NoError(t, err)
	assert.Equal(t, 1, eventSeq(t, raw))
}

func TestReverseReconnectAfterDrop(t *testing.T) {
	_, rs, ctx := startReverseEnv(t, ServerConfig{ReconnectInterval: 10 * time.Millisecond})
	rc, err := rs.Accept(ctx)
	require.NoError(t, err)
	rc.Kill()
	rc2, err := rs.Accept(ctx)
	require.NoError(t, err)
	assert.Contains(t, string(rc2.Lifecycle), "lifecycle", "lifecycle is first on every connection")
	r, err := rc2.Call(ctx, "echo_params", nil)
	require.NoError(t, err)
	assert.Equal(t, "ok", r.Status)

	// An orderly close from the bot (even 1000) is also followed by a reconnect.
	rc2.CloseWith(1000, "bye")
	rc3, err := rs.Accept(ctx)
	require.NoError(t, err)
	_, err = rc3.Call(ctx, "echo_params", nil)
	require.NoError(t, err)
	assert.Empty(t, rs.Rejections(), "old socket closed before redial: no duplicate refused")
}

func TestReverseEventsQueuedWhileDisconnected(t *testing.T) {
	env, rs, ctx := startReverseEnv(t, ServerConfig{ReconnectInterval: 10 * time.Millisecond})
	seq := 0
	next := func() { seq++; env.s.Publish(testEvent(seq)) }
	expect := 1
	var rc *ob11test.ReverseConn
	for round := range 5 {
		var err error
		rc, err = rs.Accept(ctx)
		require.NoError(t, err)
		for range 5 {
			next()
		}
		// Everything published so far arrives in order, exactly once.
		for expect <= seq {
			raw, err := rc.NextEvent(ctx)
			require.NoError(t, err, "round %d", round)
			require.Equal(t, expect, eventSeq(t, raw), "round %d", round)
			expect++
		}
		// The bot goes down; events published meanwhile wait.
		rs.SetDown(true)
		rc.Kill()
		eventually(t, func() bool { return env.s.Connections()["ws_reverse"] == 0 }, "disconnect noticed")
		for range 20 {
			next()
		}
		eventually(t, func() bool { return len(rs.Rejections()) > round }, "gateway retried while the bot was down")
		rs.SetDown(false)
	}
	rc, err := rs.Accept(ctx)
	require.NoError(t, err)
	for expect <= seq {
		raw, err := rc.NextEvent(ctx)
		require.NoError(t, err)
		require.Equal(t, expect, eventSeq(t, raw))
		expect++
	}
	select {
	case raw := <-rc.Events():
		t.Fatalf("unexpected extra event %s", raw)
	case <-time.After(50 * time.Millisecond):
	}
}

func TestReverseReconnectsLeakNothing(t *testing.T) {
	env, rs, ctx := startReverseEnv(t, ServerConfig{ReconnectInterval: 5 * time.Millisecond, Heartbeat: 5 * time.Millisecond})
	rc, err := rs.Accept(ctx)
	require.NoError(t, err)
	_, err = rc.Call(ctx, "echo_params", nil)
	require.NoError(t, err)
	base := ownGoroutines()

	for i := range 20 {
		env.s.Publish(testEvent(i))
		rc.Kill()
		rc, err = rs.Accept(ctx)
		require.NoError(t, err)
		_, err = rc.Call(ctx, "echo_params", nil)
		require.NoError(t, err)
	}
	// Killed test-side connections release their goroutines once read.
	for _, c := range rs.Connections()[:len(rs.Connections())-1] {
		<-c.Done()
		for range c.Events() {
		}
		for range c.Others() {
		}
	}
	settleGoroutines(t, base+2)
	assert.Equal(t, 1, env.s.Connections()["ws_reverse"])
	assert.Empty(t, rs.Rejections())
	assert.Len(t, rs.Connections(), 21)
}

// Targets are logged and labelled by their URL with the secrets masked
// (transport.RedactURL), so operators can still tell them apart.
func TestTargetLabelsAreRedacted(t *testing.T) {
	env := newEnv(t, ServerConfig{
		ReverseWS: []string{"ws://user:pw@host:8080/onebot/v11/ws?access_token=secret#x"},
		Webhooks:  []string{"http://host/post?token=abc&x=1"},
	})
	assert.Equal(t, "ws://%2A%2A%2A@host:8080/onebot/v11/ws?access_token=***", env.s.reverse[0].label)
	assert.Equal(t, "http://host/post?token=***&x=1", env.s.webhooks[0].label)
}
