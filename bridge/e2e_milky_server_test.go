package bridge_test

import (
	"errors"
	"net/http"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/qqbridge/gateway/bridge"
	"github.com/qqbridge/gateway/milky/milkytest"
)

// The Milky server the reverse direction gives bots: HTTP statuses,
// parameter errors, /event over WebSocket and SSE, webhooks.

func startMilkyOverWS(t *testing.T, opts bridge.Options) (*mgw, *obUpstream) {
	t.Helper()
	up := startOneBotUpstream(t, bridge.Options{AccessToken: obToken})
	opts.UpstreamURL, opts.UpstreamToken = up.ws, obToken
	if opts.AccessToken == "" {
		opts.AccessToken = milkyToken
	}
	return startMilkyGateway(t, opts, true), up
}

func TestMilkyServerAPIStatuses(t *testing.T) {
	m, up := startMilkyOverWS(t, bridge.Options{})
	c := ctx(t)

	for _, token := range []string{"", "wrong"} {
		r, err := milkytest.NewClient(m.base, token).Call(c, "get_login_info", nil)
		require.NoError(t, err)
		require.Equal(t, http.StatusUnauthorized, r.HTTPStatus, "token %q", token)
	}

	r := m.callResp("no_such_api", nil)
	require.Equal(t, http.StatusNotFound, r.HTTPStatus)

	r, err := m.api.Post(c, "get_login_info", "text/plain", []byte("{}"))
	require.NoError(t, err)
	require.Equal(t, http.StatusUnsupportedMediaType, r.HTTPStatus)

	group, _ := up.groupA()
	for _, body := range []string{
		`{"group_id":"not a number","message":[{"type":"text","data":{"text":"x"}}]}`,
		`{"message":[{"type":"text","data":{"text":"x"}}]}`,
	} {
		r = m.callResp("send_group_message", []byte(body))
		require.Equal(t, http.StatusOK, r.HTTPStatus)
		require.Equal(t, "failed", r.Status, "%s", r.Raw)
		require.Equal(t, -400, r.Retcode, "%s", r.Raw)
		require.Contains(t, r.Message, "group_id", "the error names the field")
	}
	r = m.callResp("send_group_message", map[string]any{"group_id": group, "message": "not segments"})
	require.Equal(t, -400, r.Retcode, "%s", r.Raw)
	require.Contains(t, r.Message, "message")
}

func TestMilkyServerEventTransports(t *testing.T) {
	m, up := startMilkyOverWS(t, bridge.Options{})
	c := ctx(t)
	group, member := up.groupA()

	type sub struct {
		name string
		s    *milkytest.Stream
	}
	var subs []sub
	for _, mode := range []milkytest.AuthMode{milkytest.AuthBearer, milkytest.AuthQuery} {
		ws, err := milkytest.DialWS(c, m.base, milkyToken, mode)
		require.NoError(t, err)
		t.Cleanup(func() { _ = ws.Close() })
		sse, err := milkytest.OpenSSE(c, m.base, milkyToken, mode)
		require.NoError(t, err)
		t.Cleanup(func() { _ = sse.Close() })
		subs = append(subs, sub{"ws", ws}, sub{"sse", sse})
	}
	for _, mode := range []milkytest.AuthMode{milkytest.AuthBearer, milkytest.AuthQuery, milkytest.AuthNone} {
		var se *milkytest.StatusError
		_, err := milkytest.DialWS(c, m.base, "wrong", mode)
		require.True(t, errors.As(err, &se), "ws with a bad token (mode %d): %v", mode, err)
		require.Equal(t, http.StatusUnauthorized, se.Status)
		_, err = milkytest.OpenSSE(c, m.base, "wrong", mode)
		require.True(t, errors.As(err, &se), "sse with a bad token (mode %d): %v", mode, err)
		require.Equal(t, http.StatusUnauthorized, se.Status)
	}
	eventually(t, "four subscribers", func() bool {
		_, body := m.readyz()
		d, _ := body["downstream"].(map[string]any)
		return d != nil && d["event"] == float64(4)
	})

	// What subscribers send is ignored: the socket stays and keeps delivering.
	require.NoError(t, subs[0].s.Send([]byte(`{"action":"send_group_message","params":{}}`)))
	require.NoError(t, subs[0].s.Send([]byte(`not json at all`)))

	up.sim.ReceiveGroupMessage(group, member, text("to every subscriber"))
	for _, s := range subs {
		got := nextMilkyMessage(t, s.s, "to every subscriber")
		require.Equal(t, group, got.PeerID, s.name)
		require.Equal(t, member, got.SenderID, s.name)
	}
}

func TestMilkyServerWebhooks(t *testing.T) {
	recv, err := milkytest.NewWebhookReceiver(milkyToken)
	require.NoError(t, err)
	t.Cleanup(func() { _ = recv.Close() })
	recv.FailNext(2, http.StatusServiceUnavailable)

	m, up := startMilkyOverWS(t, bridge.Options{Webhooks: []string{recv.URL}})
	group, member := up.groupA()
	up.sim.ReceiveGroupMessage(group, member, text("by webhook"))

	got := nextMilkyMessage(t, recv, "by webhook")
	require.Equal(t, group, got.PeerID)
	require.Equal(t, "Bearer "+milkyToken, recv.LastAuthorization())
	require.GreaterOrEqual(t, recv.Attempts(), 3, "two failed POSTs, then the retry that succeeded")
	require.Zero(t, recv.Refused())
	_ = m
}
