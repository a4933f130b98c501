package bridge_test

import (
	"net/http"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/qqbridge/gateway/bridge"
	"github.com/qqbridge/gateway/onebot11/ob11test"
)

// Universal reverse WebSocket, as NoneBot's /onebot/v11/ws accepts it.

func TestReverseWS_HandshakeEventsCallsAndReconnect(t *testing.T) {
	const token = "rev-token"
	// The acceptor starts first: the gateway dials it as soon as it knows
	// the account (the built-in simulator's default).
	rs := ob11test.NewReverseServer(token)
	t.Cleanup(rs.Close)
	e := startGateway(t, bridge.Options{AccessToken: token, ReverseWS: []string{rs.URL}}, nil, true)
	self := e.sim.SelfID()

	rc, err := rs.Accept(ctx(t))
	require.NoError(t, err)
	assert.Equal(t, num(self), rc.Header.Get("X-Self-ID"))
	assert.Equal(t, "Universal", rc.Header.Get("X-Client-Role"))
	assert.Equal(t, "Bearer "+token, rc.Header.Get("Authorization"))
	assert.Equal(t, self, rc.SelfID, "the first frame is lifecycle/connect with the same self_id")
	assert.Empty(t, rs.Rejections())

	// Events arrive on the reverse socket.
	g, member := e.groupA()
	e.sim.ReceiveGroupMessage(g, member, text("over the reverse socket"))
	m := nextMessage(t, rc, "message", "over the reverse socket")
	assert.Equal(t, g, m.GroupID)

	// The bot calls actions over the same socket.
	r := call(t, rc, "get_login_info", nil)
	assert.Contains(t, string(r.Data), `"user_id":`+num(self))

	// The bot goes down: the gateway notices, then events happen.
	rs.SetDown(true)
	rc.Kill()
	eventually(t, "the gateway to see the reverse socket gone", func() bool {
		code, body := e.readyz()
		down, _ := body["downstream"].(map[string]any)
		return code == http.StatusOK && down["ws_reverse"] == float64(0)
	})
	const n = 20
	for i := range n {
		e.sim.ReceiveGroupMessage(g, member, text(numbered("offline", i)))
	}

	// The bot comes back: the gateway redials and delivers the backlog in
	// order, each event once, nothing from before the drop.
	rs.SetDown(false)
	rc2, err := rs.Accept(ctx(t))
	require.NoError(t, err)
	assert.Equal(t, self, rc2.SelfID)
	for i := range n {
		m := nextMessage(t, rc2, "message", "")
		assert.Equal(t, numbered("offline", i), m.RawMessage, "event %d after reconnect", i)
	}
	// Nothing else is queued: a marker sent now is the next message.
	e.sim.ReceiveGroupMessage(g, member, text("marker"))
	assert.Equal(t, "marker", nextMessage(t, rc2, "message", "").RawMessage)
	r = call(t, rc2, "get_status", nil)
	assert.Equal(t, "ok", r.Status)

	// A crash without the bot going down: the gateway redials at once and
	// never holds two sockets (NoneBot would refuse the second with 1008).
	before := len(rs.Rejections())
	rc2.Kill()
	rc3, err := rs.Accept(ctx(t))
	require.NoError(t, err)
	e.sim.ReceiveGroupMessage(g, member, text("after crash"))
	assert.Equal(t, "after crash", nextMessage(t, rc3, "message", "").RawMessage)
	for _, rej := range rs.Rejections()[before:] {
		assert.NotEqual(t, 1008, rej.Status, "duplicate connection: %s", rej.Reason)
	}
}
