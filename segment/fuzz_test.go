package segment

import (
	"path/filepath"
	"testing"

	"github.com/goccy/go-json"

	"github.com/qqbridge/gateway/idmap/idmaptest"
	"github.com/qqbridge/gateway/internal/golden"
	"github.com/qqbridge/gateway/milky"
)

// seedInputs adds the input section of every golden case in dir.
func seedInputs(f *testing.F, dir string) {
	cases, err := golden.LoadAll(filepath.Join("testdata", dir))
	if err != nil {
		f.Fatal(err)
	}
	for _, c := range cases {
		f.Add([]byte(c.Sections[0].Body))
	}
}

// FuzzIncoming: any received message field converts without panicking, and
// what comes out encodes.
func FuzzIncoming(f *testing.F) {
	seedInputs(f, "incoming")
	f.Add([]byte(`"[CQ:reply,id=2147483648][CQ:at,qq=-1][CQ:image,sub_type=1e999,width=99999999999]"`))
	f.Fuzz(func(t *testing.T, in []byte) {
		c := &Incoming{Seqs: idmaptest.NewSeqs(), Quotes: fakeQuotes{}, OnUntranslated: func(string) {}}
		segs, err := c.FromOneBotRaw(testScene, testPeer, in)
		if err != nil {
			if len(err.Error()) > 200 {
				t.Fatalf("unbounded error: %d bytes", len(err.Error()))
			}
			return
		}
		if _, err := json.Marshal(segs); err != nil {
			t.Fatal(err)
		}
	})
}

// FuzzOutgoing: any bot message decodes or fails with a bounded error, and
// a decoded one converts or fails with a bounded error, never a panic.
func FuzzOutgoing(f *testing.F) {
	seedInputs(f, "outgoing")
	f.Add([]byte(`[{"type":"forward","data":{"messages":[{"user_id":10001,"sender_name":"","segments":[{"type":"reply","data":{"message_seq":100}}]}]}}]`))
	f.Fuzz(func(t *testing.T, in []byte) {
		segs, err := milky.DecodeOutgoingMessage("message", in)
		if err != nil {
			if len(err.Error()) > 300 {
				t.Fatalf("unbounded error: %d bytes", len(err.Error()))
			}
			return
		}
		seqs := idmaptest.NewSeqs()
		seqs.RefForUpstream(testScene, testPeer, 1, 0)
		c := &Outgoing{Seqs: seqs}
		if _, err := c.ToOneBot(testScene, testPeer, segs); err != nil && len(err.Error()) > 300 {
			t.Fatalf("unbounded error: %d bytes", len(err.Error()))
		}
		ForwardOptions(segs)
	})
}
