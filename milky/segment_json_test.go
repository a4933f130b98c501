package milky

import (
	"testing"

	"github.com/goccy/go-json"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func strp(s string) *string { return &s }
func i64p(v int64) *int64   { return &v }

// junk fills every flat field, so that a variant leaking a field that is not
// its own shows up in the expected-JSON comparison.
var junk = IncomingSegmentData{
	Text: "T", UserID: 1, Name: "N", FaceID: "F", IsLarge: true, MessageSeq: 2, SenderID: 3,
	SenderName: strp("SN"), Time: 4, ResourceID: "R", TempURL: "U", Width: 5, Height: 6, Summary: "S",
	SubType: "sticker", Duration: 7, FileID: "FI", FileName: "FN", FileSize: 8, FileHash: strp("H"),
	ForwardID: "FW", Title: "TI", Preview: []string{"P"}, EmojiPackageID: 9, EmojiID: "E", Key: "K",
	URL: "L", AppName: "A", JSONPayload: "J", ServiceID: 10, XMLPayload: "X",
}

func TestIncomingSegmentJSON(t *testing.T) {
	cases := []struct {
		name string
		seg  IncomingSegment
		want string
	}{
		{"text", IncomingSegment{Type: SegText, Data: junk}, `{"type":"text","data":{"text":"T"}}`},
		{"text empty", IncomingSegment{Type: SegText}, `{"type":"text","data":{"text":""}}`},
		{"mention", IncomingSegment{Type: SegMention, Data: junk}, `{"type":"mention","data":{"user_id":1,"name":"N"}}`},
		{"mention_all", IncomingSegment{Type: SegMentionAll, Data: junk}, `{"type":"mention_all","data":{}}`},
		{"face", IncomingSegment{Type: SegFace, Data: junk}, `{"type":"face","data":{"face_id":"F","is_large":true}}`},
		{"face is_large false kept", IncomingSegment{Type: SegFace, Data: IncomingSegmentData{FaceID: "14"}},
			`{"type":"face","data":{"face_id":"14","is_large":false}}`},
		{"reply full", IncomingSegment{Type: SegReply, Data: func() IncomingSegmentData {
			d := junk
			d.Segments = []IncomingSegment{{Type: SegText, Data: junk}}
			return d
		}()}, `{"type":"reply","data":{"message_seq":2,"sender_id":3,"sender_name":"SN","time":4,
			"segments":[{"type":"text","data":{"text":"T"}}]}}`},
		{"reply minimal: no sender_name, segments []", IncomingSegment{Type: SegReply, Data: IncomingSegmentData{MessageSeq: 9, SenderID: 10001}},
			`{"type":"reply","data":{"message_seq":9,"sender_id":10001,"time":0,"segments":[]}}`},
		{"image", IncomingSegment{Type: SegImage, Data: junk},
			`{"type":"image","data":{"resource_id":"R","temp_url":"U","width":5,"height":6,"summary":"S","sub_type":"sticker"}}`},
		{"image zero size, sub_type defaults to normal", IncomingSegment{Type: SegImage, Data: IncomingSegmentData{ResourceID: "r"}},
			`{"type":"image","data":{"resource_id":"r","temp_url":"","width":0,"height":0,"summary":"","sub_type":"normal"}}`},
		{"record", IncomingSegment{Type: SegRecord, Data: junk}, `{"type":"record","data":{"resource_id":"R","temp_url":"U","duration":7}}`},
		{"video", IncomingSegment{Type: SegVideo, Data: junk},
			`{"type":"video","data":{"resource_id":"R","temp_url":"U","width":5,"height":6,"duration":7}}`},
		{"file private (hash)", IncomingSegment{Type: SegFile, Data: junk},
			`{"type":"file","data":{"file_id":"FI","file_name":"FN","file_size":8,"file_hash":"H"}}`},
		{"file group (no hash)", IncomingSegment{Type: SegFile, Data: IncomingSegmentData{FileID: "f"}},
			`{"type":"file","data":{"file_id":"f","file_name":"","file_size":0}}`},
		{"forward", IncomingSegment{Type: SegForward, Data: junk},
			`{"type":"forward","data":{"forward_id":"FW","title":"TI","preview":["P"],"summary":"S"}}`},
		{"forward preview []", IncomingSegment{Type: SegForward, Data: IncomingSegmentData{ForwardID: "x"}},
			`{"type":"forward","data":{"forward_id":"x","title":"","preview":[],"summary":""}}`},
		{"market_face", IncomingSegment{Type: SegMarketFace, Data: junk},
			`{"type":"market_face","data":{"emoji_package_id":9,"emoji_id":"E","key":"K","summary":"S","url":"L"}}`},
		{"light_app", IncomingSegment{Type: SegLightApp, Data: junk}, `{"type":"light_app","data":{"app_name":"A","json_payload":"J"}}`},
		{"xml", IncomingSegment{Type: SegXML, Data: junk}, `{"type":"xml","data":{"service_id":10,"xml_payload":"X"}}`},
		{"unknown type keeps the set fields", IncomingSegment{Type: "poke", Data: IncomingSegmentData{UserID: 5, Name: "n"}},
			`{"type":"poke","data":{"user_id":5,"name":"n"}}`},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			got, err := json.Marshal(tc.seg)
			require.NoError(t, err)
			assert.JSONEq(t, tc.want, string(got))
			// Pointer and slice element encodings go through the same method.
			got, err = json.Marshal([]*IncomingSegment{&tc.seg})
			require.NoError(t, err)
			assert.JSONEq(t, "["+tc.want+"]", string(got))
		})
	}
}

func TestIncomingSegmentRoundTrip(t *testing.T) {
	in := `{"type":"reply","data":{"message_seq":9,"sender_id":10001,"time":5,"segments":[{"type":"face","data":{"face_id":"1","is_large":false}}]}}`
	var seg IncomingSegment
	require.NoError(t, json.Unmarshal([]byte(in), &seg))
	out, err := json.Marshal(seg)
	require.NoError(t, err)
	assert.JSONEq(t, in, string(out))
}

func TestIncomingMessageJSON(t *testing.T) {
	friend := &Friend{UserID: 10002, Nickname: "f", Sex: "male", Category: FriendCategory{CategoryID: 1, CategoryName: "c"}}
	group := &Group{GroupID: 20001, GroupName: "g", MemberCount: 2, MaxMemberCount: 200}
	member := &GroupMember{UserID: 10002, Nickname: "m", Sex: "female", GroupID: 20001, Role: "member"}
	const friendJSON = `{"user_id":10002,"nickname":"f","sex":"male","qid":"","remark":"","category":{"category_id":1,"category_name":"c"}}`
	const groupJSON = `{"group_id":20001,"group_name":"g","member_count":2,"max_member_count":200,"remark":"","created_time":0,"description":"","question":"","announcement":""}`
	const memberJSON = `{"user_id":10002,"nickname":"m","sex":"female","group_id":20001,"card":"","title":"","level":0,"role":"member","join_time":0,"last_sent_time":0}`
	const head = `"peer_id":10002,"message_seq":3,"sender_id":10002,"time":100,"segments":[{"type":"text","data":{"text":"hi"}}]`
	segs := []IncomingSegment{{Type: SegText, Data: IncomingSegmentData{Text: "hi"}}}
	base := func(scene string) IncomingMessage {
		return IncomingMessage{MessageScene: scene, PeerID: 10002, MessageSeq: 3, SenderID: 10002, Time: 100, Segments: segs,
			Friend: friend, Group: group, GroupMember: member}
	}
	cases := []struct {
		name string
		msg  IncomingMessage
		want string
	}{
		{"friend: only friend", base(SceneFriend), `{"message_scene":"friend",` + head + `,"friend":` + friendJSON + `}`},
		{"group: group and group_member", base(SceneGroup), `{"message_scene":"group",` + head + `,"group":` + groupJSON + `,"group_member":` + memberJSON + `}`},
		{"temp: group when set", base(SceneTemp), `{"message_scene":"temp",` + head + `,"group":` + groupJSON + `}`},
		{"temp: no group", func() IncomingMessage { m := base(SceneTemp); m.Group = nil; return m }(),
			`{"message_scene":"temp",` + head + `}`},
		{"friend: nil entity still present, nil segments []",
			IncomingMessage{MessageScene: SceneFriend, PeerID: 1},
			`{"message_scene":"friend","peer_id":1,"message_seq":0,"sender_id":0,"time":0,"segments":[],
			  "friend":{"user_id":0,"nickname":"","sex":"","qid":"","remark":"","category":{"category_id":0,"category_name":""}}}`},
		{"member with shut_up_end_time", func() IncomingMessage {
			m := base(SceneGroup)
			mm := *member
			mm.ShutUpEndTime = i64p(99)
			m.GroupMember = &mm
			return m
		}(), `{"message_scene":"group",` + head + `,"group":` + groupJSON + `,"group_member":` +
			memberJSON[:len(memberJSON)-1] + `,"shut_up_end_time":99}}`},
		{"unknown scene: flat", IncomingMessage{MessageScene: "guild", PeerID: 1, Segments: segs},
			`{"message_scene":"guild","peer_id":1,"message_seq":0,"sender_id":0,"time":0,"segments":[{"type":"text","data":{"text":"hi"}}]}`},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			got, err := json.Marshal(tc.msg)
			require.NoError(t, err)
			assert.JSONEq(t, tc.want, string(got))
			// As an event payload and inside get_message's output.
			got, err = json.Marshal(GetMessageOutput{Message: tc.msg})
			require.NoError(t, err)
			assert.JSONEq(t, `{"message":`+tc.want+`}`, string(got))
		})
	}
}

func TestGroupNotificationJSON(t *testing.T) {
	all := GroupNotification{GroupID: 20001, NotificationSeq: 5, IsFiltered: true, InitiatorID: 10002, TargetUserID: 10003,
		State: "pending", OperatorID: i64p(10004), Comment: "c", IsSet: true}
	with := func(typ string, f func(*GroupNotification)) GroupNotification {
		n := all
		n.Type = typ
		if f != nil {
			f(&n)
		}
		return n
	}
	const h = `"group_id":20001,"notification_seq":5`
	cases := []struct {
		name string
		n    GroupNotification
		want string
	}{
		{"join_request", with(NotifyJoinRequest, nil),
			`{"type":"join_request",` + h + `,"is_filtered":true,"initiator_id":10002,"state":"pending","operator_id":10004,"comment":"c"}`},
		{"join_request zero values kept, no operator", with(NotifyJoinRequest, func(n *GroupNotification) {
			n.IsFiltered, n.OperatorID, n.Comment = false, nil, ""
		}), `{"type":"join_request",` + h + `,"is_filtered":false,"initiator_id":10002,"state":"pending","comment":""}`},
		{"admin_change", with(NotifyAdminChange, nil),
			`{"type":"admin_change",` + h + `,"target_user_id":10003,"is_set":true,"operator_id":10004}`},
		{"admin_change unset", with(NotifyAdminChange, func(n *GroupNotification) { n.IsSet = false }),
			`{"type":"admin_change",` + h + `,"target_user_id":10003,"is_set":false,"operator_id":10004}`},
		{"kick", with(NotifyKick, nil), `{"type":"kick",` + h + `,"target_user_id":10003,"operator_id":10004}`},
		{"quit", with(NotifyQuit, nil), `{"type":"quit",` + h + `,"target_user_id":10003}`},
		{"invited_join_request", with(NotifyInvitedJoinRequest, nil),
			`{"type":"invited_join_request",` + h + `,"initiator_id":10002,"target_user_id":10003,"state":"pending","operator_id":10004}`},
		{"invited_join_request no operator", with(NotifyInvitedJoinRequest, func(n *GroupNotification) { n.OperatorID = nil }),
			`{"type":"invited_join_request",` + h + `,"initiator_id":10002,"target_user_id":10003,"state":"pending"}`},
		{"unknown kind: flat", GroupNotification{Type: "disband", GroupID: 20001, NotificationSeq: 5},
			`{"type":"disband",` + h + `}`},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			got, err := json.Marshal(tc.n)
			require.NoError(t, err)
			assert.JSONEq(t, tc.want, string(got))
		})
	}
}

func BenchmarkIncomingMessageMarshal(b *testing.B) {
	m := IncomingMessage{MessageScene: SceneGroup, PeerID: 20001, MessageSeq: 1, SenderID: 10002, Time: 1,
		Segments: []IncomingSegment{
			{Type: SegReply, Data: IncomingSegmentData{MessageSeq: 1, SenderID: 10003, Segments: []IncomingSegment{{Type: SegText, Data: IncomingSegmentData{Text: "q"}}}}},
			{Type: SegText, Data: IncomingSegmentData{Text: "hello world"}},
			{Type: SegImage, Data: IncomingSegmentData{ResourceID: "r", TempURL: "https://x/y", Width: 100, Height: 100}},
		},
		Group: &Group{GroupID: 20001, GroupName: "g"}, GroupMember: &GroupMember{UserID: 10002, GroupID: 20001}}
	b.ReportAllocs()
	for range b.N {
		if _, err := json.Marshal(m); err != nil {
			b.Fatal(err)
		}
	}
}
