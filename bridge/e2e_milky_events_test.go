package bridge_test

import (
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/qqbridge/gateway/bridge"
)

// Notices and requests of the simulator reach Milky bots as the matching
// Milky events, in order, with ids that name the right conversation and
// people (and, through the conformance log, valid against the schema).
func TestMilkyEventsReachBots(t *testing.T) {
	up := startOneBotUpstream(t, bridge.Options{AccessToken: obToken})
	m := startMilkyGateway(t, bridge.Options{UpstreamURL: up.ws, UpstreamToken: obToken}, true)
	ev := m.events()
	group, member := up.groupA()
	friend := up.sim.Friends()[0].UserID
	self := up.sim.SelfID()
	const joiner, invitee = 20260007, 20260008

	up.sim.FriendNudge(friend)
	up.sim.GroupNudge(group, member, self)
	up.sim.MemberJoin(group, joiner, self, 0)
	up.sim.MemberLeave(group, joiner, 0)
	up.sim.GroupFileUpload(group, member, "a.txt", 12)
	up.sim.FriendFileUpload(friend, "b.txt", []byte("hello"))
	up.sim.WholeMute(group, self, true)
	up.sim.MuteMember(group, member, self, 60)
	in := up.sim.ReceiveGroupMessage(group, member, text("to be recalled"))
	up.sim.RecallMessage("group", group, in.MessageSeq, member)
	up.sim.GroupInvitedJoinRequest(group, member, invitee)
	up.sim.ReceiveFriendMessage(friend, text("friend says"))
	up.sim.ReceiveTempMessage(group, member, text("temp says"))

	d := nextMilkyEvent(t, ev, "friend_nudge")
	require.EqualValues(t, friend, d["user_id"])
	d = nextMilkyEvent(t, ev, "group_nudge")
	require.EqualValues(t, group, d["group_id"])
	require.EqualValues(t, member, d["sender_id"])
	require.EqualValues(t, self, d["receiver_id"])
	d = nextMilkyEvent(t, ev, "group_member_increase")
	require.EqualValues(t, joiner, d["user_id"])
	d = nextMilkyEvent(t, ev, "group_member_decrease")
	require.EqualValues(t, joiner, d["user_id"])
	d = nextMilkyEvent(t, ev, "group_file_upload")
	require.Equal(t, "a.txt", d["file_name"])
	require.EqualValues(t, 12, d["file_size"])
	d = nextMilkyEvent(t, ev, "friend_file_upload")
	require.Equal(t, "b.txt", d["file_name"])
	d = nextMilkyEvent(t, ev, "group_whole_mute")
	require.Equal(t, true, d["is_mute"])
	d = nextMilkyEvent(t, ev, "group_mute")
	require.EqualValues(t, member, d["user_id"])
	require.EqualValues(t, 60, d["duration"])
	recalled := nextMilkyMessage(t, ev, "to be recalled")
	d = nextMilkyEvent(t, ev, "message_recall")
	require.EqualValues(t, recalled.MessageSeq, d["message_seq"], "the recall names the seq the bot saw")
	require.EqualValues(t, member, d["operator_id"])
	d = nextMilkyEvent(t, ev, "group_invited_join_request")
	require.EqualValues(t, invitee, d["target_user_id"])
	require.Positive(t, d["notification_seq"])

	fm := nextMilkyMessage(t, ev, "friend says")
	require.Equal(t, "friend", fm.MessageScene)
	require.Equal(t, friend, fm.PeerID)
	tm := nextMilkyMessage(t, ev, "temp says")
	require.Equal(t, "temp", tm.MessageScene)
	require.Equal(t, member, tm.PeerID)
}
