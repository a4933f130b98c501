package ob11milky

import (
	"testing"

	"github.com/qqbridge/gateway/segment"

	"github.com/goccy/go-json"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/qqbridge/gateway/idmap"
	"github.com/qqbridge/gateway/milky"
	"github.com/qqbridge/gateway/onebot11"
)

// countingMapper hands out ids from 1 in order of first use.
type countingMapper struct {
	ids  map[idmap.Ref]int32
	refs []idmap.Ref
}

func (m *countingMapper) IDFor(ref idmap.Ref) int32 {
	if m.ids == nil {
		m.ids = map[idmap.Ref]int32{}
	}
	if id, ok := m.ids[ref]; ok {
		return id
	}
	m.refs = append(m.refs, ref)
	m.ids[ref] = int32(len(m.refs))
	return int32(len(m.refs))
}

func (m *countingMapper) RefFor(id int32) (idmap.Ref, bool) {
	if id < 1 || int(id) > len(m.refs) {
		return idmap.Ref{}, false
	}
	return m.refs[id-1], true
}

func incomingEnv(format string) (*Env, *[]string) {
	var untranslated []string
	return &Env{
		ForOneBot: segment.ForOneBot{IDs: &countingMapper{}, SelfID: func() int64 { return 10001 }, MessageFormat: format, OnUntranslated: func(kind, typ string) { untranslated = append(untranslated, kind+":"+typ) }},
	}, &untranslated
}

func strp(s string) *string { return &s }

func TestIncomingSegments(t *testing.T) {
	cases := []struct {
		name string
		in   milky.IncomingSegment
		want onebot11.Segment
	}{
		{"text", milky.IncomingSegment{Type: "text", Data: milky.IncomingSegmentData{Text: "a&[b]"}},
			onebot11.Segment{Type: "text", Data: map[string]any{"text": "a&[b]"}}},
		{"mention", milky.IncomingSegment{Type: "mention", Data: milky.IncomingSegmentData{UserID: 20001, Name: "Alice"}},
			onebot11.Segment{Type: "at", Data: map[string]any{"qq": "20001", "name": "Alice"}}},
		{"mention without name (Milky 1.1)", milky.IncomingSegment{Type: "mention", Data: milky.IncomingSegmentData{UserID: 20001}},
			onebot11.Segment{Type: "at", Data: map[string]any{"qq": "20001"}}},
		{"mention_all", milky.IncomingSegment{Type: "mention_all"},
			onebot11.Segment{Type: "at", Data: map[string]any{"qq": "all"}}},
		{"face", milky.IncomingSegment{Type: "face", Data: milky.IncomingSegmentData{FaceID: "14"}},
			onebot11.Segment{Type: "face", Data: map[string]any{"id": "14"}}},
		{"face large", milky.IncomingSegment{Type: "face", Data: milky.IncomingSegmentData{FaceID: "277", IsLarge: true}},
			onebot11.Segment{Type: "face", Data: map[string]any{"id": "277", "large": "true"}}},
		{"reply", milky.IncomingSegment{Type: "reply", Data: milky.IncomingSegmentData{MessageSeq: 99}},
			onebot11.Segment{Type: "reply", Data: map[string]any{"id": "1"}}},
		{"image", milky.IncomingSegment{Type: "image", Data: milky.IncomingSegmentData{ResourceID: "r1", TempURL: "https://u", Summary: "[图片]", SubType: "normal"}},
			onebot11.Segment{Type: "image", Data: map[string]any{"file": "r1", "url": "https://u", "summary": "[图片]", "sub_type": "0"}}},
		{"sticker", milky.IncomingSegment{Type: "image", Data: milky.IncomingSegmentData{ResourceID: "r2", SubType: "sticker"}},
			onebot11.Segment{Type: "image", Data: map[string]any{"file": "r2", "sub_type": "1"}}},
		{"record", milky.IncomingSegment{Type: "record", Data: milky.IncomingSegmentData{ResourceID: "r3", TempURL: "https://v", Duration: 3}},
			onebot11.Segment{Type: "record", Data: map[string]any{"file": "r3", "url": "https://v"}}},
		{"video", milky.IncomingSegment{Type: "video", Data: milky.IncomingSegmentData{ResourceID: "r4", TempURL: "https://w"}},
			onebot11.Segment{Type: "video", Data: map[string]any{"file": "r4", "url": "https://w"}}},
		{"group file", milky.IncomingSegment{Type: "file", Data: milky.IncomingSegmentData{FileID: "/f", FileName: "a.txt", FileSize: 10}},
			onebot11.Segment{Type: "file", Data: map[string]any{"file": "/f", "file_id": "/f", "name": "a.txt", "file_size": "10"}}},
		{"private file", milky.IncomingSegment{Type: "file", Data: milky.IncomingSegmentData{FileID: "f", FileName: "b", FileSize: 0, FileHash: strp("h")}},
			onebot11.Segment{Type: "file", Data: map[string]any{"file": "f", "file_id": "f", "name": "b", "file_size": "0", "file_hash": "h"}}},
		{"forward", milky.IncomingSegment{Type: "forward", Data: milky.IncomingSegmentData{ForwardID: "fw", Title: "t"}},
			onebot11.Segment{Type: "forward", Data: map[string]any{"id": "fw"}}},
		{"market_face", milky.IncomingSegment{Type: "market_face", Data: milky.IncomingSegmentData{EmojiPackageID: 7, EmojiID: "e", Key: "k", Summary: "[s]", URL: "https://m"}},
			onebot11.Segment{Type: "mface", Data: map[string]any{"emoji_package_id": "7", "emoji_id": "e", "key": "k", "summary": "[s]", "url": "https://m"}}},
		{"light_app", milky.IncomingSegment{Type: "light_app", Data: milky.IncomingSegmentData{AppName: "a", JSONPayload: `{"a":1}`}},
			onebot11.Segment{Type: "json", Data: map[string]any{"data": `{"a":1}`}}},
		{"xml", milky.IncomingSegment{Type: "xml", Data: milky.IncomingSegmentData{ServiceID: 35, XMLPayload: "<x/>"}},
			onebot11.Segment{Type: "xml", Data: map[string]any{"data": "<x/>", "resid": "35"}}},
		{"unknown", milky.IncomingSegment{Type: "holiday_card"},
			onebot11.Segment{Type: "text", Data: map[string]any{"text": "[unsupported segment: holiday_card]"}}},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			env, untranslated := incomingEnv("array")
			got := env.IncomingSegments("group", 30001, []milky.IncomingSegment{c.in})
			require.Len(t, got, 1)
			assert.Equal(t, c.want, got[0])
			if c.name == "unknown" {
				assert.Equal(t, []string{"segment:holiday_card"}, *untranslated)
			} else {
				assert.Empty(t, *untranslated)
			}
		})
	}
}

// A reply resolves through the same triple as the quoted message's event.
func TestReplyIDMatchesMessageID(t *testing.T) {
	env, _ := incomingEnv("array")
	quoted := env.MessageEvent(&milky.IncomingMessage{MessageScene: "friend", PeerID: 20001, MessageSeq: 5, SenderID: 20001,
		Segments: []milky.IncomingSegment{{Type: "text", Data: milky.IncomingSegmentData{Text: "q"}}}})
	reply := env.IncomingSegments("friend", 20001, []milky.IncomingSegment{{Type: "reply", Data: milky.IncomingSegmentData{MessageSeq: 5}}})
	assert.Equal(t, onebot11.Segment{Type: "reply", Data: map[string]any{"id": "1"}}, reply[0])
	assert.EqualValues(t, 1, quoted.MessageID)
	// Forwarded content has no known conversation: id "0", no id allocated.
	fw := env.IncomingSegments("", 0, []milky.IncomingSegment{{Type: "reply", Data: milky.IncomingSegmentData{MessageSeq: 5}}})
	assert.Equal(t, "0", fw[0].Data["id"])
}

func TestMessageEventForms(t *testing.T) {
	msg := &milky.IncomingMessage{
		MessageScene: "group", PeerID: 30001, MessageSeq: 9, SenderID: 20002, Time: 1700000000,
		Segments: []milky.IncomingSegment{
			{Type: "text", Data: milky.IncomingSegmentData{Text: "a&b[1],"}},
			{Type: "image", Data: milky.IncomingSegmentData{ResourceID: "r", TempURL: "https://x/?a=1&b=2,3", SubType: "normal"}},
		},
		Group:       &milky.Group{GroupID: 30001, GroupName: "G"},
		GroupMember: &milky.GroupMember{UserID: 20002, Nickname: "Bob", Card: "B", Sex: "male", Level: 3, Role: "owner", Title: "T"},
	}
	const raw = "a&amp;b&#91;1&#93;,[CQ:image,file=r,sub_type=0,url=https://x/?a=1&amp;b=2&#44;3]"

	arr, _ := incomingEnv("array")
	ev := arr.MessageEvent(msg)
	assert.Equal(t, "message", ev.PostType)
	assert.Equal(t, "group", ev.MessageType)
	assert.Equal(t, "normal", ev.SubType)
	assert.EqualValues(t, 1, ev.MessageID)
	assert.EqualValues(t, 9, ev.MessageSeq)
	assert.EqualValues(t, 9, ev.RealID)
	assert.EqualValues(t, 30001, ev.GroupID)
	assert.EqualValues(t, 10001, ev.SelfID)
	assert.EqualValues(t, 1700000000, ev.Time)
	assert.Equal(t, "array", ev.MessageFormat)
	assert.Equal(t, raw, ev.RawMessage)
	assert.IsType(t, []onebot11.Segment{}, ev.Message)
	assert.Equal(t, onebot11.Sender{UserID: 20002, Nickname: "Bob", Card: "B", Sex: "male", Level: "3", Role: "owner", Title: "T"}, ev.Sender)

	str, _ := incomingEnv("string")
	ev = str.MessageEvent(msg)
	assert.Equal(t, "string", ev.MessageFormat)
	assert.Equal(t, raw, ev.Message)
	assert.Equal(t, raw, ev.RawMessage)

	// The string form parses back to the array form.
	back, err := onebot11.ParseCQ(raw)
	require.NoError(t, err)
	assert.Equal(t, arr.IncomingSegments("group", 30001, msg.Segments), back)
}

func TestMessageEventSentAndTemp(t *testing.T) {
	env, _ := incomingEnv("array")
	ev := env.MessageEvent(&milky.IncomingMessage{MessageScene: "friend", PeerID: 20001, MessageSeq: 1, SenderID: 10001,
		Friend: &milky.Friend{UserID: 20001, Nickname: "Alice", Sex: "female"}})
	assert.Equal(t, "message_sent", ev.PostType)
	assert.Equal(t, "private", ev.MessageType)
	assert.Equal(t, "friend", ev.SubType)
	assert.EqualValues(t, 10001, ev.UserID)
	assert.EqualValues(t, 20001, ev.TargetID)
	assert.Equal(t, "", ev.Sender.Nickname, "the friend entity is the peer, not the bot")
	assert.Equal(t, []onebot11.Segment{}, ev.Message, "empty message is [] not null")

	ev = env.MessageEvent(&milky.IncomingMessage{MessageScene: "friend", PeerID: 20001, MessageSeq: 2, SenderID: 20001,
		Friend: &milky.Friend{UserID: 20001, Nickname: "Alice", Sex: "female"}})
	assert.Equal(t, "message", ev.PostType)
	assert.Zero(t, ev.TargetID)
	assert.Equal(t, onebot11.Sender{UserID: 20001, Nickname: "Alice", Sex: "female"}, ev.Sender)

	ev = env.MessageEvent(&milky.IncomingMessage{MessageScene: "temp", PeerID: 20003, MessageSeq: 1, SenderID: 20003,
		Group: &milky.Group{GroupID: 30001}})
	assert.Equal(t, "private", ev.MessageType)
	assert.Equal(t, "group", ev.SubType)
	require.NotNil(t, ev.TempSource)
	assert.Equal(t, 0, *ev.TempSource)
	assert.EqualValues(t, 30001, ev.Sender.GroupID)
	assert.EqualValues(t, 3, ev.MessageID, "temp triples are distinct from friend triples")

	// Unknown self (0): nothing is message_sent.
	env.SelfID = nil
	ev = env.MessageEvent(&milky.IncomingMessage{MessageScene: "group", PeerID: 30001, MessageSeq: 1, SenderID: 10001})
	assert.Equal(t, "message", ev.PostType)
	ev = env.MessageEventAs(&milky.IncomingMessage{MessageScene: "group", PeerID: 30001, MessageSeq: 1, SenderID: 10001}, 10001)
	assert.Equal(t, "message_sent", ev.PostType)
}

// The JSON a bot receives: raw_message always present, message_id positive,
// segment data values are strings.
func TestMessageEventJSON(t *testing.T) {
	env, _ := incomingEnv("array")
	ev := env.MessageEvent(&milky.IncomingMessage{MessageScene: "group", PeerID: 30001, MessageSeq: 1, SenderID: 20002,
		Segments: []milky.IncomingSegment{{Type: "mention", Data: milky.IncomingSegmentData{UserID: 20001}}}})
	b, err := json.Marshal(ev)
	require.NoError(t, err)
	assert.JSONEq(t, `{"time":0,"self_id":10001,"post_type":"message","message_type":"group","sub_type":"normal",
		"message_id":1,"message_seq":1,"real_id":1,"user_id":20002,"group_id":30001,
		"message":[{"type":"at","data":{"qq":"20001"}}],"message_format":"array",
		"raw_message":"[CQ:at,qq=20001]","font":14,"sender":{"user_id":20002,"nickname":"","age":0}}`, string(b))
}

func TestMessageEventNoMapper(t *testing.T) {
	env := &Env{}
	ev := env.MessageEvent(&milky.IncomingMessage{MessageScene: "group", PeerID: 1, MessageSeq: 1, SenderID: 2,
		Segments: []milky.IncomingSegment{{Type: "reply", Data: milky.IncomingSegmentData{MessageSeq: 1}}, {Type: "nope"}}})
	assert.Zero(t, ev.MessageID)
	assert.Equal(t, "[CQ:reply,id=0]&#91;unsupported segment: nope&#93;", ev.RawMessage)
}

func TestForwardNodes(t *testing.T) {
	env, _ := incomingEnv("string")
	nodes := env.ForwardNodes([]milky.IncomingForwardedMessage{
		{MessageSeq: 3, SenderName: "Alice", AvatarURL: "https://q1.qlogo.cn/g?b=qq&nk=20001&s=640", Time: 5,
			Segments: []milky.IncomingSegment{{Type: "text", Data: milky.IncomingSegmentData{Text: "[hi]"}}}},
		{SenderName: "Anon", AvatarURL: "https://example.com/a.png",
			Segments: []milky.IncomingSegment{{Type: "forward", Data: milky.IncomingSegmentData{ForwardID: "inner"}}}},
	})
	require.Len(t, nodes, 2)
	assert.Equal(t, segment.ForwardNode{Time: 5, MessageSeq: 3, Sender: onebot11.Sender{UserID: 20001, Nickname: "Alice"},
		Content: "&#91;hi&#93;", MessageFormat: "string", RawMessage: "&#91;hi&#93;"}, nodes[0])
	assert.Zero(t, nodes[1].Sender.UserID)
	assert.Equal(t, "[CQ:forward,id=inner]", nodes[1].Content)

	arr, _ := incomingEnv("array")
	nodes = arr.ForwardNodes([]milky.IncomingForwardedMessage{{SenderName: "x"}})
	assert.Equal(t, []onebot11.Segment{}, nodes[0].Content)
	assert.Equal(t, "array", nodes[0].MessageFormat)
}
