package milkyob11

import (
	"reflect"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/qqbridge/gateway/milky"
	"github.com/qqbridge/gateway/onebot11"
)

// A private text message from 20003 (not in the test directory), another
// sender and another conversation than napcatGroupMessage.
var napcatPrivateMessage = []byte(`{"time":1750000100,"self_id":10001,"post_type":"message","message_type":"private","sub_type":"friend","message_id":-2147000009,"message_seq":-2147000009,"real_id":-2147000009,"real_seq":"99","user_id":20003,"target_id":10001,"message":[{"type":"text","data":{"text":"second event"}}],"message_format":"array","raw_message":"second event","font":14,"sender":{"user_id":20003,"nickname":"Carol","sex":"female"}}`)

// unpooled is what raw maps to through Map with no pooled memory (the path
// whose Results callers may keep), encoded.
func unpooled(t *testing.T, raw []byte) []byte {
	t.Helper()
	var ev onebot11.UpstreamEvent
	require.NoError(t, onebot11.DecodeUpstreamEvent(raw, &ev))
	res := Map(newTestEnv().Env, &ev)
	require.Nil(t, res.pooled)
	require.Len(t, res.Events, 1)
	b, err := milky.AppendTypedEvent(nil, res.Events[0])
	require.NoError(t, err)
	return b
}

func pooledEncoded(t *testing.T, raw []byte) (Result, []byte) {
	t.Helper()
	res, err := MapRaw(newTestEnv().Env, raw)
	require.NoError(t, err)
	require.NotNil(t, res.pooled)
	require.Len(t, res.Events, 1)
	b, err := milky.AppendTypedEvent(nil, res.Events[0])
	require.NoError(t, err)
	return res, b
}

// The pooled path fills the payloads in the mapState's memory, encodes
// exactly as the allocating path does, and Release leaves nothing of the
// event reachable from the state that goes back to the pool; the next
// event, which may get the same memory, is encoded right too, and the
// bytes taken before Release are unchanged.
func TestPooledPayloadsReuse(t *testing.T) {
	wantA, wantB := unpooled(t, napcatGroupMessage), unpooled(t, napcatPrivateMessage)

	resA, gotA := pooledEncoded(t, napcatGroupMessage)
	require.JSONEq(t, string(wantA), string(gotA))
	st := resA.pooled
	msgA := resA.Events[0].Data.(*milky.IncomingMessage)
	require.Same(t, &st.mem.msg, msgA, "the message is the state's")
	require.Same(t, &st.mem.group, msgA.Group)
	require.Same(t, &st.mem.member, msgA.GroupMember)
	require.Same(t, &st.mem.events[0], &resA.Events[0])
	require.Equal(t, "Bobby2", msgA.GroupMember.Card)
	copyA := string(gotA)

	resA.Release()
	require.Nil(t, resA.Events)
	require.True(t, reflect.ValueOf(st.mem).IsZero(), "released payload memory is cleared: %+v", st.mem)
	require.True(t, reflect.ValueOf(st.ev).IsZero(), "released event is cleared")
	require.True(t, reflect.ValueOf(st.env).IsZero(), "released env is cleared")
	for i, s := range st.out[:cap(st.out)] {
		require.True(t, reflect.ValueOf(s).IsZero(), "segment %d cleared", i)
	}
	require.NotNil(t, st.onSeg, "the bound callback survives the release")

	resB, gotB := pooledEncoded(t, napcatPrivateMessage)
	require.JSONEq(t, string(wantB), string(gotB))
	require.Equal(t, copyA, string(gotA), "bytes encoded before Release are unchanged")
	msgB := resB.Events[0].Data.(*milky.IncomingMessage)
	require.NotNil(t, msgB.Friend)
	require.Equal(t, "Carol", msgB.Friend.Nickname)
	require.Nil(t, msgB.Group, "nothing of the group message shows through")
	require.Nil(t, msgB.GroupMember)
	if resB.pooled == st { // the pool may hand out another state (it does under -race)
		require.Same(t, msgA, msgB, "same memory, now the second event")
	}
	resB.Release()
}

// Map called directly allocates: its Results are the caller's to keep,
// and a later Map leaves them alone.
func TestMapWithoutPoolAllocates(t *testing.T) {
	env := newTestEnv().Env
	var ev1, ev2 onebot11.UpstreamEvent
	require.NoError(t, onebot11.DecodeUpstreamEvent(napcatGroupMessage, &ev1))
	require.NoError(t, onebot11.DecodeUpstreamEvent(napcatPrivateMessage, &ev2))
	r1 := Map(env, &ev1)
	before, err := milky.AppendTypedEvent(nil, r1.Events[0])
	require.NoError(t, err)
	r2 := Map(env, &ev2)
	require.NotSame(t, &r1.Events[0], &r2.Events[0])
	after, err := milky.AppendTypedEvent(nil, r1.Events[0])
	require.NoError(t, err)
	require.Equal(t, string(before), string(after))
	r1.Release() // no pooled memory: a no-op
	require.NotNil(t, r1.Events)
}

// A slot serves one value per event: asking twice gives distinct memory.
func TestPooledSlotsServeOncePerEvent(t *testing.T) {
	env := &Env{mem: &eventMem{}}
	require.Same(t, &env.mem.member, env.newMember())
	m2 := env.newMember()
	require.NotSame(t, &env.mem.member, m2)
	require.Same(t, &env.mem.group, env.newGroup())
	require.NotSame(t, env.newGroup(), env.newGroup())
	r1 := env.one(&onebot11.UpstreamEvent{}, &milky.BotOfflineData{})
	r2 := env.one(&onebot11.UpstreamEvent{}, &milky.BotOfflineData{})
	require.Same(t, &env.mem.events[0], &r1.Events[0])
	require.NotSame(t, &r1.Events[0], &r2.Events[0])
	require.Equal(t, 1, cap(r1.Events), "an appended event goes to a new array")
}
