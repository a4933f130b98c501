package ob11milky

import (
	"context"
	"errors"
	"strings"
	"testing"

	"github.com/goccy/go-json"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/qqbridge/gateway/milky"
	"github.com/qqbridge/gateway/onebot11"
	"github.com/qqbridge/gateway/segment"
)

// The 22 segment types of the catalog (§3.2) and the v11 types it lacks.
var catalogSegments = []string{
	"text", "image", "video", "record", "file", "flash_file", "at", "reply", "json", "xml", "face",
	"mface", "markdown", "node", "forward", "music", "poke", "dice", "rps", "contact", "shake", "keyboard",
	"anonymous", "share", "location",
}

func segmentRow(t *testing.T, typ string) segment.SegmentInfo {
	for _, s := range segment.Segments {
		if s.OneBot == typ {
			return s
		}
	}
	t.Fatalf("no Segments row for %q", typ)
	return segment.SegmentInfo{}
}

func splitTypes(s string) []string {
	var out []string
	for _, f := range strings.Split(s, ",") {
		if f = strings.TrimSpace(f); f != "" {
			out = append(out, f)
		}
	}
	return out
}

func TestSegmentTableComplete(t *testing.T) {
	seen := map[string]bool{}
	for _, s := range segment.Segments {
		assert.False(t, seen[s.OneBot], "duplicate row %s", s.OneBot)
		seen[s.OneBot] = true
		assert.NotEmpty(t, s.Notes, s.OneBot)
	}
	for _, typ := range catalogSegments {
		assert.True(t, seen[typ], "catalog segment %s has no row", typ)
	}
	// Every type the sender knows to have no Milky form is a row without ToMilky.
	for typ := range segment.NoMilkyForm {
		if assert.True(t, seen[typ], "segment.NoMilkyForm %s has no row", typ) {
			assert.Empty(t, segmentRow(t, typ).ToMilky, typ)
		}
	}
	// Every Milky segment type appears on the side it exists on.
	from, to := map[string]bool{}, map[string]bool{}
	for _, s := range segment.Segments {
		for _, m := range splitTypes(s.FromMilky) {
			from[m] = true
		}
		for _, m := range splitTypes(s.ToMilky) {
			to[m] = true
		}
	}
	for _, m := range []string{milky.SegText, milky.SegMention, milky.SegMentionAll, milky.SegFace, milky.SegReply,
		milky.SegImage, milky.SegRecord, milky.SegVideo, milky.SegFile, milky.SegForward, milky.SegMarketFace,
		milky.SegLightApp, milky.SegXML} {
		assert.True(t, from[m], "incoming Milky %s is in no FromMilky", m)
	}
	for _, m := range []string{milky.SegText, milky.SegMention, milky.SegMentionAll, milky.SegFace, milky.SegReply,
		milky.SegImage, milky.SegRecord, milky.SegVideo, milky.SegForward, milky.SegLightApp} {
		assert.True(t, to[m], "outgoing Milky %s is in no ToMilky", m)
	}
}

// TestSegmentTableMatchesIncoming: each FromMilky type converts to the row's
// OneBot type.
func TestSegmentTableMatchesIncoming(t *testing.T) {
	samples := map[string]milky.IncomingSegmentData{
		milky.SegText: {Text: "x"}, milky.SegMention: {UserID: 10002}, milky.SegFace: {FaceID: "14"},
		milky.SegReply: {MessageSeq: 1}, milky.SegImage: {ResourceID: "r"}, milky.SegRecord: {ResourceID: "r"},
		milky.SegVideo: {ResourceID: "r"}, milky.SegFile: {FileID: "f"}, milky.SegForward: {ForwardID: "f"},
		milky.SegMarketFace: {EmojiID: "e"}, milky.SegLightApp: {JSONPayload: "{}"}, milky.SegXML: {XMLPayload: "<x/>"},
	}
	env := &Env{ForOneBot: segment.ForOneBot{IDs: newFakeIDs()}}
	for _, row := range segment.Segments {
		for _, m := range splitTypes(row.FromMilky) {
			got := env.IncomingSegments(milky.SceneGroup, 123456, []milky.IncomingSegment{{Type: m, Data: samples[m]}})
			require.Len(t, got, 1)
			assert.Equal(t, row.OneBot, got[0].Type, "Milky %s", m)
		}
	}
}

// TestSegmentTableMatchesOutgoing sends one sample of every row: a row with
// ToMilky must send as those types, a row without must fail the call with an
// error naming the segment and make no send.
func TestSegmentTableMatchesOutgoing(t *testing.T) {
	samples := map[string]map[string]any{
		"text": {"text": "x"}, "face": {"id": "14"}, "at": {"qq": "10002"}, "reply": {"id": "1"},
		"image": {"file": "https://a/b.png"}, "record": {"file": "https://a/b.mp3"}, "video": {"file": "https://a/b.mp4"},
		"json": {"data": "{}"}, "node": {"user_id": "10002", "nickname": "a", "content": "x"},
		"forward": {"id": "abc"}, "file": {"file": "/a.zip"}, "poke": {"qq": "10002", "type": "1"},
	}
	for _, row := range segment.Segments {
		t.Run(row.OneBot, func(t *testing.T) {
			var sent []milky.OutgoingSegment
			var apis []string
			env := fuzzEnv()
			env.Upstream = answerCaller(func(api string, body []byte) (json.RawMessage, error) {
				apis = append(apis, api)
				if api == milky.APISendGroupMessage {
					var in struct {
						Message []struct {
							Type string `json:"type"`
						} `json:"message"`
					}
					require.NoError(t, json.Unmarshal(body, &in))
					for _, s := range in.Message {
						sent = append(sent, milky.OutgoingSegment{Type: s.Type})
					}
					return json.RawMessage(`{"message_seq":1,"time":1}`), nil
				}
				return json.RawMessage(`{}`), nil
			})
			seg := onebot11.Segment{Type: row.OneBot, Data: samples[row.OneBot]}
			if seg.Data == nil {
				seg.Data = map[string]any{}
			}
			_, err := env.send(context.Background(), []onebot11.Segment{seg}, milky.SceneGroup, 123456)
			if row.OneBot == "poke" {
				require.NoError(t, err)
				assert.Equal(t, []string{milky.APISendGroupNudge}, apis, "a lone poke is a nudge")
				return
			}
			want := splitTypes(row.ToMilky)
			if len(want) == 0 {
				var ob *onebot11.Error
				require.True(t, errors.As(err, &ob), "want a OneBot error, got %v", err)
				assert.Equal(t, onebot11.RetcodeUnsupported, ob.Retcode, ob.Message)
				assert.Contains(t, ob.Message, "("+row.OneBot+")")
				assert.NotContains(t, apis, milky.APISendGroupMessage)
				return
			}
			require.NoError(t, err)
			require.Len(t, sent, 1)
			assert.Contains(t, want, sent[0].Type)
		})
	}
}

func TestSoloPoke(t *testing.T) {
	poke := onebot11.Segment{Type: "poke", Data: map[string]any{"qq": "10002"}}
	empty := onebot11.Segment{Type: "text", Data: map[string]any{"text": ""}}
	txt := onebot11.Segment{Type: "text", Data: map[string]any{"text": "x"}}

	_, ok, err := soloPoke([]onebot11.Segment{txt})
	assert.False(t, ok)
	assert.NoError(t, err)

	at, ok, err := soloPoke([]onebot11.Segment{empty, poke, empty})
	require.NoError(t, err)
	assert.True(t, ok)
	assert.Equal(t, 1, at)

	_, _, err = soloPoke([]onebot11.Segment{poke, poke})
	require.Error(t, err)
	assert.Contains(t, err.Error(), "message[0] (poke)")
	assert.Contains(t, err.Error(), "message[1] (poke)")

	_, _, err = soloPoke([]onebot11.Segment{txt, poke})
	require.Error(t, err)
	assert.Contains(t, err.Error(), "message[1] (poke)")
}
