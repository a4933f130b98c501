package bridge_test

import (
	"net"
	"net/http"
	"testing"
	"time"

	"github.com/goccy/go-json"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/qqbridge/gateway/bridge"
	"github.com/qqbridge/gateway/internal/testkit"
	"github.com/qqbridge/gateway/onebot11/ob11test"
	"github.com/qqbridge/gateway/simulator"
)

// The upstream side: both Milky event transports, a dropped event stream,
// and an upstream that is not there yet.

// TestUpstream_StreamDropLosesNothingAfterReconnect: the implementation
// drops /event; once the gateway is back on the stream, every event the
// implementation sends reaches the bot, in order, once.
func TestUpstream_StreamDropLosesNothingAfterReconnect(t *testing.T) {
	for _, transport := range []string{"ws", "sse"} {
		t.Run(transport, func(t *testing.T) {
			sim, simURL := startSim(t, simulator.Options{})
			e := startGateway(t, bridge.Options{UpstreamURL: simURL, UpstreamEvents: transport}, sim, true)
			c := e.dial("/", "")
			g, member := e.groupA()

			// The stream works before the drop.
			sim.ReceiveGroupMessage(g, member, text("before drop"))
			nextMessage(t, c, "message", "before drop")

			for round := range 2 {
				require.Equal(t, 1, sim.Subscribers())
				sim.DropStreams() // closes the connections under the streams too
				// Back when the gateway has subscribed again and says ready.
				eventually(t, "the gateway to resubscribe to /event", func() bool {
					if sim.Subscribers() != 1 {
						return false
					}
					code, _ := e.readyz()
					return code == http.StatusOK
				})
				const n = 50
				batch := "round " + num(int64(round))
				for i := range n {
					sim.ReceiveGroupMessage(g, member, text(numbered(batch, i)))
				}
				for i := range n {
					m := nextMessage(t, c, "message", "")
					require.Equal(t, numbered(batch, i), m.RawMessage, "%s: event %d after the stream came back", transport, i)
				}
			}
			// Nothing was duplicated: a marker is the next message.
			sim.ReceiveGroupMessage(g, member, text("marker"))
			assert.Equal(t, "marker", nextMessage(t, c, "message", "").RawMessage)
		})
	}
}

// TestUpstream_Down: with no upstream, calls fail fast with 1502 and
// /readyz is 503; once an implementation appears the gateway becomes ready
// and calls work.
func TestUpstream_Down(t *testing.T) {
	addr := testkit.FreeAddr(t)
	e := startGateway(t, bridge.Options{UpstreamURL: "http://" + addr, UpstreamTimeout: 30 * time.Second,
		Heartbeat: 100 * time.Millisecond}, nil, false)
	c := e.http("", ob11test.AuthNone)

	start := time.Now()
	res, err := c.Get(ctx(t), "get_login_info", nil)
	took := time.Since(start)
	require.NoError(t, err)
	require.NotNil(t, res.Response, "%s", res.Body)
	assert.Equal(t, 1502, res.Response.Retcode, "%s", res.Body)
	assert.Equal(t, "failed", res.Response.Status)
	assert.Less(t, took, 5*time.Second, "a refused upstream must not wait for the 30s upstream timeout")

	code, body := e.readyz()
	assert.Equal(t, http.StatusServiceUnavailable, code)
	assert.Equal(t, false, body["ready"])
	assert.Equal(t, false, body["upstream_api"])
	// /healthz says the process is alive regardless.
	resp, err := http.Get(e.metrics + "/healthz")
	require.NoError(t, err)
	resp.Body.Close()
	assert.Equal(t, http.StatusOK, resp.StatusCode)

	// An event socket is refused while the account is unknown: its first
	// frame would have to claim self_id 0, and bots register under it.
	_, err = ob11test.DialForward(ctx(t), e.ws+"/", "")
	var de *ob11test.DialError
	require.ErrorAs(t, err, &de)
	assert.Equal(t, http.StatusServiceUnavailable, de.StatusCode)
	// The API-only socket works and answers calls the same way as HTTP.
	api := e.dial("/api", "", ob11test.WithLifecycle(false))
	r, err := api.Call(ctx(t), "get_group_list", nil)
	require.NoError(t, err)
	assert.Equal(t, 1502, r.Retcode, "%s", r.Raw)

	// The implementation starts on the address the gateway points at.
	ln, err := net.Listen("tcp", addr)
	require.NoError(t, err, "re-listening on the reserved port")
	sim := simulator.New(simulator.Options{Logger: testLogger()})
	go func() { _ = sim.Serve(ln) }()
	t.Cleanup(sim.Close)

	e.waitReady()
	res, err = c.Get(ctx(t), "get_login_info", nil)
	require.NoError(t, err)
	require.NotNil(t, res.Response, "%s", res.Body)
	assert.Equal(t, 0, res.Response.Retcode, "%s", res.Body)
	assert.Contains(t, string(res.Response.Data), num(sim.SelfID()))
	assert.Equal(t, sim.SelfID(), e.g.SelfID())

	// Now a bot connects and learns the account from the first frame.
	ws := e.dial("/", "")
	assert.Equal(t, sim.SelfID(), ws.SelfID)
	eventually(t, "a heartbeat with status online and good", func() bool {
		online, good := heartbeatStatus(t, ws)
		return online && good
	})

	// Events flow once the stream is up.
	g := sim.Groups()[0].GroupID
	sim.ReceiveGroupMessage(g, sim.Members(g)[1].UserID, text("upstream is up"))
	nextMessage(t, ws, "message", "upstream is up")
}

// heartbeatStatus waits for the next heartbeat and returns its status.
func heartbeatStatus(t *testing.T, c *ob11test.WSClient) (online, good bool) {
	t.Helper()
	raw, err := c.NextEventWhere(ctx(t), ob11test.Event.IsHeartbeat)
	require.NoError(t, err)
	var hb struct {
		Status struct {
			Online bool `json:"online"`
			Good   bool `json:"good"`
		} `json:"status"`
	}
	require.NoError(t, json.Unmarshal(raw, &hb))
	return hb.Status.Online, hb.Status.Good
}

// TestUpstream_Token: the upstream token is sent on calls and on the event
// stream; a wrong one keeps the gateway unready and says why.
func TestUpstream_Token(t *testing.T) {
	sim, simURL := startSim(t, simulator.Options{Token: "up-token"})

	good := startGateway(t, bridge.Options{UpstreamURL: simURL, UpstreamToken: "up-token", UpstreamEvents: "sse"}, sim, true)
	c := good.dial("/", "")
	g, member := good.groupA()
	sim.ReceiveGroupMessage(g, member, text("authorised stream"))
	nextMessage(t, c, "message", "authorised stream")

	bad := startGateway(t, bridge.Options{UpstreamURL: simURL, UpstreamToken: "wrong"}, sim, false)
	res, err := bad.http("", ob11test.AuthNone).Get(ctx(t), "get_login_info", nil)
	require.NoError(t, err)
	require.NotNil(t, res.Response, "%s", res.Body)
	assert.Equal(t, "failed", res.Response.Status)
	assert.Contains(t, res.Response.Message, "token")
	assert.NotContains(t, res.Response.Message, "wrong", "the token itself is not echoed")
	code, body := bad.readyz()
	assert.Equal(t, http.StatusServiceUnavailable, code)
	assert.Equal(t, false, body["upstream_events"])
}

// TestUpstream_GoesAway: a bot connected while the implementation is up
// keeps its socket when the implementation goes away; heartbeats then say
// the upstream is not usable and /readyz turns 503, and calls fail with 1502.
func TestUpstream_GoesAway(t *testing.T) {
	sim, simURL := startSim(t, simulator.Options{Logger: testLogger()})
	e := startGateway(t, bridge.Options{UpstreamURL: simURL, Heartbeat: 100 * time.Millisecond}, sim, true)
	ws := e.dial("/", "")
	assert.Equal(t, sim.SelfID(), ws.SelfID)

	// The implementation goes away: its event stream ends, its port closes.
	sim.Close()

	eventually(t, "a heartbeat with status online false", func() bool {
		online, _ := heartbeatStatus(t, ws)
		return !online
	})
	r, err := ws.Call(ctx(t), "get_group_list", nil)
	require.NoError(t, err)
	assert.Equal(t, 1502, r.Retcode, "%s", r.Raw)
	online, good := heartbeatStatus(t, ws)
	assert.False(t, online, "heartbeat status.online while the upstream is down")
	assert.False(t, good, "heartbeat status.good after a failed upstream call")
	code, _ := e.readyz()
	assert.Equal(t, http.StatusServiceUnavailable, code)
}
