package bridge_test

import (
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/goccy/go-json"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/qqbridge/gateway/bridge"
	"github.com/qqbridge/gateway/milky"
	"github.com/qqbridge/gateway/onebot11/ob11test"
)

// Forward WebSocket, as ZeroBot/NoneBot (universal "/"), cq-websocket
// (split /api + /event) and NapCat SDKs (calls on /event) use it.

func TestForwardWS_FirstFrameEchoesAndGroupMessage(t *testing.T) {
	e := startGateway(t, bridge.Options{AccessToken: "tok"}, nil, true)
	c := e.dial("/", "tok")

	// DialForward already required the first frame to be lifecycle/connect.
	assert.Equal(t, e.sim.SelfID(), c.SelfID, "lifecycle self_id is the upstream account")
	var life map[string]any
	require.NoError(t, json.Unmarshal(c.Lifecycle, &life))
	assert.Equal(t, "meta_event", life["post_type"])
	assert.Equal(t, "lifecycle", life["meta_event_type"])
	assert.Equal(t, "connect", life["sub_type"])

	// Numeric echo (ZeroBot).
	r := call(t, c, "get_login_info", nil)
	assert.JSONEq(t, "1", string(r.Echo))
	var info struct {
		UserID   int64  `json:"user_id"`
		Nickname string `json:"nickname"`
	}
	require.NoError(t, r.DecodeData(&info))
	assert.Equal(t, e.sim.SelfID(), info.UserID)
	assert.Equal(t, e.sim.Nickname(), info.Nickname)

	// String and object echoes come back byte for byte (CallEcho fails otherwise).
	for _, echo := range []string{`"napcat-7f3a"`, `{"seq": 12, "tag": ["a", 1.50]}`, `123456789012345678901`, `"\u00e9\\"`} {
		r, err := c.CallEcho(ctx(t), "get_login_info", nil, json.RawMessage(echo))
		require.NoError(t, err, "echo %s", echo)
		assert.Equal(t, "ok", r.Status)
		assert.Equal(t, echo, string(r.Echo))
	}

	// A string-echo client (NapCat SDK) on the same gateway.
	s := e.dial("/", "tok", ob11test.WithStringEcho(), ob11test.WithAuth(ob11test.AuthQuery))
	r = call(t, s, "get_status", nil)
	assert.Equal(t, `"ob11test-1"`, string(r.Echo))

	// A scripted group message reaches both bots as a OneBot 11 event.
	g, member := e.groupA()
	in := e.sim.ReceiveGroupMessage(g, member, text("hello from the simulator"))
	for _, bot := range []eventSource{c, s} {
		m := nextMessage(t, bot, "message", "hello from the simulator")
		assert.Equal(t, "group", m.MessageType)
		assert.Equal(t, "normal", m.SubType)
		assert.Equal(t, g, m.GroupID)
		assert.Equal(t, member, m.UserID)
		assert.Equal(t, member, m.Sender.UserID)
		assert.Equal(t, e.sim.SelfID(), m.SelfID)
		assert.Equal(t, in.Time, m.Time)
		assert.Positive(t, m.MessageID)
		assert.LessOrEqual(t, m.MessageID, int64(1<<31-1), "message_id fits int32")
		assert.Equal(t, "hello from the simulator", m.RawMessage)
		assert.JSONEq(t, `[{"type":"text","data":{"text":"hello from the simulator"}}]`, string(m.Message))
	}
}

func TestForwardWS_StringMessageFormatEscapes(t *testing.T) {
	e := startGateway(t, bridge.Options{MessageFormat: "string"}, nil, true)
	c := e.dial("/", "")
	g, member := e.groupA()
	e.sim.ReceiveGroupMessage(g, member, []milky.IncomingSegment{
		{Type: milky.SegText, Data: milky.IncomingSegmentData{Text: "a&b [x], y"}},
		{Type: milky.SegFace, Data: milky.IncomingSegmentData{FaceID: "14"}},
		{Type: milky.SegImage, Data: milky.IncomingSegmentData{ResourceID: "res,1&[2]", TempURL: "http://127.0.0.1/i?a=1,b=[2]&c"}},
	})
	raw, err := c.NextEventWhere(ctx(t), isPost("message"))
	require.NoError(t, err)
	var m struct {
		Message    any    `json:"message"`
		RawMessage string `json:"raw_message"`
	}
	require.NoError(t, json.Unmarshal(raw, &m))
	str, ok := m.Message.(string)
	require.True(t, ok, "message is a CQ string in string format: %s", raw)
	// Text escapes & [ ] but not the comma; CQ values also escape the comma.
	assert.Contains(t, str, "a&amp;b &#91;x&#93;, y[CQ:face,id=14][CQ:image,")
	assert.Contains(t, str, "file=res&#44;1&amp;&#91;2&#93;")
	assert.Contains(t, str, "url=http://127.0.0.1/i?a=1&#44;b=&#91;2&#93;&amp;c")
	assert.Equal(t, str, m.RawMessage)
}

func TestForwardWS_Heartbeat(t *testing.T) {
	e := startGateway(t, bridge.Options{Heartbeat: 200 * time.Millisecond}, nil, true)
	c := e.dial("/", "")
	raw, err := c.NextEventWhere(ctx(t), ob11test.Event.IsHeartbeat)
	require.NoError(t, err)
	var hb struct {
		SelfID   int64 `json:"self_id"`
		Interval int64 `json:"interval"`
		Status   struct {
			Online *bool `json:"online"`
			Good   *bool `json:"good"`
		} `json:"status"`
	}
	require.NoError(t, json.Unmarshal(raw, &hb))
	assert.Equal(t, e.sim.SelfID(), hb.SelfID)
	assert.Equal(t, int64(200), hb.Interval, "interval is in milliseconds")
	require.NotNil(t, hb.Status.Online, "status.online: %s", raw)
	require.NotNil(t, hb.Status.Good, "status.good: %s", raw)
	assert.True(t, *hb.Status.Online)
	assert.True(t, *hb.Status.Good)
}

// TestForwardWS_SplitSockets: cq-websocket dials /api for calls and /event
// for events; NapCat SDKs send calls on /event too.
func TestForwardWS_SplitSockets(t *testing.T) {
	e := startGateway(t, bridge.Options{AccessToken: "tok", Heartbeat: time.Hour}, nil, true)
	api := e.dial("/api", "tok", ob11test.WithAuth(ob11test.AuthQuery))
	assert.Nil(t, api.Lifecycle, "/api sends no lifecycle frame")
	ev := e.dial("/event", "tok", ob11test.WithAuth(ob11test.AuthToken))
	assert.Equal(t, e.sim.SelfID(), ev.SelfID)

	r := call(t, api, "get_login_info", nil)
	assert.Contains(t, string(r.Data), `"user_id":`+num(e.sim.SelfID()))

	g, member := e.groupA()
	e.sim.ReceiveGroupMessage(g, member, text("split sockets"))
	m := nextMessage(t, ev, "message", "split sockets")
	assert.Equal(t, g, m.GroupID)

	// NapCat style: the call goes over /event and is answered there.
	r = call(t, ev, "get_group_info", map[string]any{"group_id": g})
	assert.Contains(t, string(r.Data), `"group_id":`+num(g))

	// /api carried no events (a round trip on it flushes anything queued).
	call(t, api, "get_status", nil)
	select {
	case f, ok := <-api.Events():
		if ok {
			t.Errorf("/api received an event: %s", f)
		}
	default:
	}
}

// TestForwardWS_ConcurrentCallsWhileEventsFlow: a busy bot fires calls in
// parallel while events stream in; each reply finds its caller by echo and
// the events keep their order.
func TestForwardWS_ConcurrentCallsWhileEventsFlow(t *testing.T) {
	e := startGateway(t, bridge.Options{}, nil, true)
	c := e.dial("/", "")
	g, member := e.groupA()

	const calls, events = 64, 30
	errs := make(chan error, calls)
	for i := range calls {
		go func() {
			r, err := c.Call(ctx(t), "get_group_member_info", map[string]any{"group_id": g, "user_id": member})
			if err == nil && (r.Status != "ok" || !strings.Contains(string(r.Data), num(member))) {
				err = fmt.Errorf("call %d: %s", i, r.Raw)
			}
			errs <- err
		}()
	}
	for i := range events {
		e.sim.ReceiveGroupMessage(g, member, text(numbered("busy", i)))
	}
	for range calls {
		require.NoError(t, <-errs)
	}
	for i := range events {
		assert.Equal(t, numbered("busy", i), nextMessage(t, c, "message", "").RawMessage)
	}
}
