package segment

import (
	"bytes"
	"errors"
	"flag"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/goccy/go-json"
	"github.com/stretchr/testify/require"

	"github.com/qqbridge/gateway/idmap"
	"github.com/qqbridge/gateway/milky"
)

var update = flag.Bool("update", false, "rewrite the expected sections of segment/testdata golden files")

// Test conversation: every case runs in group 30001.
const (
	testScene = milky.SceneGroup
	testPeer  = 30001
)

type (
	convKey struct {
		scene string
		peer  int64
	}
	upKey struct {
		scene string
		peer  int64
		id    int32
	}
)

// fakeSeqs is a deterministic idmap.SeqMapper: per conversation, seqs start
// at 100 in first-sighting order unless the upstream gives its own seq.
type fakeSeqs struct {
	refs map[upKey]idmap.Ref // (scene, peer, id) -> ref
	ids  map[idmap.Ref]int32
	next map[convKey]int64
}

func newFakeSeqs() *fakeSeqs {
	return &fakeSeqs{refs: map[upKey]idmap.Ref{}, ids: map[idmap.Ref]int32{}, next: map[convKey]int64{}}
}

func (f *fakeSeqs) RefForUpstream(scene string, peer int64, id int32, upstreamSeq int64) idmap.Ref {
	k := upKey{scene, peer, id}
	if r, ok := f.refs[k]; ok {
		return r
	}
	ck := convKey{scene, peer}
	seq := upstreamSeq
	if seq <= 0 {
		seq = max(f.next[ck], 100)
	}
	f.next[ck] = max(f.next[ck], seq+1)
	r := idmap.Ref{Scene: scene, Peer: peer, Seq: seq}
	f.refs[k] = r
	f.ids[r] = id
	return r
}

func (f *fakeSeqs) UpstreamID(ref idmap.Ref) (int32, bool) {
	id, ok := f.ids[ref]
	return id, ok
}

var _ idmap.SeqMapper = (*fakeSeqs)(nil)

// fakeQuotes knows one quoted message: upstream id 7 in the test group.
type fakeQuotes struct{}

func (fakeQuotes) Quoted(scene string, peer int64, id int32) (Quoted, bool) {
	if scene == testScene && peer == testPeer && id == 7 {
		return Quoted{SenderID: 20002, Time: 1700000000, Segments: []milky.IncomingSegment{text("quoted text")}}, true
	}
	return Quoted{}, false
}

const sep = "----------"

// golden reads testdata/<dir>/*.txt: comment lines (#), the input, the
// separator, the expected output. run returns the actual output as a value
// that is compared as canonical JSON.
func golden(t *testing.T, dir string, run func(t *testing.T, input []byte) any) {
	files, err := filepath.Glob(filepath.Join("testdata", dir, "*.txt"))
	require.NoError(t, err)
	require.NotEmpty(t, files)
	for _, file := range files {
		t.Run(strings.TrimSuffix(filepath.Base(file), ".txt"), func(t *testing.T) {
			raw, err := os.ReadFile(file)
			require.NoError(t, err)
			head, want, ok := strings.Cut(string(raw), "\n"+sep+"\n")
			require.True(t, ok, "no separator line %q", sep)
			var comments, input []string
			for _, l := range strings.Split(head, "\n") {
				if strings.HasPrefix(l, "#") && len(input) == 0 {
					comments = append(comments, l)
				} else {
					input = append(input, l)
				}
			}
			got, err := json.MarshalIndent(run(t, []byte(strings.Join(input, "\n"))), "", "  ")
			require.NoError(t, err)
			if *update {
				out := head + "\n" + sep + "\n" + string(got) + "\n"
				require.NoError(t, os.WriteFile(file, []byte(out), 0o644))
				return
			}
			require.JSONEq(t, want, string(got))
		})
	}
}

type incomingResult struct {
	Segments     any      `json:"segments,omitempty"`
	Untranslated []string `json:"untranslated,omitempty"`
	Error        string   `json:"error,omitempty"`
}

// TestGoldenIncoming: testdata/incoming/*.txt, input = the OneBot 11 message
// field (array, object or CQ string as JSON), output = Milky segments plus
// the OneBot types reported as untranslated.
func TestGoldenIncoming(t *testing.T) {
	golden(t, "incoming", func(t *testing.T, input []byte) any {
		var res incomingResult
		c := &Incoming{Seqs: newFakeSeqs(), Quotes: fakeQuotes{}, OnUntranslated: func(typ string) { res.Untranslated = append(res.Untranslated, typ) }}
		segs, err := c.FromOneBotRaw(testScene, testPeer, input)
		if err != nil {
			res.Error = err.Error()
		}
		if err == nil {
			if segs == nil {
				segs = []milky.IncomingSegment{} // shown as [] in the golden file
			}
			res.Segments = segs
		}
		if segs != nil {
			checkIncomingSchema(t, segs)
		}
		return res
	})
}

type outgoingResult struct {
	Segments    any          `json:"segments,omitempty"`
	ForwardMeta *ForwardMeta `json:"forward_meta,omitempty"`
	Error       string       `json:"error,omitempty"`
	NotFound    bool         `json:"not_found,omitempty"`
}

// TestGoldenOutgoing: testdata/outgoing/*.txt, input = a Milky message
// (segment array as a bot sends it), output = OneBot 11 segments or the
// error. Upstream message ids 1..3 are known in the test group as seqs
// 100..102 before each case.
func TestGoldenOutgoing(t *testing.T) {
	golden(t, "outgoing", func(t *testing.T, input []byte) any {
		seqs := newFakeSeqs()
		for id := int32(1); id <= 3; id++ {
			seqs.RefForUpstream(testScene, testPeer, id, 0)
		}
		segs, err := milky.DecodeOutgoingMessage("message", input)
		if err != nil {
			require.LessOrEqual(t, len(err.Error()), 200, "error not bounded")
			// json.Unmarshal through the UnmarshalJSON method must agree.
			var viaJSON []milky.OutgoingSegment
			require.Error(t, json.Unmarshal(input, &viaJSON))
			return outgoingResult{Error: "decode: " + err.Error()}
		}
		c := &Outgoing{Seqs: seqs}
		out, err := c.ToOneBot(testScene, testPeer, segs)
		if err != nil {
			require.LessOrEqual(t, len(err.Error()), 200, "error not bounded")
			var se *Error
			return outgoingResult{Error: err.Error(), NotFound: errors.As(err, &se) && se.NotFound}
		}
		res := outgoingResult{Segments: out}
		if m, ok := ForwardOptions(segs); ok {
			res.ForwardMeta = &m
		}
		return res
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
