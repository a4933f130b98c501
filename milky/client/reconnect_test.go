package client

import (
	"context"
	"sync/atomic"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"github.com/valyala/fasthttp"

	"github.com/qqbridge/gateway/internal/testkit"
	"github.com/qqbridge/gateway/milky"
	"github.com/qqbridge/gateway/milky/server"
)

// Milky has no replay: events the upstream emits while the gateway's
// stream is down are lost. So the stream must not sit out a long backoff
// after the upstream is back.

func loginAPI() milky.APIHandler {
	return apiFunc(func(context.Context, string, []byte) (any, error) {
		return milky.GetLoginInfoOutput{Uin: 10001, Nickname: "bot"}, nil
	})
}

func TestStreamBackoffIsCapped(t *testing.T) {
	sc, err := StreamConfig{}.withDefaults()
	require.NoError(t, err)
	assert.Equal(t, 250*time.Millisecond, sc.MinBackoff)
	assert.Equal(t, 5*time.Second, sc.MaxBackoff, "the default cap: at most this long deaf after the upstream is back")

	// Down for many backoff periods (uncapped, the 12th delay would be
	// 2^11 times the first), then back.
	addr := testkit.FreeAddr(t)
	obs := &fakeObserver{}
	c := newTestClient(t, "http://"+addr, func(cfg *ClientConfig) { cfg.Observer = obs; cfg.Logger = quietLog })
	c.rand = func() float64 { return 0.999 } // the longest delay jitter allows
	runStream(t, c, StreamConfig{MinBackoff: time.Millisecond, MaxBackoff: 8 * time.Millisecond}, &collector{})
	require.Eventually(t, func() bool { _, _, r := obs.counts(); return r >= 12 }, waitLong, time.Millisecond)
	obs.mu.Lock()
	assert.Equal(t, seqInts(1, 12), obs.reconnects[:12], "attempts count up while the upstream is down")
	for i, d := range obs.delays[:12] {
		ceiling := min(float64(time.Millisecond<<i), float64(8*time.Millisecond)) / float64(time.Second)
		assert.InDelta(t, ceiling*0.999, d, 1e-9, "attempt %d waits the capped ceiling", i+1)
	}
	obs.mu.Unlock()

	s, _ := servePeerOn(t, addr, server.Config{})
	require.Eventually(t, func() bool { return s.Subscribers() == 1 }, waitLong, time.Millisecond)
	require.Eventually(t, c.StreamConnected, waitLong, time.Millisecond)
}

// A successful API call while the stream waits shows the upstream is back:
// the stream reconnects at once instead of sleeping out its delay.
func TestStreamReconnectsAtOnceAfterSuccessfulCall(t *testing.T) {
	addr := testkit.FreeAddr(t)
	obs := &fakeObserver{}
	c := newTestClient(t, "http://"+addr, func(cfg *ClientConfig) { cfg.Observer = obs; cfg.Logger = quietLog })
	c.rand = func() float64 { return 0.999 }
	runStream(t, c, StreamConfig{MinBackoff: time.Hour, MaxBackoff: time.Hour}, &collector{})
	require.Eventually(t, func() bool { _, _, r := obs.counts(); return r == 1 }, waitLong, time.Millisecond,
		"the first dial failed and the stream waits an hour")

	s, _ := servePeerOn(t, addr, server.Config{API: loginAPI()})
	require.NoError(t, c.Call(context.Background(), milky.APIGetLoginInfo, nil, nil))
	require.Eventually(t, func() bool { return s.Subscribers() == 1 }, waitLong, time.Millisecond,
		"the stream came back right after the call, not an hour later")
	require.Eventually(t, c.StreamConnected, waitLong, time.Millisecond)
	_, _, r := obs.counts()
	assert.Equal(t, 1, r, "no further reconnect was scheduled")
}

// When /event keeps failing while /api works, calls must not turn into a
// dial each: a woken attempt that fails waits its full delay.
func TestStreamWakeDoesNotStormABrokenEventEndpoint(t *testing.T) {
	var dials atomic.Int32
	_, base := servePeer(t, server.Config{API: loginAPI(), Routes: map[string]fasthttp.RequestHandler{
		"/event": func(ctx *fasthttp.RequestCtx) {
			dials.Add(1)
			ctx.Error("event stream unavailable", fasthttp.StatusServiceUnavailable)
		},
	}})
	obs := &fakeObserver{}
	c := newTestClient(t, base, func(cfg *ClientConfig) { cfg.Observer = obs; cfg.Logger = quietLog })
	c.rand = func() float64 { return 0.999 }
	runStream(t, c, StreamConfig{MinBackoff: time.Hour, MaxBackoff: time.Hour}, &collector{})
	require.Eventually(t, func() bool { _, _, r := obs.counts(); return r == 1 }, waitLong, time.Millisecond)

	require.NoError(t, c.Call(context.Background(), milky.APIGetLoginInfo, nil, nil))
	require.Eventually(t, func() bool { _, _, r := obs.counts(); return r == 2 }, waitLong, time.Millisecond,
		"the call woke the stream, whose dial failed again")
	for range 20 {
		require.NoError(t, c.Call(context.Background(), milky.APIGetLoginInfo, nil, nil))
	}
	// Let a wrongly woken dial show up: the stream reports each failure.
	require.Never(t, func() bool { _, _, r := obs.counts(); return r > 2 }, 100*time.Millisecond, 5*time.Millisecond)
	assert.Equal(t, int32(2), dials.Load(), "the first dial and one woken by a call")
}

func seqInts(from, to int) []int {
	var out []int
	for i := from; i <= to; i++ {
		out = append(out, i)
	}
	return out
}
