package simulator

import (
	"fmt"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/qqbridge/gateway/milky"
)

func seqsOf(ms []milky.IncomingMessage) []int64 {
	out := make([]int64, 0, len(ms))
	for _, m := range ms {
		out = append(out, m.MessageSeq)
	}
	return out
}

func TestHistoryPaging(t *testing.T) {
	s := newTestSim(t)
	g := s.Groups()[1].GroupID
	for i := range 60 {
		if i%2 == 0 {
			s.ReceiveGroupMessage(g, s.Members(g)[3].UserID, textSegs(fmt.Sprint("in ", i)))
		} else {
			mustCall[milky.SendMessageOutput](t, s, "send_group_message", `{"group_id": %d, "message": [{"type": "text", "data": {"text": "out %d"}}]}`, g, i)
		}
	}
	all := seqsOf(s.History(milky.SceneGroup, g))
	require.Len(t, all, 71) // 11 seeded + 60
	for i := 1; i < len(all); i++ {
		require.Equal(t, all[i-1]+1, all[i], "received and sent messages share one per-conversation sequence")
	}

	page := func(body string, args ...any) milky.GetHistoryMessagesOutput {
		return mustCall[milky.GetHistoryMessagesOutput](t, s, "get_history_messages", body, args...)
	}
	// Default limit 20, newest page, ascending.
	p := page(`{"message_scene": "group", "peer_id": %d}`, g)
	assert.Equal(t, all[len(all)-20:], seqsOf(p.Messages))
	require.NotNil(t, p.NextMessageSeq)
	assert.Equal(t, all[len(all)-21], *p.NextMessageSeq)

	// limit is capped at 30.
	p = page(`{"message_scene": "group", "peer_id": %d, "limit": 100}`, g)
	assert.Equal(t, all[len(all)-30:], seqsOf(p.Messages))

	// Walking next_message_seq visits every message exactly once, then stops.
	var walked []int64
	var start *int64
	for range 20 {
		body := fmt.Sprintf(`{"message_scene": "group", "peer_id": %d, "limit": 7}`, g)
		if start != nil {
			body = fmt.Sprintf(`{"message_scene": "group", "peer_id": %d, "limit": 7, "start_message_seq": %d}`, g, *start)
		}
		p := page("%s", body)
		walked = append(seqsOf(p.Messages), walked...)
		if p.NextMessageSeq == nil {
			break
		}
		start = p.NextMessageSeq
	}
	assert.Equal(t, all, walked)

	// A start beyond the newest is the newest; a start before the oldest is empty.
	p = page(`{"message_scene": "group", "peer_id": %d, "start_message_seq": %d, "limit": 2}`, g, all[len(all)-1]+100)
	assert.Equal(t, all[len(all)-2:], seqsOf(p.Messages))
	p = page(`{"message_scene": "group", "peer_id": %d, "start_message_seq": %d}`, g, all[0]-1)
	assert.Empty(t, p.Messages)
	assert.Nil(t, p.NextMessageSeq)
}

func TestHistoryRecallLeavesGap(t *testing.T) {
	s := newTestSim(t)
	f := s.Friends()[0].UserID
	var seqs []int64
	for i := range 3 {
		out := mustCall[milky.SendMessageOutput](t, s, "send_private_message", `{"user_id": %d, "message": [{"type": "text", "data": {"text": "%d"}}]}`, f, i)
		seqs = append(seqs, out.MessageSeq)
	}
	mustCall[milky.Empty](t, s, "recall_private_message", `{"user_id": %d, "message_seq": %d}`, f, seqs[1])
	p := mustCall[milky.GetHistoryMessagesOutput](t, s, "get_history_messages", `{"message_scene": "friend", "peer_id": %d, "limit": 2}`, f)
	assert.Equal(t, []int64{seqs[0], seqs[2]}, seqsOf(p.Messages), "the recalled message is absent, leaving a gap")
	// Starting at the recalled seq pages from the message before it.
	p = mustCall[milky.GetHistoryMessagesOutput](t, s, "get_history_messages", `{"message_scene": "friend", "peer_id": %d, "limit": 1, "start_message_seq": %d}`, f, seqs[1])
	assert.Equal(t, []int64{seqs[0]}, seqsOf(p.Messages))
	// The next message keeps counting past the gap.
	out := mustCall[milky.SendMessageOutput](t, s, "send_private_message", `{"user_id": %d, "message": [{"type": "text", "data": {"text": "x"}}]}`, f)
	assert.Equal(t, seqs[2]+1, out.MessageSeq)
}

func TestReplyQuotesTheMessage(t *testing.T) {
	s := newTestSim(t)
	g := s.Groups()[0].GroupID
	in := s.ReceiveGroupMessage(g, s.Members(g)[1].UserID, []milky.IncomingSegment{{Type: milky.SegFace, Data: milky.IncomingSegmentData{FaceID: "1"}}})
	out := mustCall[milky.SendMessageOutput](t, s, "send_group_message",
		`{"group_id": %d, "message": [{"type": "reply", "data": {"message_seq": %d}}, {"type": "text", "data": {"text": "收到"}}]}`, g, in.MessageSeq)
	got := mustCall[milky.GetMessageOutput](t, s, "get_message", `{"message_scene": "group", "peer_id": %d, "message_seq": %d}`, g, out.MessageSeq)
	r := got.Message.Segments[0]
	require.Equal(t, milky.SegReply, r.Type)
	assert.Equal(t, in.MessageSeq, r.Data.MessageSeq)
	assert.Equal(t, in.SenderID, r.Data.SenderID)
	assert.Equal(t, in.Time, r.Data.Time)
	assert.Equal(t, in.Segments, r.Data.Segments)

	// Quoting a reply drops the nested quote.
	out2 := mustCall[milky.SendMessageOutput](t, s, "send_group_message",
		`{"group_id": %d, "message": [{"type": "reply", "data": {"message_seq": %d}}]}`, g, out.MessageSeq)
	got = mustCall[milky.GetMessageOutput](t, s, "get_message", `{"message_scene": "group", "peer_id": %d, "message_seq": %d}`, g, out2.MessageSeq)
	assert.Equal(t, []milky.IncomingSegment{{Type: milky.SegText, Data: milky.IncomingSegmentData{Text: "收到"}}},
		got.Message.Segments[0].Data.Segments)
}

func TestForwardNesting(t *testing.T) {
	s := newTestSim(t)
	f := s.Friends()[0].UserID
	// Three levels deep, built from the inside out.
	node := func(uid int64, name, segs string) string {
		return fmt.Sprintf(`{"user_id": %d, "sender_name": %q, "segments": %s}`, uid, name, segs)
	}
	lvl3 := fmt.Sprintf(`[{"type": "forward", "data": {"messages": [%s]}}]`, node(30003, "三", `[{"type": "text", "data": {"text": "最里层"}}]`))
	lvl2 := fmt.Sprintf(`[{"type": "forward", "data": {"messages": [%s]}}]`, node(20002, "二", lvl3))
	lvl1 := fmt.Sprintf(`[{"type": "forward", "data": {"title": "外层", "summary": "共2条", "preview": ["自定义预览"], "messages": [%s, %s]}}]`,
		node(10001, "一", `[{"type": "text", "data": {"text": "第一层"}}]`), node(20002, "二", lvl2))
	out := mustCall[milky.SendMessageOutput](t, s, "send_private_message", `{"user_id": %d, "message": %s}`, f, lvl1)
	got := mustCall[milky.GetMessageOutput](t, s, "get_message", `{"message_scene": "friend", "peer_id": %d, "message_seq": %d}`, f, out.MessageSeq)
	fw := got.Message.Segments[0].Data
	assert.Equal(t, "外层", fw.Title)
	assert.Equal(t, "共2条", fw.Summary)
	assert.Equal(t, []string{"自定义预览"}, fw.Preview)

	depth := 0
	id := fw.ForwardID
	for id != "" {
		depth++
		nodes := mustCall[milky.GetForwardedMessagesOutput](t, s, "get_forwarded_messages", `{"forward_id": %q}`, id)
		id = ""
		for _, n := range nodes.Messages {
			for _, seg := range n.Segments {
				if seg.Type == milky.SegForward {
					id = seg.Data.ForwardID
					assert.Equal(t, "聊天记录", seg.Data.Title, "private forwards default to 聊天记录")
				}
				if seg.Type == milky.SegText && seg.Data.Text == "最里层" {
					assert.Equal(t, 3, depth)
				}
			}
		}
	}
	assert.Equal(t, 3, depth)

	// Nesting is bounded.
	deep := `[{"type": "text", "data": {"text": "x"}}]`
	for range maxForwardDepth + 1 {
		deep = fmt.Sprintf(`[{"type": "forward", "data": {"messages": [%s]}}]`, node(10001, "a", deep))
	}
	_, err := call(t, s, "send_private_message", `{"user_id": %d, "message": %s}`, f, deep)
	ae := apiError(t, err)
	assert.Equal(t, milky.RetcodeBadParam, ae.Retcode)
	assert.Contains(t, ae.Message, "nested deeper")
}

func TestRemember(t *testing.T) {
	var order []string
	m := map[string]int{}
	for i := range 5 {
		remember(&order, m, fmt.Sprint(i), i, 3)
	}
	remember(&order, m, "4", 40, 3) // an update does not grow the order
	assert.Equal(t, []string{"2", "3", "4"}, order)
	assert.Equal(t, map[string]int{"2": 2, "3": 3, "4": 40}, m)
}

func TestHistoryIsBounded(t *testing.T) {
	s := newTestSim(t)
	f := s.Friends()[0].UserID
	s.mu.Lock()
	c := s.w.convs[convKey{milky.SceneFriend, f}]
	for range maxHistoryPerConv + 10 {
		s.w.store(c, f, testNow.Unix(), textSegs("x"))
	}
	s.mu.Unlock()
	h := s.History(milky.SceneFriend, f)
	assert.Len(t, h, maxHistoryPerConv)
	assert.Equal(t, h[0].MessageSeq+maxHistoryPerConv-1, h[len(h)-1].MessageSeq)
}
