package bridge_test

import (
	"context"
	"net"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/gorilla/websocket"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/qqbridge/gateway/bridge"
	"github.com/qqbridge/gateway/internal/testkit"
	"github.com/qqbridge/gateway/milky/milkytest"
	translate "github.com/qqbridge/gateway/translate/milkyob11"
)

// Readiness follows the upstream, and a drain delivers what was published
// before closing /event sockets with 1001.

// TestMilkyStart_BusyPortReleasesEverything is the first direction's
// TestStart_BusyPortReleasesEverything: a Start that fails on a taken
// port (the Milky port, or the metrics port once the Milky port is bound
// but not yet served) reports the address and leaves nothing behind.
func TestMilkyStart_BusyPortReleasesEverything(t *testing.T) {
	busy, err := net.Listen("tcp", "127.0.0.1:0")
	require.NoError(t, err)
	t.Cleanup(func() { busy.Close() })
	dir := t.TempDir()
	up := startOneBotUpstream(t, bridge.Options{AccessToken: obToken})

	for _, opts := range []bridge.Options{
		{Listen: busy.Addr().String()},
		{Listen: "127.0.0.1:0", MetricsListen: busy.Addr().String()},
	} {
		opts.DataDir, opts.UpstreamURL, opts.UpstreamToken = dir, "ws://"+up.rt.Addr()+"/", obToken
		gatewayDefaults(&opts)
		g := bridge.NewMilkyOnOneBot(opts, nil)
		err := g.Start(context.Background())
		require.Error(t, err)
		assert.Contains(t, err.Error(), busy.Addr().String())
		// Shutdown after a failed Start is harmless.
		assert.NoError(t, g.Shutdown(context.Background()))
	}

	m := startMilkyGateway(t, bridge.Options{DataDir: dir, UpstreamURL: "ws://" + up.rt.Addr() + "/", UpstreamToken: obToken}, true)
	m.call("get_login_info", nil, nil)
}

func TestMilkyReadinessFollowsUpstream(t *testing.T) {
	addr := testkit.FreeAddr(t)
	const timeout = 5 * time.Second
	m := startMilkyGateway(t, bridge.Options{UpstreamURL: "ws://" + addr + "/", UpstreamToken: obToken, UpstreamTimeout: timeout}, false)

	failsFast := func(when string) {
		t.Helper()
		start := time.Now()
		r := m.callResp("get_login_info", nil)
		require.Less(t, time.Since(start), timeout, "%s: the call waited for the upstream timeout", when)
		require.Equal(t, http.StatusOK, r.HTTPStatus, "%s: %s", when, r.Raw)
		require.Equal(t, "failed", r.Status, "%s: %s", when, r.Raw)
		require.Equal(t, translate.RetcodeUnreachable, r.Retcode, "%s: %s", when, r.Raw)
		require.Contains(t, r.Message, "unreachable")
	}

	code, body := m.readyz()
	require.Equal(t, http.StatusServiceUnavailable, code, "%v", body)
	require.Equal(t, false, body["account_known"])
	failsFast("before the upstream exists")

	up := startOneBotUpstream(t, bridge.Options{AccessToken: obToken, Listen: addr})
	m.waitReady()
	_, body = m.readyz()
	require.EqualValues(t, up.sim.SelfID(), body["self_id"])
	require.Equal(t, "onebot11", body["upstream_protocol"])
	require.Equal(t, "milky", body["downstream_protocol"])

	up.stop()
	eventually(t, "/readyz 503 after the upstream went away", func() bool {
		code, _ := m.readyz()
		return code == http.StatusServiceUnavailable
	})
	failsFast("while the upstream is away")

	up.start()
	m.waitReady()
	group, _ := up.groupA()
	m.sendGroup(group, "back again")
}

func TestMilkyDrainClosesWith1001(t *testing.T) {
	up := startOneBotUpstream(t, bridge.Options{AccessToken: obToken})
	m := startMilkyGateway(t, bridge.Options{UpstreamURL: up.ws, UpstreamToken: obToken, AccessToken: milkyToken}, true)
	c := ctx(t)
	ws := m.events()
	// A subscriber that reads nothing until the drain is over: its events
	// must still be there, before the close frame.
	hdr := http.Header{"Authorization": {"Bearer " + milkyToken}}
	idle, _, err := websocket.DefaultDialer.DialContext(c, "ws"+strings.TrimPrefix(m.base, "http")+"/event", hdr)
	require.NoError(t, err)
	t.Cleanup(func() { _ = idle.Close() })
	sse, err := milkytest.OpenSSE(c, m.base, milkyToken, milkytest.AuthQuery)
	require.NoError(t, err)
	t.Cleanup(func() { _ = sse.Close() })
	sentinel := m.events()

	group, member := up.groupA()
	const n = 50
	for i := 0; i < n; i++ {
		up.sim.ReceiveGroupMessage(group, member, text(numbered("drain", i)))
	}
	// The sentinel has the last one: all n are published to every queue.
	nextMilkyMessage(t, sentinel, numbered("drain", n-1))
	m.shutdown()

	for name, s := range map[string]*milkytest.Stream{"ws": ws, "sse": sse} {
		for i := 0; i < n; i++ {
			got := nextMilkyMessage(t, s, "drain #")
			require.Equal(t, numbered("drain", i), got.text(), "%s: in order, none lost", name)
		}
		select {
		case <-s.Done():
		case <-c.Done():
			t.Fatalf("%s: still open after Shutdown", name)
		}
	}
	require.Equal(t, websocket.CloseGoingAway, ws.CloseCode())
	for i := 0; i < n; {
		_, b, err := idle.ReadMessage()
		require.NoError(t, err, "event %d of the idle subscriber", i)
		if strings.Contains(string(b), "drain #") {
			require.Contains(t, string(b), numbered("drain", i))
			i++
		}
	}
	_, _, err = idle.ReadMessage()
	require.True(t, websocket.IsCloseError(err, websocket.CloseGoingAway), "then 1001: %v", err)
	_, err = milkytest.DialWS(c, m.base, milkyToken, milkytest.AuthBearer)
	require.Error(t, err, "no new subscribers after Shutdown")
}
