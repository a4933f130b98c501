package simulator

import (
	"fmt"
	"testing"
	"time"

	"github.com/goccy/go-json"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/qqbridge/gateway/milky"
)

func lastEvent(t *testing.T, s *Sim) *milky.Event {
	t.Helper()
	evs := s.Events()
	require.NotEmpty(t, evs)
	return evs[len(evs)-1]
}

func decodeEvent[T any](t *testing.T, ev *milky.Event) T {
	t.Helper()
	var out T
	require.NoError(t, json.Unmarshal(ev.Data, &out))
	return out
}

func TestEnvelope(t *testing.T) {
	s := newTestSim(t)
	ev := s.Emit(milky.EventBotOffline, milky.BotOfflineData{Reason: "测试"})
	assert.Equal(t, testNow.Unix(), ev.Time)
	assert.Equal(t, int64(DefaultSelfID), ev.SelfID)
	assert.Equal(t, milky.EventBotOffline, ev.EventType)
	assert.JSONEq(t, `{"reason":"测试"}`, string(ev.Data))
	assert.Equal(t, ev, lastEvent(t, s))
}

func TestReceiveMessages(t *testing.T) {
	s := newTestSim(t)
	g := s.Groups()[0]
	members := s.Members(g.GroupID)
	friend := s.Friends()[1]

	t.Run("friend", func(t *testing.T) {
		before := s.History(milky.SceneFriend, friend.UserID)
		m := s.ReceiveFriendMessage(friend.UserID, textSegs("hello"))
		assert.Equal(t, milky.SceneFriend, m.MessageScene)
		assert.Equal(t, before[len(before)-1].MessageSeq+1, m.MessageSeq)
		assert.Equal(t, friend, *m.Friend)
		ev := lastEvent(t, s)
		assert.Equal(t, milky.EventMessageReceive, ev.EventType)
		want, _ := json.Marshal(m)
		assert.JSONEq(t, string(want), string(ev.Data))
	})
	t.Run("group with normalized segments", func(t *testing.T) {
		h := s.History(milky.SceneGroup, g.GroupID)
		quoted := h[len(h)-1]
		m := s.ReceiveGroupMessage(g.GroupID, members[3].UserID, []milky.IncomingSegment{
			{Type: milky.SegReply, Data: milky.IncomingSegmentData{MessageSeq: quoted.MessageSeq}},
			{Type: milky.SegMention, Data: milky.IncomingSegmentData{UserID: s.SelfID()}},
			{Type: milky.SegImage},
			{Type: milky.SegFile, Data: milky.IncomingSegmentData{FileName: "a.txt", FileSize: 3}},
		})
		require.Len(t, m.Segments, 4)
		r := m.Segments[0].Data
		assert.Equal(t, quoted.SenderID, r.SenderID)
		assert.Equal(t, quoted.Time, r.Time)
		assert.Equal(t, quoted.Segments, r.Segments)
		assert.Equal(t, DefaultNickname, m.Segments[1].Data.Name)
		img := m.Segments[2].Data
		assert.NotEmpty(t, img.ResourceID)
		assert.Equal(t, "http://127.0.0.1/sim/res/"+img.ResourceID, img.TempURL)
		assert.Equal(t, "normal", img.SubType)
		assert.NotEmpty(t, m.Segments[3].Data.FileID)
		assert.Equal(t, members[3].UserID, m.GroupMember.UserID)
		assert.Equal(t, g.GroupID, m.Group.GroupID)
		// The resource resolves.
		out := mustCall[milky.GetResourceTempURLOutput](t, s, "get_resource_temp_url", `{"resource_id": %q}`, img.ResourceID)
		assert.Contains(t, out.URL, img.ResourceID)
		// The member's last_sent_time moved.
		mem, ok := s.Member(g.GroupID, members[3].UserID)
		require.True(t, ok)
		assert.Equal(t, testNow.Unix(), mem.LastSentTime)
	})
	t.Run("temp", func(t *testing.T) {
		m := s.ReceiveTempMessage(g.GroupID, members[4].UserID, textSegs("私聊一下"))
		assert.Equal(t, milky.SceneTemp, m.MessageScene)
		assert.Equal(t, members[4].UserID, m.PeerID)
		require.NotNil(t, m.Group)
		assert.Equal(t, g.GroupID, m.Group.GroupID)
		got := mustCall[milky.GetMessageOutput](t, s, "get_message", `{"message_scene": "temp", "peer_id": %d, "message_seq": %d}`,
			m.PeerID, m.MessageSeq)
		assert.Equal(t, m.Segments, got.Message.Segments)
	})
	t.Run("unknown group panics with a clear message", func(t *testing.T) {
		assert.PanicsWithValue(t, "simulator: ReceiveGroupMessage: the bot is not in group 10001", func() {
			s.ReceiveGroupMessage(10001, members[1].UserID, textSegs("x"))
		})
	})
}

func TestRecallMessageScripted(t *testing.T) {
	s := newTestSim(t)
	g := s.Groups()[0].GroupID
	m := s.ReceiveGroupMessage(g, s.Members(g)[2].UserID, textSegs("说错了"))
	s.RecallMessage(milky.SceneGroup, g, m.MessageSeq, m.SenderID)
	rec := decodeEvent[milky.MessageRecallData](t, lastEvent(t, s))
	assert.Equal(t, milky.MessageRecallData{MessageScene: milky.SceneGroup, PeerID: g, MessageSeq: m.MessageSeq,
		SenderID: m.SenderID, OperatorID: m.SenderID}, rec)
	_, err := call(t, s, "get_message", `{"message_scene": "group", "peer_id": %d, "message_seq": %d}`, g, m.MessageSeq)
	assert.Equal(t, milky.RetcodeNotFound, apiError(t, err).Retcode)
}

func TestFriendRequestFlow(t *testing.T) {
	s := newTestSim(t)
	uid := s.FriendRequest(1234567, "加个好友")
	ev := decodeEvent[milky.FriendRequestData](t, lastEvent(t, s))
	assert.Equal(t, milky.FriendRequestData{InitiatorID: 1234567, InitiatorUID: uid, Comment: "加个好友", Via: "QQ号查找"}, ev)
	assert.Regexp(t, `^u_[A-Za-z0-9_-]{22}$`, uid)

	reqs := mustCall[milky.GetFriendRequestsOutput](t, s, "get_friend_requests", `{}`)
	assert.Equal(t, "pending", reqs.Requests[0].State)
	assert.Equal(t, uid, reqs.Requests[0].InitiatorUID)

	mustCall[milky.Empty](t, s, "accept_friend_request", `{"initiator_uid": %q}`, uid)
	f := mustCall[milky.GetFriendInfoOutput](t, s, "get_friend_info", `{"user_id": 1234567}`)
	assert.Equal(t, int64(1234567), f.Friend.UserID)
	// A friend can be messaged now.
	mustCall[milky.SendMessageOutput](t, s, "send_private_message", `{"user_id": 1234567, "message": [{"type": "text", "data": {"text": "你好"}}]}`)
}

func TestGroupJoinRequestFlow(t *testing.T) {
	s := newTestSim(t)
	g := s.Groups()[0].GroupID
	seq := s.GroupJoinRequest(g, 55555555, "让我进去", false)
	ev := decodeEvent[milky.GroupJoinRequestData](t, lastEvent(t, s))
	assert.Equal(t, milky.GroupJoinRequestData{GroupID: g, NotificationSeq: seq, InitiatorID: 55555555, Comment: "让我进去"}, ev)

	mustCall[milky.Empty](t, s, "accept_group_request", `{"notification_seq": %d, "notification_type": "join_request", "group_id": %d}`, seq, g)
	inc := decodeEvent[milky.GroupMemberIncreaseData](t, lastEvent(t, s))
	assert.Equal(t, milky.GroupMemberIncreaseData{GroupID: g, UserID: 55555555, OperatorID: ptr(s.SelfID())}, inc)
	_, ok := s.Member(g, 55555555)
	assert.True(t, ok)
	gi, _ := s.Group(g)
	assert.Equal(t, int32(6), gi.MemberCount)

	// Filtered requests live in the filtered list and need is_filtered.
	fseq := s.GroupJoinRequest(g, 66666666, "", true)
	_, err := call(t, s, "reject_group_request", `{"notification_seq": %d, "notification_type": "join_request", "group_id": %d}`, fseq, g)
	assert.Equal(t, milky.RetcodeNotFound, apiError(t, err).Retcode)
	mustCall[milky.Empty](t, s, "reject_group_request", `{"notification_seq": %d, "notification_type": "join_request", "group_id": %d, "is_filtered": true}`, fseq, g)
	out := mustCall[milky.GetGroupNotificationsOutput](t, s, "get_group_notifications", `{"is_filtered": true}`)
	assert.Equal(t, fseq, out.Notifications[0].NotificationSeq)
	assert.Equal(t, "rejected", out.Notifications[0].State)

	iseq := s.GroupInvitedJoinRequest(g, s.Members(g)[1].UserID, 77777777)
	assert.Greater(t, iseq, fseq)
	assert.Equal(t, milky.EventGroupInvitedJoinRequest, lastEvent(t, s).EventType)
}

func TestGroupInvitationFlow(t *testing.T) {
	s := newTestSim(t)
	inviter := s.Friends()[0].UserID
	seq := s.GroupInvitation(123456789, inviter)
	ev := decodeEvent[milky.GroupInvitationData](t, lastEvent(t, s))
	assert.Equal(t, milky.GroupInvitationData{GroupID: 123456789, InvitationSeq: seq, InitiatorID: inviter}, ev)

	mustCall[milky.Empty](t, s, "accept_group_invitation", `{"group_id": 123456789, "invitation_seq": %d}`, seq)
	inc := decodeEvent[milky.GroupMemberIncreaseData](t, lastEvent(t, s))
	assert.Equal(t, milky.GroupMemberIncreaseData{GroupID: 123456789, UserID: s.SelfID(), InvitorID: ptr(inviter)}, inc)
	g, ok := s.Group(123456789)
	require.True(t, ok)
	assert.Equal(t, int32(3), g.MemberCount)
	me, _ := s.Member(123456789, s.SelfID())
	assert.Equal(t, "member", me.Role)

	// As a plain member the bot cannot administer, and a whole-group mute
	// stops it from talking.
	_, err := call(t, s, "set_group_name", `{"group_id": 123456789, "new_group_name": "x"}`)
	assert.Equal(t, RetcodeRefused, apiError(t, err).Retcode)
	mustCall[milky.SendMessageOutput](t, s, "send_group_message", `{"group_id": 123456789, "message": [{"type": "text", "data": {"text": "hi"}}]}`)
	s.WholeMute(123456789, inviter, true)
	assert.Equal(t, milky.EventGroupWholeMute, lastEvent(t, s).EventType)
	_, err = call(t, s, "send_group_message", `{"group_id": 123456789, "message": [{"type": "text", "data": {"text": "hi"}}]}`)
	assert.Equal(t, RetcodeRefused, apiError(t, err).Retcode)

	// Second answer to the same invitation is refused.
	_, err = call(t, s, "reject_group_invitation", `{"group_id": 123456789, "invitation_seq": %d}`, seq)
	assert.Equal(t, RetcodeRefused, apiError(t, err).Retcode)
}

func TestMutedBotCannotSend(t *testing.T) {
	s := newTestSim(t)
	g := s.Groups()[1].GroupID // the bot is admin; only the owner could mute it
	s.MuteMember(g, s.SelfID(), s.Members(g)[1].UserID, 60)
	me, _ := s.Member(g, s.SelfID())
	assert.Equal(t, testNow.Unix()+60, *me.ShutUpEndTime)
	_, err := call(t, s, "send_group_message", `{"group_id": %d, "message": [{"type": "text", "data": {"text": "hi"}}]}`, g)
	ae := apiError(t, err)
	assert.Equal(t, RetcodeRefused, ae.Retcode)
	assert.Contains(t, ae.Message, "muted")
}

func TestMemberJoinLeaveAndUploads(t *testing.T) {
	s := newTestSim(t)
	g := s.Groups()[1].GroupID
	s.MemberJoin(g, 88888888, 0, s.Members(g)[1].UserID)
	assert.JSONEq(t, fmt.Sprintf(`{"group_id":%d,"user_id":88888888,"invitor_id":%d}`, g, s.Members(g)[1].UserID),
		string(lastEvent(t, s).Data))
	s.MemberLeave(g, 88888888, 0)
	assert.JSONEq(t, fmt.Sprintf(`{"group_id":%d,"user_id":88888888}`, g), string(lastEvent(t, s).Data))
	ns := s.GroupNotifications()
	assert.Equal(t, milky.NotifyQuit, ns[len(ns)-1].Type)

	n := len(s.Events())
	fileID := s.GroupFileUpload(g, s.Members(g)[2].UserID, "作业.zip", 2048)
	evs := s.Events()[n:]
	require.Len(t, evs, 2, "Milky reports a group upload as an upload event plus a file message")
	assert.Equal(t, milky.EventGroupFileUpload, evs[0].EventType)
	assert.Equal(t, milky.EventMessageReceive, evs[1].EventType)
	msg := decodeEvent[milky.IncomingMessage](t, evs[1])
	assert.Equal(t, fileID, msg.Segments[0].Data.FileID)
	assert.Nil(t, msg.Segments[0].Data.FileHash, "group file segments carry no hash")

	f := s.Friends()[0].UserID
	n = len(s.Events())
	id, hash := s.FriendFileUpload(f, "a.txt", []byte("abc"))
	evs = s.Events()[n:]
	require.Len(t, evs, 2)
	up := decodeEvent[milky.FriendFileUploadData](t, evs[0])
	assert.Equal(t, milky.FriendFileUploadData{UserID: f, FileID: id, FileName: "a.txt", FileSize: 3, FileHash: hash}, up)
	msg = decodeEvent[milky.IncomingMessage](t, evs[1])
	assert.Equal(t, hash, *msg.Segments[0].Data.FileHash)
	out := mustCall[milky.DownloadURLOutput](t, s, "get_private_file_download_url", `{"user_id": %d, "file_id": %q, "file_hash": %q}`, f, id, hash)
	assert.Contains(t, out.DownloadURL, "/sim/file/private/")

	// The bot being kicked removes the group.
	s.MemberLeave(g, s.SelfID(), s.Members(g)[1].UserID)
	_, ok := s.Group(g)
	assert.False(t, ok)
}

func TestNudgesAndOffline(t *testing.T) {
	s := newTestSim(t)
	f := s.Friends()[0].UserID
	s.FriendNudge(f)
	assert.Equal(t, milky.FriendNudgeData{UserID: f, IsSelfReceive: true, DisplayAction: "戳了戳"},
		decodeEvent[milky.FriendNudgeData](t, lastEvent(t, s)))
	g := s.Groups()[0].GroupID
	s.GroupNudge(g, s.Members(g)[1].UserID, s.SelfID())
	assert.Equal(t, milky.EventGroupNudge, lastEvent(t, s).EventType)
	s.BotOffline("被挤下线")
	assert.Equal(t, milky.EventBotOffline, lastEvent(t, s).EventType)
}

func TestSubscribeOrder(t *testing.T) {
	s := newTestSim(t)
	ch, cancel := s.Subscribe()
	defer cancel()
	f := s.Friends()[0].UserID
	for i := range 50 {
		s.ReceiveFriendMessage(f, textSegs(fmt.Sprint(i)))
	}
	for i := range 50 {
		select {
		case ev := <-ch:
			m := decodeEvent[milky.IncomingMessage](t, ev)
			assert.Equal(t, fmt.Sprint(i), m.Segments[0].Data.Text)
		case <-time.After(10 * time.Second):
			t.Fatal("event not delivered")
		}
	}
	cancel()
	cancel() // idempotent
}

func TestCloseIsIdempotentAndStopsSubscriptions(t *testing.T) {
	s := New(Options{})
	ch, cancel := s.Subscribe()
	s.Close()
	s.Close()
	cancel()
	_, open := <-ch
	assert.False(t, open)
	ch2, _ := s.Subscribe()
	_, open = <-ch2
	assert.False(t, open)
}
