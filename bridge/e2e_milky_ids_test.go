package bridge_test

import (
	"fmt"

	"github.com/qqbridge/gateway/milky"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/qqbridge/gateway/bridge"
)

// Ids that never lie: message_seq grows per conversation, every API that
// takes a seq finds the message it named, and after a restart on the same
// --data dir the seqs, notification_seq, invitation_seq and initiator_uid
// issued before still resolve to the same upstream things.

func TestMilkyIDsSurviveRestart(t *testing.T) {
	up := startOneBotUpstream(t, bridge.Options{AccessToken: obToken})
	opts := bridge.Options{UpstreamURL: up.ws, UpstreamToken: obToken, AccessToken: milkyToken, DataDir: t.TempDir()}
	m := startMilkyGateway(t, opts, true)
	ev := m.events()
	group, member := up.groupA()
	friend := up.sim.Friends()[0].UserID

	// Per conversation, seqs increase in the order messages were sent.
	seq1 := m.sendGroup(group, "ids one")
	seq2 := m.sendGroup(group, "ids two")
	require.Greater(t, seq2, seq1)
	simIn := up.sim.ReceiveGroupMessage(group, member, text("ids incoming"))
	in := nextMilkyMessage(t, ev, "ids incoming")
	require.Greater(t, in.MessageSeq, seq2)
	require.Equal(t, member, in.SenderID)

	var priv struct {
		MessageSeq int64 `json:"message_seq"`
	}
	m.call("send_private_message", map[string]any{"user_id": friend, "message": milkyText("ids private")}, &priv)
	require.Positive(t, priv.MessageSeq)
	require.Equal(t, "ids private", m.getMessage("friend", friend, priv.MessageSeq).text())

	// History by seq, oldest first.
	var hist struct {
		Messages []milkyMsg `json:"messages"`
	}
	m.call("get_history_messages", map[string]any{"message_scene": "group", "peer_id": group, "start_message_seq": in.MessageSeq, "limit": 10}, &hist)
	bySeq := map[int64]string{}
	for i, msg := range hist.Messages {
		bySeq[msg.MessageSeq] = msg.text()
		if i > 0 {
			require.Greater(t, msg.MessageSeq, hist.Messages[i-1].MessageSeq, "history is in seq order")
		}
	}
	require.Equal(t, "ids one", bySeq[seq1], "history %+v", hist.Messages)
	require.Equal(t, "ids two", bySeq[seq2])
	require.Equal(t, "ids incoming", bySeq[in.MessageSeq])

	// A reply names the quoted message by seq, and reads back so.
	var sent struct {
		MessageSeq int64 `json:"message_seq"`
	}
	m.call("send_group_message", map[string]any{"group_id": group, "message": []milkySeg{
		{Type: "reply", Data: map[string]any{"message_seq": in.MessageSeq}},
		{Type: "text", Data: map[string]any{"text": "ids replying"}},
	}}, &sent)
	reply := m.getMessage("group", group, sent.MessageSeq)
	require.NotEmpty(t, reply.Segments)
	require.Equal(t, "reply", reply.Segments[0].Type, "segments %+v", reply.Segments)
	require.EqualValues(t, in.MessageSeq, reply.Segments[0].Data["message_seq"])

	// Reaction and essence reach the upstream as the simulator's own seq.
	m.call("send_group_message_reaction", map[string]any{"group_id": group, "message_seq": in.MessageSeq, "reaction": "76", "is_add": true}, nil)
	require.Contains(t, string(lastCall(t, up.sim, "send_group_message_reaction")), `"message_seq":`+num(simIn.MessageSeq))
	m.call("set_group_essence_message", map[string]any{"group_id": group, "message_seq": in.MessageSeq, "is_set": true}, nil)
	require.Contains(t, string(lastCall(t, up.sim, "set_group_essence_message")), `"message_seq":`+num(simIn.MessageSeq))

	// Requests: the ids a bot is given to answer them.
	const stranger, newGroup = 20260001, 20269999
	simUID := up.sim.FriendRequest(stranger, "add me")
	fr := nextMilkyEvent(t, ev, "friend_request")
	uid, _ := fr["initiator_uid"].(string)
	require.NotEmpty(t, uid, "%v", fr)
	require.EqualValues(t, stranger, fr["initiator_id"])
	simNotif := up.sim.GroupJoinRequest(group, stranger, "let me in", false)
	jr := nextMilkyEvent(t, ev, "group_join_request")
	require.EqualValues(t, group, jr["group_id"])
	notifSeq := int64(jr["notification_seq"].(float64))
	simInv := up.sim.GroupInvitation(newGroup, member)
	gi := nextMilkyEvent(t, ev, "group_invitation")
	require.EqualValues(t, newGroup, gi["group_id"])
	invSeq := int64(gi["invitation_seq"].(float64))

	// Restart on the same data dir.
	m.shutdown()
	m = startMilkyGateway(t, opts, true)

	require.Equal(t, "ids one", m.getMessage("group", group, seq1).text())
	require.Equal(t, "ids incoming", m.getMessage("group", group, in.MessageSeq).text())
	require.Equal(t, "ids private", m.getMessage("friend", friend, priv.MessageSeq).text())
	seq3 := m.sendGroup(group, "ids after restart")
	require.Greater(t, seq3, sent.MessageSeq, "seqs keep increasing across a restart")
	require.Equal(t, "ids after restart", m.getMessage("group", group, seq3).text())

	m.call("recall_group_message", map[string]any{"group_id": group, "message_seq": seq2}, nil)
	m.call("accept_friend_request", map[string]any{"initiator_uid": uid}, nil)
	require.Contains(t, string(lastCall(t, up.sim, "accept_friend_request")), simUID)
	m.call("accept_group_request", map[string]any{"notification_seq": notifSeq, "notification_type": "join_request", "group_id": group}, nil)
	require.Contains(t, string(lastCall(t, up.sim, "accept_group_request")), `"notification_seq":`+num(simNotif))
	m.call("accept_group_invitation", map[string]any{"group_id": newGroup, "invitation_seq": invSeq}, nil)
	require.Contains(t, string(lastCall(t, up.sim, "accept_group_invitation")), `"invitation_seq":`+num(simInv))
}

// A peer's reply to the bot's message names it by the seq the bot got, and
// carries the quoted sender, time and content from the quote cache.
func TestMilkyIncomingReplyNamesSeq(t *testing.T) {
	up := startOneBotUpstream(t, bridge.Options{AccessToken: obToken})
	m := startMilkyGateway(t, bridge.Options{UpstreamURL: up.ws, UpstreamToken: obToken}, true)
	ev := m.events()
	group, member := up.groupA()
	seq := m.sendGroup(group, "quote me")
	nextMilkyMessage(t, ev, "quote me")
	hist := up.sim.History("group", group)
	var simSeq int64
	for _, msg := range hist {
		if msg.SenderID == up.sim.SelfID() && len(msg.Segments) == 1 && msg.Segments[0].Data.Text == "quote me" {
			simSeq = msg.MessageSeq
		}
	}
	require.NotZero(t, simSeq, "the simulator has the bot's message")

	up.sim.ReceiveGroupMessage(group, member, []milky.IncomingSegment{
		{Type: milky.SegReply, Data: milky.IncomingSegmentData{MessageSeq: simSeq}},
		{Type: milky.SegText, Data: milky.IncomingSegmentData{Text: "quoting you"}},
	})
	got := nextMilkyMessage(t, ev, "quoting you")
	require.Equal(t, "reply", got.Segments[0].Type, "%+v", got.Segments)
	d := got.Segments[0].Data
	require.EqualValues(t, seq, d["message_seq"])
	require.EqualValues(t, up.sim.SelfID(), d["sender_id"], "%v", d)
	require.NotZero(t, d["time"], "%v", d)
	require.Contains(t, fmt.Sprint(d["segments"]), "quote me", "%v", d)
}

// Paging get_history_messages from the latest towards older messages visits
// every message of the conversation once, each page at or below its start.
//
// It holds because the reverse direction takes each message's seq from the
// upstream where it reports one (onebot11.Impl.ConversationSeq: NapCat's
// real_seq, this gateway's message_seq): in events, in history, for its
// own sends (read back with get_msg) and for the messages a reply quotes
// (read back before the reply is converted), so no message of the seeded
// history is met first under a seq of the gateway's own.
func TestMilkyHistoryPagingVisitsEveryMessage(t *testing.T) {
	up := startOneBotUpstream(t, bridge.Options{AccessToken: obToken})
	m := startMilkyGateway(t, bridge.Options{UpstreamURL: up.ws, UpstreamToken: obToken}, true)
	group, member := up.groupA()
	up.sim.ReceiveGroupMessage(group, member, text("history new 1"))
	m.sendGroup(group, "history new 2")
	// The simulator echoes the bot's message 1ms after storing it; count
	// the history once the echo is in, or a send that returns within that
	// millisecond leaves the echo to appear mid-paging (a 14th message).
	require.Eventually(t, func() bool {
		for _, msg := range up.sim.History("group", group) {
			if len(msg.Segments) == 1 && msg.Segments[0].Data.Text == "echo: history new 2" {
				return true
			}
		}
		return false
	}, 10*time.Second, time.Millisecond, "the simulator echoes the bot's message")
	want := len(up.sim.History("group", group))

	seen := map[int64]bool{}
	var start *int64
	for page := 0; page < 2*want; page++ {
		var hist struct {
			Messages []milkyMsg `json:"messages"`
			Next     *int64     `json:"next_message_seq"`
		}
		p := map[string]any{"message_scene": "group", "peer_id": group, "limit": 4}
		if start != nil {
			p["start_message_seq"] = *start
		}
		m.call("get_history_messages", p, &hist)
		for _, msg := range hist.Messages {
			require.False(t, seen[msg.MessageSeq], "seq %d on two pages", msg.MessageSeq)
			seen[msg.MessageSeq] = true
			if start != nil {
				require.LessOrEqual(t, msg.MessageSeq, *start, "a page runs from its start towards older messages")
			}
		}
		if hist.Next == nil {
			break
		}
		start = hist.Next
	}
	require.Len(t, seen, want, "every message of the conversation is reachable by paging")
}

// Concurrent sends to one group get distinct seqs, each naming its own
// message, and the bot's own message events carry the same seqs.
func TestMilkyConcurrentSendsGetDistinctSeqs(t *testing.T) {
	up := startOneBotUpstream(t, bridge.Options{AccessToken: obToken})
	m := startMilkyGateway(t, bridge.Options{UpstreamURL: up.ws, UpstreamToken: obToken}, true)
	ev := m.events()
	group, _ := up.groupA()
	const n = 20
	seqs := make([]int64, n)
	errs := make(chan error, n)
	for i := 0; i < n; i++ {
		go func() {
			var out struct {
				MessageSeq int64 `json:"message_seq"`
			}
			err := m.api.Must(ctx(t), "send_group_message", map[string]any{"group_id": group, "message": milkyText(numbered("burst", i))}, &out)
			seqs[i] = out.MessageSeq
			errs <- err
		}()
	}
	for i := 0; i < n; i++ {
		require.NoError(t, <-errs)
	}
	bySeq := map[int64]int{}
	for i, s := range seqs {
		require.Positive(t, s)
		_, dup := bySeq[s]
		require.False(t, dup, "seq %d given twice", s)
		bySeq[s] = i
	}
	for s, i := range bySeq {
		require.Equal(t, numbered("burst", i), m.getMessage("group", group, s).text())
	}
	for k := 0; k < n; k++ {
		own := nextMilkyMessage(t, ev, "burst #")
		if own.SenderID != up.sim.SelfID() {
			k--
			continue
		}
		i, ok := bySeq[own.MessageSeq]
		require.True(t, ok, "event seq %d was never returned by send_group_message", own.MessageSeq)
		require.Equal(t, numbered("burst", i), own.text())
	}
}
