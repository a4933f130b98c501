package bridge_test

import (
	"io"
	"net/http"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/qqbridge/gateway/bridge"
	"github.com/qqbridge/gateway/onebot11/ob11test"
)

// TestMetrics_SeeTraffic: /metrics counts what the suite's bots do: an
// action per transport, events both ways, the open WebSocket, the upstream.
func TestMetrics_SeeTraffic(t *testing.T) {
	e := startGateway(t, bridge.Options{}, nil, true)
	c := e.dial("/", "")
	call(t, c, "get_login_info", nil)
	_, err := e.http("", ob11test.AuthNone).Get(ctx(t), "get_status", nil)
	require.NoError(t, err)
	g, member := e.groupA()
	e.sim.ReceiveGroupMessage(g, member, text("counted"))
	nextMessage(t, c, "message", "counted")

	var body string
	eventually(t, "metrics reflecting the traffic", func() bool {
		resp, err := http.Get(e.metrics + "/metrics")
		if err != nil {
			return false
		}
		defer resp.Body.Close()
		b, _ := io.ReadAll(resp.Body)
		body = string(b)
		return strings.Contains(body, "gateway_events_total") && strings.Contains(body, "gateway_actions_total")
	})
	for _, want := range []string{
		`action="get_login_info"`,
		`action="get_status"`,
		"gateway_upstream_requests_total",
		"gateway_upstream_connected",
		"gateway_build_info",
	} {
		assert.Contains(t, body, want)
	}
	assert.Equal(t, 1.0, e.upstreamConnected(), "gateway_upstream_connected")
}
