package ob11milky

import (
	"errors"
	"path/filepath"
	"testing"

	"github.com/goccy/go-json"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/qqbridge/gateway/idmap"
	"github.com/qqbridge/gateway/internal/golden"
	"github.com/qqbridge/gateway/milky"
	"github.com/qqbridge/gateway/onebot11"
	"github.com/qqbridge/gateway/segment"
)

// envSelfID is what the test Env reports as the bot's uin; events carry
// their own self_id, which wins (see selfID).
const envSelfID = 10001

// seqMapper is a deterministic fake idmap.Mapper: ids are handed out from
// 1 in the order triples are first seen, so golden files stay readable.
type seqMapper struct {
	ids  map[idmap.Ref]int32
	refs []idmap.Ref
}

func newSeqMapper() *seqMapper { return &seqMapper{ids: map[idmap.Ref]int32{}} }

func (m *seqMapper) IDFor(ref idmap.Ref) int32 {
	if id, ok := m.ids[ref]; ok {
		return id
	}
	m.refs = append(m.refs, ref)
	id := int32(len(m.refs))
	m.ids[ref] = id
	return id
}

func (m *seqMapper) RefFor(id int32) (idmap.Ref, bool) {
	if id < 1 || int(id) > len(m.refs) {
		return idmap.Ref{}, false
	}
	return m.refs[id-1], true
}

var _ idmap.Mapper = (*seqMapper)(nil)

type testEnv struct {
	env          *Env
	untranslated []string
}

func newTestEnv(format string) *testEnv {
	te := &testEnv{}
	te.env = &Env{
		ForOneBot: segment.ForOneBot{IDs: newSeqMapper(), SelfID: func() int64 { return envSelfID }, MessageFormat: format, OnUntranslated: func(kind, typ string) { te.untranslated = append(te.untranslated, kind+" "+typ) }},
	}
	return te
}

// run maps one Milky event and renders what Map did as an expected
// section: `# error:`, `# skipped:`, one `# untranslated:` per
// OnUntranslated call, and the OneBot events as a JSON array.
func (te *testEnv) run(t *testing.T, input *golden.Section) *golden.Section {
	t.Helper()
	var ev milky.Event
	require.NoError(t, input.Decode(&ev), "input is not a Milky event envelope")
	te.untranslated = nil
	res, err := Map(te.env, &ev)
	events := res.Events
	if events == nil {
		events = []onebot11.Event{}
	}
	// The event path encodes with onebot11.AppendEvent: the same bytes as
	// json.Marshal, which the golden files check.
	for _, e := range events {
		want, merr := json.Marshal(e)
		require.NoError(t, merr)
		got, aerr := onebot11.AppendEvent(nil, e)
		require.NoError(t, aerr)
		require.Equal(t, string(want), string(got), "AppendEvent differs from json.Marshal")
	}
	out := golden.NewSection(golden.JSON(events))
	// As the event pump does once it has encoded them: the next case's
	// events are then built in this one's memory, and the golden files
	// show that nothing of an earlier event comes through.
	res.Release()
	if err != nil {
		out.Add("error", err.Error())
		assert.Empty(t, res.Events, "events returned with an error")
	}
	if res.Skipped != "" {
		out.Add("skipped", res.Skipped)
	}
	for _, u := range te.untranslated {
		out.Add("untranslated", u)
	}
	return out
}

// TestGolden runs testdata/<milky_event_type>/<case>.txt (format:
// testdata/README.md): pairs of (Milky event, expected OneBot events), run
// in order against one Env so ids carry from one pair to the next.
func TestGolden(t *testing.T) {
	golden.Run(t, "testdata", func(t *testing.T, c *golden.Case) []*golden.Section {
		if !*golden.Update { // -update may start from inputs alone
			require.True(t, len(c.Sections)%2 == 0, "want pairs of sections (Milky event, expected OneBot events), got %d", len(c.Sections))
		}
		format, ok := c.Sections[0].Get("format")
		if !ok {
			format = "array"
		}
		te := newTestEnv(format)
		var got []*golden.Section
		for i := 0; i < len(c.Sections); i += 2 {
			got = append(got, c.Sections[i], te.run(t, c.Sections[i]))
		}
		return got
	})
}

// Every Milky 1.2 event type has a handler and at least one golden file.
func TestEveryEventTypeCovered(t *testing.T) {
	all := []string{
		milky.EventBotOffline, milky.EventMessageReceive, milky.EventMessageRecall, milky.EventPeerPinChange,
		milky.EventFriendRequest, milky.EventGroupJoinRequest, milky.EventGroupInvitedJoinRequest,
		milky.EventGroupInvitation, milky.EventFriendNudge, milky.EventFriendFileUpload,
		milky.EventGroupAdminChange, milky.EventGroupEssenceMessageChange, milky.EventGroupMemberIncrease,
		milky.EventGroupMemberDecrease, milky.EventGroupNameChange, milky.EventGroupMessageReaction,
		milky.EventGroupMute, milky.EventGroupWholeMute, milky.EventGroupNudge, milky.EventGroupFileUpload,
	}
	require.Len(t, all, 20)
	assert.ElementsMatch(t, all, EventTypes())
	for _, typ := range all {
		files, _ := filepath.Glob(filepath.Join("testdata", typ, "*.txt"))
		assert.NotEmpty(t, files, "no golden file for %s", typ)
	}
}

// The recall of a message carries the message_id the bot saw for it, across
// the bot's message, its own sent message and the reaction/essence notices.
func TestRecallIDMatchesMessageID(t *testing.T) {
	te := newTestEnv("array")
	for _, scene := range []struct{ scene, peer string }{{"group", "30001"}, {"friend", "20001"}, {"temp", "20002"}} {
		msg := `{"time":1,"self_id":10001,"event_type":"message_receive","data":{"message_scene":"` + scene.scene +
			`","peer_id":` + scene.peer + `,"message_seq":77,"sender_id":20001,"time":1,"segments":[{"type":"text","data":{"text":"hi"}}]}}`
		recall := `{"time":2,"self_id":10001,"event_type":"message_recall","data":{"message_scene":"` + scene.scene +
			`","peer_id":` + scene.peer + `,"message_seq":77,"sender_id":20001,"operator_id":20001,"display_suffix":""}}`
		var m, r milky.Event
		require.NoError(t, json.Unmarshal([]byte(msg), &m))
		require.NoError(t, json.Unmarshal([]byte(recall), &r))
		mres, err := Map(te.env, &m)
		require.NoError(t, err)
		rres, err := Map(te.env, &r)
		require.NoError(t, err)
		require.Len(t, mres.Events, 1)
		require.Len(t, rres.Events, 1)
		var me, re struct {
			MessageID int32 `json:"message_id"`
		}
		b, _ := json.Marshal(mres.Events[0])
		require.NoError(t, json.Unmarshal(b, &me))
		b, _ = json.Marshal(rres.Events[0])
		require.NoError(t, json.Unmarshal(b, &re))
		assert.Positive(t, me.MessageID, scene.scene)
		assert.Equal(t, me.MessageID, re.MessageID, scene.scene)
	}
}

func TestMalformedIsDataError(t *testing.T) {
	te := newTestEnv("array")
	for _, in := range []string{
		`{"event_type":"group_mute","data":{"group_id":"x","user_id":1}}`,
		`{"event_type":"group_mute","data":[]}`,
		`{"event_type":"group_mute"}`,
		`{"event_type":"group_mute","data":{"user_id":20001}}`,
		`{"event_type":"message_receive","data":{"message_scene":"group","peer_id":1,"sender_id":2,"segments":[{"type":"text","data":{"text":5}}]}}`,
	} {
		var ev milky.Event
		require.NoError(t, json.Unmarshal([]byte(in), &ev))
		_, err := Map(te.env, &ev)
		var de *DataError
		require.True(t, errors.As(err, &de), "%s: %v", in, err)
		assert.Equal(t, ev.EventType, de.EventType)
		assert.Contains(t, err.Error(), ev.EventType)
	}
}

func TestNilEvent(t *testing.T) {
	_, err := Map(newTestEnv("array").env, nil)
	assert.Error(t, err)
}

// An Env with no mapper, no SelfID and no OnUntranslated must still work.
func TestBareEnv(t *testing.T) {
	env := &Env{}
	var ev milky.Event
	require.NoError(t, json.Unmarshal([]byte(`{"event_type":"message_receive","data":{"message_scene":"group","peer_id":30001,"message_seq":5,"sender_id":20001,"segments":[{"type":"reply","data":{"message_seq":4}},{"type":"weird","data":{}}]}}`), &ev))
	res, err := Map(env, &ev)
	require.NoError(t, err)
	require.Len(t, res.Events, 1)
	res, err = Map(env, &milky.Event{EventType: "nope"})
	require.NoError(t, err)
	assert.Equal(t, SkipUnknownEvent, res.Skipped)
}
