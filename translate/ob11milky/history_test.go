package ob11milky

import (
	"context"
	"fmt"
	"testing"

	"github.com/qqbridge/gateway/segment"

	"github.com/goccy/go-json"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/qqbridge/gateway/milky"
	"github.com/qqbridge/gateway/onebot11"
)

// historyUpstream serves a group history of seqs 1..last (multiples of 7
// recalled, so missing) in pages as Milky does, and counts the calls.
func historyUpstream(last int64, calls *int, stuck bool) answerCaller {
	return func(api string, body []byte) (json.RawMessage, error) {
		*calls++
		var in milky.GetHistoryMessagesInput
		if err := json.Unmarshal(body, &in); err != nil {
			return nil, err
		}
		if in.Limit > 30 {
			return nil, &milky.APIError{API: api, Retcode: -400, Message: "limit > 30"}
		}
		start := last
		if in.StartMessageSeq != nil {
			start = *in.StartMessageSeq
		}
		var out milky.GetHistoryMessagesOutput
		lo := max(start-int64(in.Limit)+1, 1)
		for s := lo; s <= start; s++ {
			if s%7 != 0 {
				out.Messages = append(out.Messages, milky.IncomingMessage{MessageScene: "group", PeerID: 123456, MessageSeq: s, SenderID: 10002,
					Segments: []milky.IncomingSegment{{Type: "text", Data: milky.IncomingSegmentData{Text: fmt.Sprint(s)}}}})
			}
		}
		if lo > 1 {
			next := lo - 1
			if stuck {
				next = start // an upstream that makes no progress
			}
			out.NextMessageSeq = &next
		}
		return json.Marshal(out)
	}
}

func historySeqs(t *testing.T, env *Env, params string) []int64 {
	t.Helper()
	r := Do(context.Background(), env, "get_group_msg_history", json.RawMessage(params))
	require.Equal(t, 0, r.Retcode, r.Message)
	var seqs []int64
	for _, m := range r.Data.(*onebot11.HistoryResult).Messages {
		seqs = append(seqs, m.MessageSeq)
	}
	return seqs
}

func TestHistoryPaging(t *testing.T) {
	calls := 0
	env := &Env{ForOneBot: segment.ForOneBot{IDs: newFakeIDs(), SelfID: func() int64 { return 10001 }, Upstream: historyUpstream(1000, &calls, false)}}

	seqs := historySeqs(t, env, `{"group_id":123456,"count":100}`)
	// Recalled messages are gaps, so pages hold fewer than asked and more
	// are read until count messages are there: ascending, no duplicates,
	// none recalled, the newest last.
	assert.Len(t, seqs, 100)
	assert.Equal(t, 5, calls)
	assert.Equal(t, int64(1000), seqs[len(seqs)-1])
	for i, s := range seqs {
		assert.NotZero(t, s%7, "recalled seq %d", s)
		if i > 0 {
			assert.Less(t, seqs[i-1], s)
		}
	}

	// A fresh gateway (no message_id 40 known): 40 is a seq.
	env = &Env{ForOneBot: segment.ForOneBot{IDs: newFakeIDs(), SelfID: func() int64 { return 10001 }, Upstream: historyUpstream(1000, &calls, false)}}
	calls = 0
	seqs = historySeqs(t, env, `{"group_id":123456,"count":50,"message_seq":40}`)
	assert.Equal(t, 2, calls)
	assert.Equal(t, int64(1), seqs[0], "history ends at seq 1")
	assert.Equal(t, int64(40), seqs[len(seqs)-1])

	calls = 0
	historySeqs(t, env, `{"group_id":123456,"count":100000}`)
	assert.LessOrEqual(t, calls, 1000/30+4, "count is capped at 1000")
}

func TestHistoryStuckUpstream(t *testing.T) {
	calls := 0
	env := &Env{ForOneBot: segment.ForOneBot{IDs: newFakeIDs(), SelfID: func() int64 { return 10001 }, Upstream: historyUpstream(1000, &calls, true)}}
	seqs := historySeqs(t, env, `{"group_id":123456,"count":90}`)
	assert.Equal(t, 2, calls, "the second page makes no progress: stop")
	assert.Equal(t, int64(971), seqs[0])
}

func TestHistoryObjectsAreGetMsgShaped(t *testing.T) {
	calls := 0
	env := &Env{ForOneBot: segment.ForOneBot{IDs: newFakeIDs(), SelfID: func() int64 { return 10001 }, Upstream: historyUpstream(3, &calls, false), MessageFormat: "string"}}
	r := Do(context.Background(), env, "get_group_msg_history", json.RawMessage(`{"group_id":123456}`))
	require.Equal(t, 0, r.Retcode, r.Message)
	msgs := r.Data.(*onebot11.HistoryResult).Messages
	require.Len(t, msgs, 3)
	for _, m := range msgs {
		ref, ok := env.IDs.RefFor(m.MessageID)
		require.True(t, ok)
		assert.Equal(t, m.MessageSeq, ref.Seq, "the message_id resolves to the message")
		assert.Equal(t, "string", m.MessageFormat)
		assert.IsType(t, "", m.Message)
		assert.Equal(t, onebot11.PostMessage, m.PostType)
	}
}
