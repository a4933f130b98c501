package segment

import (
	"bytes"
	"errors"
	"testing"

	"github.com/goccy/go-json"
	"github.com/stretchr/testify/require"

	"github.com/qqbridge/gateway/idmap/idmaptest"
	"github.com/qqbridge/gateway/internal/golden"
	"github.com/qqbridge/gateway/milky"
)

// Test conversation: every case runs in group 30001.
const (
	testScene = milky.SceneGroup
	testPeer  = 30001
)

// fakeQuotes knows one quoted message: upstream id 7 in the test group.
type fakeQuotes struct{}

func (fakeQuotes) Quoted(scene string, peer int64, id int32, _ int64) (Quoted, bool) {
	if scene == testScene && peer == testPeer && id == 7 {
		return Quoted{SenderID: 20002, Time: 1700000000, Segments: []milky.IncomingSegment{text("quoted text")}}, true
	}
	return Quoted{}, false
}

// TestGoldenIncoming: testdata/incoming/*.txt (format: testdata/README.md).
// Input: the OneBot 11 message field (array, object or CQ string as JSON);
// expected: the Milky segments, with `# untranslated:` per OneBot type
// reported and `# error:` when the conversion failed.
func TestGoldenIncoming(t *testing.T) {
	golden.Run(t, "testdata/incoming", func(t *testing.T, c *golden.Case) []*golden.Section {
		var untranslated []string
		conv := &Incoming{Seqs: idmaptest.NewSeqs(), Quotes: fakeQuotes{}, OnUntranslated: func(typ string) { untranslated = append(untranslated, typ) }}
		segs, err := conv.FromOneBotRaw(testScene, testPeer, []byte(c.Sections[0].Body))
		want := golden.NewSection("")
		if err != nil {
			want.Add("error", err.Error())
		} else {
			if segs == nil {
				segs = []milky.IncomingSegment{} // shown as [] in the golden file
			}
			want.Body = golden.JSON(segs)
		}
		if segs != nil {
			checkIncomingSchema(t, segs)
		}
		for _, typ := range untranslated {
			want.Add("untranslated", typ)
		}
		return []*golden.Section{c.Sections[0], want}
	})
}

// TestGoldenOutgoing: testdata/outgoing/*.txt. Input: a Milky message
// (segment array as a bot sends it); expected: the OneBot 11 segments, with
// `# forward_meta:` for a merged forward's card texts, or `# error:` (and
// `# not_found: true` for a reply to an unknown message). Upstream message
// ids 1..3 are known in the test group as seqs 100..102 before each case.
func TestGoldenOutgoing(t *testing.T) {
	golden.Run(t, "testdata/outgoing", func(t *testing.T, c *golden.Case) []*golden.Section {
		seqs := idmaptest.NewSeqs()
		for id := int32(1); id <= 3; id++ {
			seqs.RefForUpstream(testScene, testPeer, id, 0)
		}
		input := []byte(c.Sections[0].Body)
		want := golden.NewSection("")
		segs, err := milky.DecodeOutgoingMessage("message", input)
		if err != nil {
			require.LessOrEqual(t, len(err.Error()), 200, "error not bounded")
			// json.Unmarshal through the UnmarshalJSON method must agree.
			var viaJSON []milky.OutgoingSegment
			require.Error(t, json.Unmarshal(input, &viaJSON))
			return []*golden.Section{c.Sections[0], want.Add("error", "decode: "+err.Error())}
		}
		conv := &Outgoing{Seqs: seqs}
		out, err := conv.ToOneBot(testScene, testPeer, segs)
		checkTypedOutgoing(t, conv, segs, out, err)
		if err != nil {
			require.LessOrEqual(t, len(err.Error()), 200, "error not bounded")
			want.Add("error", err.Error())
			if se := (*Error)(nil); errors.As(err, &se) && se.NotFound {
				want.Add("not_found", "true")
			}
			return []*golden.Section{c.Sections[0], want}
		}
		if m, ok := ForwardOptions(segs); ok {
			meta, err := json.Marshal(m) // a directive is one line
			require.NoError(t, err)
			want.Add("forward_meta", string(meta))
		}
		want.Body = golden.JSON(out)
		return []*golden.Section{c.Sections[0], want}
	})
}

// checkIncomingSchema checks the invariants the Milky schema puts on what
// the converter produces (the zod check in conformance/ is the full judge).
func checkIncomingSchema(t *testing.T, segs []milky.IncomingSegment) {
	for _, s := range segs {
		b, err := json.Marshal(s)
		require.NoError(t, err)
		require.False(t, bytes.Contains(b, []byte("null")), "null in %s", b)
		switch s.Type {
		case milky.SegMention:
			require.GreaterOrEqual(t, s.Data.UserID, int64(milky.MinUin))
		case milky.SegReply:
			require.GreaterOrEqual(t, s.Data.SenderID, int64(milky.MinUin))
			checkIncomingSchema(t, s.Data.Segments)
		case milky.SegImage:
			require.Contains(t, []string{"normal", "sticker"}, s.Data.SubType)
		}
	}
}
