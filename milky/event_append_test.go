package milky

import (
	"testing"

	"github.com/goccy/go-json"
	"github.com/stretchr/testify/require"
)

// TestAppendTypedEventStrings: strings that need escapes or replacement,
// every segment kind and every scene come out as json.Marshal writes them.
func TestAppendTypedEventStrings(t *testing.T) {
	strs := []string{"", "plain", "中文 ok", "quote\" back\\ slash", "<b>&amp;</b>", "ctl\x00\x01\b\f\n\r\t\x1f\x7f",
		"bad \xff utf8", "line\u2028sep\u2029", "\ufffd", "emoji 😀", "\xe4\xb8"}
	name := "n"
	hash := "h"
	var segs []IncomingSegment
	for _, s := range strs {
		d := IncomingSegmentData{Text: s, Name: s, FaceID: s, ResourceID: s, TempURL: s, Summary: s, SubType: s, FileID: s, FileName: s,
			ForwardID: s, Title: s, Preview: []string{s}, EmojiID: s, Key: s, URL: s, AppName: s, JSONPayload: s, XMLPayload: s,
			UserID: 10001, Width: 3, Height: 4, Duration: 5, FileSize: 6, MessageSeq: 7, SenderID: 8, Time: 9, IsLarge: true}
		for _, typ := range []string{SegText, SegMention, SegMentionAll, SegFace, SegReply, SegImage, SegRecord, SegVideo, SegFile,
			SegForward, SegMarketFace, SegLightApp, SegXML, "unknown_kind", s} {
			segs = append(segs, IncomingSegment{Type: typ, Data: d})
		}
	}
	segs = append(segs,
		IncomingSegment{Type: SegReply, Data: IncomingSegmentData{SenderName: &name, Segments: segs[:3]}},
		IncomingSegment{Type: SegFile, Data: IncomingSegmentData{FileHash: &hash}},
		IncomingSegment{Type: SegImage})
	end := int64(99)
	for _, s := range strs {
		for _, scene := range []string{SceneGroup, SceneFriend, SceneTemp, "other", ""} {
			msgs := []*IncomingMessage{
				{MessageScene: scene, PeerID: 1, MessageSeq: 2, SenderID: 3, Time: -4, Segments: segs},
				{MessageScene: scene},
				{MessageScene: scene, Segments: []IncomingSegment{}, Friend: &Friend{UserID: 5, Nickname: s, Sex: s, QID: s, Remark: s, Category: FriendCategory{CategoryID: 6, CategoryName: s}},
					Group:       &Group{GroupID: 7, GroupName: s, MemberCount: 8, MaxMemberCount: 9, Remark: s, CreatedTime: 10, Description: s, Question: s, Announcement: s},
					GroupMember: &GroupMember{UserID: 11, Nickname: s, Sex: s, GroupID: 12, Card: s, Title: s, Level: 13, Role: s, JoinTime: 14, LastSentTime: 15, ShutUpEndTime: &end}},
			}
			for _, m := range msgs {
				ev := TypedEvent{Time: 1, SelfID: 2, Data: m}
				want, err := json.Marshal(ev)
				require.NoError(t, err)
				got, err := AppendTypedEvent(nil, ev)
				require.NoError(t, err)
				require.Equal(t, string(want), string(got))
			}
		}
	}
	for _, ev := range []TypedEvent{{Time: 1, Data: &GroupMuteData{GroupID: 1}}, {Time: 1}} {
		want, err := json.Marshal(ev)
		require.NoError(t, err)
		got, err := AppendTypedEvent(nil, ev)
		require.NoError(t, err)
		require.Equal(t, string(want), string(got))
	}
}

// FuzzAppendJSONString: any string is written as json.Marshal writes it.
func FuzzAppendJSONString(f *testing.F) {
	for _, s := range []string{"", "a<b>&c", "\x00\x1f\"\\", "\u2028\u2029", "\xff", "中\xe4\xb8文", "\ufffd"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		want, err := json.Marshal(s)
		require.NoError(t, err)
		require.Equal(t, string(want), string(appendJSONString(nil, s)))
	})
}
