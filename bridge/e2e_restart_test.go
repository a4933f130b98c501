package bridge_test

import (
	"context"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/qqbridge/gateway/bridge"
	"github.com/qqbridge/gateway/onebot11/ob11test"
	"github.com/qqbridge/gateway/simulator"
)

// A gateway restart with the same --data keeps every message_id and flag a
// bot holds valid: the Milky world (an external simulator) outlives it.

func TestRestart_IDsAndFlagsSurvive(t *testing.T) {
	sim, simURL := startSim(t, simulator.Options{})
	dataDir := t.TempDir()
	opts := bridge.Options{UpstreamURL: simURL, DataDir: dataDir}
	g, member := sim.Groups()[0].GroupID, sim.Members(sim.Groups()[0].GroupID)[1].UserID

	// Gateway A: messages arrive, the bot notes their ids; requests arrive,
	// the bot notes their flags but answers later.
	a := startGateway(t, opts, sim, true)
	ca := a.dial("/", "")
	old := map[int64]string{} // message_id → text
	var firstID, firstSeq int64
	for i := range 5 {
		s := numbered("before restart", i)
		in := sim.ReceiveGroupMessage(g, member, text(s))
		m := nextMessage(t, ca, "message", s)
		old[m.MessageID] = s
		if i == 0 {
			firstID, firstSeq = m.MessageID, in.MessageSeq
		}
	}
	require.Len(t, old, 5, "distinct ids")
	r := call(t, ca, "send_group_msg", map[string]any{"group_id": g, "message": "bot before restart"})
	var sent struct {
		MessageID int64 `json:"message_id"`
	}
	require.NoError(t, r.DecodeData(&sent))
	old[sent.MessageID] = "bot before restart"
	flags := scriptRequests(t, a, ca, 2)

	sctx, cancel := context.WithTimeout(context.Background(), wait)
	defer cancel()
	require.NoError(t, a.g.Shutdown(sctx))

	// Gateway B: same data directory, same upstream.
	b := startGateway(t, opts, sim, true)
	cb := b.dial("/", "")
	for id, s := range old {
		r := call(t, cb, "get_msg", map[string]any{"message_id": id})
		var msg struct {
			MessageID int64  `json:"message_id"`
			RawMsg    string `json:"raw_message"`
		}
		require.NoError(t, r.DecodeData(&msg))
		assert.Equal(t, id, msg.MessageID)
		assert.Equal(t, s, msg.RawMsg, "get_msg(%d) after restart", id)
	}

	// History fetched through B names the same messages with the same ids.
	r = call(t, cb, "get_group_msg_history", map[string]any{"group_id": g, "count": 10})
	var hist struct {
		Messages []msgEvent `json:"messages"`
	}
	require.NoError(t, r.DecodeData(&hist))
	seen := map[int64]string{}
	for _, m := range hist.Messages {
		seen[m.MessageID] = m.RawMessage
	}
	for id, s := range old {
		assert.Equal(t, s, seen[id], "history carries message_id %d", id)
	}

	// New messages get fresh ids that collide with none of the old.
	for i := range 5 {
		s := numbered("after restart", i)
		sim.ReceiveGroupMessage(g, member, text(s))
		m := nextMessage(t, cb, "message", s)
		_, dup := old[m.MessageID]
		assert.False(t, dup, "new message_id %d reuses an old one", m.MessageID)
		old[m.MessageID] = s
	}
	assert.Len(t, old, 11)

	// Flags handed out by A are answered through B.
	approveRequests(t, b, flags)

	// A reply to a message id from before the restart quotes that message.
	call(t, cb, "send_group_msg", map[string]any{"group_id": g, "message": []map[string]any{
		{"type": "reply", "data": map[string]any{"id": firstID}},
		{"type": "text", "data": map[string]any{"text": "re"}},
	}})
	assert.JSONEq(t, `{"group_id":`+num(g)+`,"message":[
		{"type":"reply","data":{"message_seq":`+num(firstSeq)+`}},
		{"type":"text","data":{"text":"re"}}]}`, string(lastCall(t, sim, "send_group_message")))

	// Control: a gateway with an empty data directory cannot resolve the
	// old ids, so the answers above came from the persisted map.
	sctx2, cancel2 := context.WithTimeout(context.Background(), wait)
	defer cancel2()
	require.NoError(t, b.g.Shutdown(sctx2))
	fresh := startGateway(t, bridge.Options{UpstreamURL: simURL, DataDir: t.TempDir()}, sim, true)
	res, err := fresh.http("", ob11test.AuthNone).Get(ctx(t), "get_msg", map[string]string{"message_id": num(firstID)})
	require.NoError(t, err)
	require.NotNil(t, res.Response, "%s", res.Body)
	assert.Equal(t, 1405, res.Response.Retcode, "%s", res.Body)
}
