package bridge_test

// Gateway lifecycle: a failed Start, and Shutdown (going-away closes, a
// prompt return, a deadline that an upstream cannot stretch).

import (
	"context"
	"net"
	"net/http"
	"net/http/httptest"
	"net/http/httputil"
	"net/url"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/qqbridge/gateway/bridge"
	"github.com/qqbridge/gateway/onebot11/ob11test"
	"github.com/qqbridge/gateway/simulator"
)

// TestStart_BusyPortReleasesEverything: a Start that fails (the listen
// port is taken) reports the address and leaves nothing behind: the same
// data directory opens at once in the next gateway, as when an operator
// fixes --listen and starts again in the same process (tests, embedders).
func TestStart_BusyPortReleasesEverything(t *testing.T) {
	busy, err := net.Listen("tcp", "127.0.0.1:0")
	require.NoError(t, err)
	t.Cleanup(func() { busy.Close() })
	dir := t.TempDir()
	_, simURL := startSim(t, simulator.Options{})

	for _, opts := range []bridge.Options{
		{Listen: busy.Addr().String()},
		{Listen: "127.0.0.1:0", MetricsListen: busy.Addr().String()},
	} {
		opts.DataDir, opts.Logger, opts.UpstreamURL = dir, testLogger(), simURL
		g := bridge.NewOneBotOnMilky(opts, nil)
		err := g.Start(context.Background())
		require.Error(t, err)
		assert.Contains(t, err.Error(), busy.Addr().String())
		// Shutdown after a failed Start is harmless.
		assert.NoError(t, g.Shutdown(context.Background()))
	}

	e := startGateway(t, bridge.Options{DataDir: dir}, nil, true)
	r := call(t, e.dial("/", ""), "get_login_info", nil)
	assert.Equal(t, "ok", r.Status)
}

// TestShutdown_GoingAway: Shutdown closes forward and reverse sockets with
// 1001 after delivering what was already published, returns without
// error, and the ports stop answering.
func TestShutdown_GoingAway(t *testing.T) {
	rs := ob11test.NewReverseServer("")
	t.Cleanup(rs.Close)
	e := startGateway(t, bridge.Options{ReverseWS: []string{rs.URL}, Heartbeat: time.Hour}, nil, true)
	fwd := e.dial("/", "")
	rev, err := rs.Accept(ctx(t))
	require.NoError(t, err)

	g, member := e.groupA()
	e.sim.ReceiveGroupMessage(g, member, text("last words"))
	nextMessage(t, fwd, "message", "last words")
	nextMessage(t, rev, "message", "last words")

	sctx, cancel := context.WithTimeout(context.Background(), wait)
	defer cancel()
	require.NoError(t, e.g.Shutdown(sctx))
	for name, c := range map[string]*ob11test.Conn{"forward": fwd.Conn, "reverse": rev.Conn} {
		code, err := c.WaitClosed(ctx(t))
		require.NoError(t, err, name)
		assert.Equal(t, 1001, code, "%s close code", name)
	}
	_, err = http.Get(e.base + "/get_status")
	assert.Error(t, err, "the OneBot port is closed after Shutdown")
	_, err = http.Get(e.metrics + "/healthz")
	assert.Error(t, err, "the metrics port is closed after Shutdown")
}

// TestShutdown_PromptAfterCallBurst: after a burst of parallel calls the
// built-in simulator's server holds connections the upstream client dialled
// but never used; Shutdown must not sit out net/http's 5s wait for them.
func TestShutdown_PromptAfterCallBurst(t *testing.T) {
	e := startGateway(t, bridge.Options{}, nil, true)
	c := e.dial("/", "")
	g, member := e.groupA()
	const n = 64
	errs := make(chan error, n)
	for range n {
		go func() {
			_, err := c.Call(ctx(t), "get_group_member_info", map[string]any{"group_id": g, "user_id": member})
			errs <- err
		}()
	}
	for range n {
		require.NoError(t, <-errs)
	}
	start := time.Now()
	sctx, cancel := context.WithTimeout(context.Background(), wait)
	defer cancel()
	require.NoError(t, e.g.Shutdown(sctx))
	assert.Less(t, time.Since(start), 4*time.Second, "Shutdown with nothing in flight")
}

// TestShutdown_GraceExpiresWithActionStuckUpstream: an action the upstream
// never answers cannot hold Shutdown past its deadline; Shutdown reports
// the expiry, and the action finishing later (after the id store closed)
// harms nothing.
func TestShutdown_GraceExpiresWithActionStuckUpstream(t *testing.T) {
	sim, simURL := startSim(t, simulator.Options{})
	target, err := url.Parse(simURL)
	require.NoError(t, err)
	proxy := httputil.NewSingleHostReverseProxy(target) // passes /event WebSockets and SSE through
	release := make(chan struct{})
	entered := make(chan struct{}, 1)
	stuck := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Path == "/api/send_group_message" {
			entered <- struct{}{}
			<-release
		}
		proxy.ServeHTTP(w, r)
	}))
	t.Cleanup(stuck.Close)
	var once sync.Once
	free := func() { once.Do(func() { close(release) }) }
	t.Cleanup(free) // before stuck.Close runs (cleanups are LIFO)

	e := startGateway(t, bridge.Options{UpstreamURL: stuck.URL, DataDir: t.TempDir()}, sim, true)
	g, _ := e.groupA()
	result := make(chan *ob11test.HTTPResult, 1)
	go func() {
		res, _ := e.http("", ob11test.AuthNone).PostJSON(context.Background(), "send_group_msg", map[string]any{"group_id": g, "message": "stuck"})
		result <- res
	}()
	select {
	case <-entered:
	case <-time.After(wait):
		t.Fatal("the call never reached the upstream")
	}

	sctx, cancel := context.WithTimeout(context.Background(), 300*time.Millisecond)
	defer cancel()
	start := time.Now()
	err = e.g.Shutdown(sctx)
	assert.Error(t, err, "the grace period expired with an action in flight")
	assert.Less(t, time.Since(start), 5*time.Second, "Shutdown honours its deadline")

	// The upstream answers after all: the late action must not crash the
	// process on the closed id store.
	free()
	select {
	case <-result:
	case <-time.After(wait):
		t.Fatal("the stuck call never ended")
	}
}
