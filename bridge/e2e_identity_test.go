package bridge_test

import (
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/qqbridge/gateway/bridge"
	"github.com/qqbridge/gateway/milky"
	"github.com/qqbridge/gateway/onebot11/ob11test"
)

// One message has one message_id wherever a bot meets it; one request has
// one flag that the answering actions accept.

func TestIdentity_MessageIDEverywhere(t *testing.T) {
	e := startGateway(t, bridge.Options{}, nil, true)
	c := e.dial("/", "")
	g, member := e.groupA()
	admin := e.sim.Members(g)[2].UserID // the seeded group's admin

	// A peer's message: event → get_msg.
	in := e.sim.ReceiveGroupMessage(g, member, text("identify me"))
	got := nextMessage(t, c, "message", "identify me")
	id := got.MessageID
	require.Positive(t, id)
	r := call(t, c, "get_msg", map[string]any{"message_id": id})
	var msg struct {
		MessageID int64  `json:"message_id"`
		RawMsg    string `json:"raw_message"`
		Sender    struct {
			UserID int64 `json:"user_id"`
		} `json:"sender"`
	}
	require.NoError(t, r.DecodeData(&msg))
	assert.Equal(t, id, msg.MessageID, "get_msg")
	assert.Equal(t, "identify me", msg.RawMsg)
	assert.Equal(t, member, msg.Sender.UserID)

	// The bot's own message: send_group_msg's answer = its message_sent event.
	r = call(t, c, "send_group_msg", map[string]any{"group_id": g, "message": "mine"})
	var sent struct {
		MessageID int64 `json:"message_id"`
	}
	require.NoError(t, r.DecodeData(&sent))
	own := nextMessage(t, c, "message_sent", "mine")
	assert.Equal(t, sent.MessageID, own.MessageID, "send_group_msg vs message_sent")
	assert.NotEqual(t, id, sent.MessageID)

	// A later message quoting the first carries its id in the reply segment.
	e.sim.ReceiveGroupMessage(g, admin, []milky.IncomingSegment{
		{Type: milky.SegReply, Data: milky.IncomingSegmentData{MessageSeq: in.MessageSeq}},
		{Type: milky.SegText, Data: milky.IncomingSegmentData{Text: "quoting"}},
	})
	quote := nextMessage(t, c, "message", "quoting")
	segs := quote.segments(t)
	require.NotEmpty(t, segs)
	require.Equal(t, "reply", segs[0].Type, "%s", quote.Message)
	assert.Equal(t, num(id), asString(segs[0].Data["id"]), "reply segment id")
	assert.Contains(t, quote.RawMessage, "[CQ:reply,id="+num(id)+"]")

	// The recall notice names the same id.
	e.sim.RecallMessage(milky.SceneGroup, g, in.MessageSeq, admin)
	n := nextNotice(t, c, "group_recall")
	assert.Equal(t, float64(id), n["message_id"], "group_recall")
	assert.Equal(t, float64(g), n["group_id"])
	assert.Equal(t, float64(member), n["user_id"])
	assert.Equal(t, float64(admin), n["operator_id"])

	// Recalled messages are gone upstream: get_msg fails cleanly.
	r, err := c.Call(ctx(t), "get_msg", map[string]any{"message_id": id})
	require.NoError(t, err)
	assert.Equal(t, "failed", r.Status)
}

// asString renders an id that a bot may receive as a number or a string.
func asString(v any) string {
	switch x := v.(type) {
	case string:
		return x
	case float64:
		return num(int64(x))
	}
	return ""
}

// requestFlags are the flags a bot got for three scripted requests.
type requestFlags struct {
	friendUser, joinUser, inviteGroup int64
	groupID                           int64
	friend, join, invite              string
}

// scriptRequests has a stranger ask to be a friend, another ask to join
// group A and someone invite the bot into a new group, and collects the
// flags from the request events the bot receives on src.
func scriptRequests(t *testing.T, e *gw, src eventSource, salt int64) requestFlags {
	t.Helper()
	g, inviter := e.groupA()
	f := requestFlags{friendUser: 1234500000 + salt, joinUser: 1234600000 + salt, inviteGroup: 987600000 + salt, groupID: g}

	e.sim.FriendRequest(f.friendUser, "hello, add me")
	ev := nextRequest(t, src, "friend")
	assert.Equal(t, float64(f.friendUser), ev["user_id"])
	assert.Equal(t, "hello, add me", ev["comment"])
	f.friend, _ = ev["flag"].(string)
	require.NotEmpty(t, f.friend, "friend request flag: %v", ev)

	e.sim.GroupJoinRequest(g, f.joinUser, "let me in", false)
	ev = nextRequest(t, src, "group")
	assert.Equal(t, "add", ev["sub_type"])
	assert.Equal(t, float64(g), ev["group_id"])
	assert.Equal(t, float64(f.joinUser), ev["user_id"])
	f.join, _ = ev["flag"].(string)
	require.NotEmpty(t, f.join, "group add flag: %v", ev)

	e.sim.GroupInvitation(f.inviteGroup, inviter)
	ev = nextRequest(t, src, "group")
	assert.Equal(t, "invite", ev["sub_type"])
	assert.Equal(t, float64(f.inviteGroup), ev["group_id"])
	assert.Equal(t, float64(inviter), ev["user_id"])
	f.invite, _ = ev["flag"].(string)
	require.NotEmpty(t, f.invite, "group invite flag: %v", ev)
	return f
}

// approveRequests answers the three requests with their flags over HTTP
// and checks the simulator's world changed accordingly.
func approveRequests(t *testing.T, e *gw, f requestFlags) {
	t.Helper()
	c := e.http("", ob11test.AuthNone)
	for _, step := range []struct {
		action string
		params map[string]any
	}{
		{"set_friend_add_request", map[string]any{"flag": f.friend, "approve": true}},
		{"set_group_add_request", map[string]any{"flag": f.join, "sub_type": "add", "approve": true}},
		{"set_group_add_request", map[string]any{"flag": f.invite, "type": "invite", "approve": "true"}},
	} {
		res, err := c.PostJSON(ctx(t), step.action, step.params)
		require.NoError(t, err)
		require.NotNil(t, res.Response, "%s", res.Body)
		require.Equal(t, "ok", res.Response.Status, "%s %v: %s", step.action, step.params, res.Body)
	}
	isFriend := false
	for _, fr := range e.sim.Friends() {
		isFriend = isFriend || fr.UserID == f.friendUser
	}
	assert.True(t, isFriend, "the friend request was accepted")
	_, member := e.sim.Member(f.groupID, f.joinUser)
	assert.True(t, member, "the join request was accepted")
	_, joined := e.sim.Group(f.inviteGroup)
	assert.True(t, joined, "the invitation was accepted")

	// A flag answers its request once: the second time the upstream refuses.
	res, err := c.PostJSON(ctx(t), "set_friend_add_request", map[string]any{"flag": f.friend, "approve": true})
	require.NoError(t, err)
	require.NotNil(t, res.Response, "%s", res.Body)
	assert.Equal(t, "failed", res.Response.Status)
}

func TestIdentity_RequestFlags(t *testing.T) {
	e := startGateway(t, bridge.Options{}, nil, true)
	c := e.dial("/", "")
	f := scriptRequests(t, e, c, 1)
	approveRequests(t, e, f)
}
