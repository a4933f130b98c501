package bridge_test

import (
	"net/http"
	"strings"
	"testing"

	"github.com/gorilla/websocket"
	"github.com/stretchr/testify/require"

	"github.com/qqbridge/gateway/bridge"
	"github.com/qqbridge/gateway/internal/testkit"
)

// The reverse direction over each upstream transport, against the
// simulator served as a OneBot 11 implementation by the first direction.

const (
	obToken    = "ob-t0ken"    // the OneBot 11 implementation's access token
	milkyToken = "milky-t0ken" // the reverse gateway's, for Milky bots
)

// milkyRoundTrip is what every transport must carry: the account, a sent
// message and its seq, the peer's echo as an event, the message read back
// and recalled by seq.
func milkyRoundTrip(t *testing.T, m *mgw, up *obUpstream, label string) {
	t.Helper()
	var login struct {
		Uin      int64  `json:"uin"`
		Nickname string `json:"nickname"`
	}
	m.call("get_login_info", nil, &login)
	require.Equal(t, up.sim.SelfID(), login.Uin)
	require.Equal(t, up.sim.Nickname(), login.Nickname)

	ev := m.events()
	group, _ := up.groupA()
	text := "round trip over " + label
	seq := m.sendGroup(group, text)

	// The bot's own message comes back as an event under the seq it got.
	own := nextMilkyMessage(t, ev, text)
	require.Equal(t, seq, own.MessageSeq)
	require.Equal(t, up.sim.SelfID(), own.SenderID)

	echo := nextMilkyMessage(t, ev, "echo: "+text)
	require.Equal(t, "group", echo.MessageScene)
	require.Equal(t, group, echo.PeerID)
	require.Greater(t, echo.MessageSeq, seq, "the echo comes after the bot's message in the group")
	require.NotEqual(t, up.sim.SelfID(), echo.SenderID)

	got := m.getMessage("group", group, seq)
	require.Equal(t, seq, got.MessageSeq)
	require.Equal(t, group, got.PeerID)
	require.Equal(t, text, got.text())
	require.Equal(t, up.sim.SelfID(), got.SenderID)

	m.call("recall_group_message", map[string]any{"group_id": group, "message_seq": seq}, nil)
	require.Contains(t, string(lastCall(t, up.sim, "recall_group_message")), `"group_id":`+num(group))
	recall := nextMilkyEvent(t, ev, "message_recall")
	require.EqualValues(t, seq, recall["message_seq"], "the recall names the seq the bot recalled: %v", recall)
	require.EqualValues(t, group, recall["peer_id"])

	// The upstream gauge says so on every transport (the alert rules watch
	// it); over HTTP it once stayed 0, the upstream having no stream.
	require.Equal(t, 1.0, m.upstreamConnected(), "gateway_upstream_connected over %s", label)
}

func TestMilkyForwardWS(t *testing.T) {
	up := startOneBotUpstream(t, bridge.Options{AccessToken: obToken})
	m := startMilkyGateway(t, bridge.Options{UpstreamURL: up.ws, UpstreamToken: obToken, AccessToken: milkyToken}, true)
	milkyRoundTrip(t, m, up, "forward ws")
}

func TestMilkyReverseWS(t *testing.T) {
	addr := testkit.FreeAddr(t)
	m := startMilkyGateway(t, bridge.Options{UpstreamListen: addr, UpstreamToken: obToken, AccessToken: milkyToken}, false)
	code, body := m.readyz()
	require.Equal(t, http.StatusServiceUnavailable, code, "not ready before the implementation dials in: %v", body)
	// An implementation without the upstream token is refused.
	for _, h := range []http.Header{{}, {"Authorization": {"Bearer wrong"}}} {
		_, resp, err := websocket.DefaultDialer.Dial("ws://"+addr+"/", h)
		require.Error(t, err)
		require.NotNil(t, resp, "%v", err)
		require.Contains(t, []int{http.StatusUnauthorized, http.StatusForbidden}, resp.StatusCode)
	}
	up := startOneBotUpstream(t, bridge.Options{AccessToken: obToken, ReverseWS: []string{"ws://" + addr + "/"}})
	m.waitReady()
	milkyRoundTrip(t, m, up, "reverse ws")
}

func TestMilkyHTTPUpstream(t *testing.T) {
	const secret = "post-s3cret"
	gwAddr := testkit.FreeAddr(t)
	up := startOneBotUpstream(t, bridge.Options{
		AccessToken: obToken, Secret: secret,
		Webhooks: []string{"http://" + gwAddr + "/onebot/v11/post"},
	})
	m := startMilkyGateway(t, bridge.Options{
		Listen: gwAddr, UpstreamURL: up.http, UpstreamToken: obToken, UpstreamSecret: secret, AccessToken: milkyToken,
	}, true)
	milkyRoundTrip(t, m, up, "http")

	// Event POSTs not signed with the secret are refused.
	event := `{"time":1,"self_id":1,"post_type":"message","message_type":"private","sub_type":"friend","message_id":1,"user_id":2,"message":"forged","raw_message":"forged","font":0,"sender":{"user_id":2}}`
	for _, sig := range []string{"", "sha1=0000000000000000000000000000000000000000"} {
		req, err := http.NewRequest(http.MethodPost, m.base+"/onebot/v11/post", strings.NewReader(event))
		require.NoError(t, err)
		req.Header.Set("Content-Type", "application/json")
		if sig != "" {
			req.Header.Set("X-Signature", sig)
		}
		resp, err := http.DefaultClient.Do(req)
		require.NoError(t, err)
		resp.Body.Close()
		require.Equal(t, http.StatusForbidden, resp.StatusCode, "signature %q", sig)
	}
}
