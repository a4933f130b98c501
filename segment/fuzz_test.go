package segment

import (
	"bytes"
	"errors"
	"path/filepath"
	"testing"

	"github.com/goccy/go-json"

	"github.com/qqbridge/gateway/idmap/idmaptest"
	"github.com/qqbridge/gateway/internal/golden"
	"github.com/qqbridge/gateway/milky"
	"github.com/qqbridge/gateway/onebot11"
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
		out, err := c.ToOneBot(testScene, testPeer, segs)
		if err != nil && len(err.Error()) > 300 {
			t.Fatalf("unbounded error: %d bytes", len(err.Error()))
		}
		checkTypedOutgoing(t, c, segs, out, err)
		ForwardOptions(segs)
	})
}

// checkTypedOutgoing: ToOneBotMessage declines (ok false, no error) only
// a message with a forward segment; an error it gives is ToOneBot's (err),
// forward or not, since it converts in order and a segment before the
// first forward fails in both alike; otherwise it fails as ToOneBot did
// (out, err) or gives the segments whose JSON is byte for byte
// json.Marshal(out).
func checkTypedOutgoing(t *testing.T, c *Outgoing, segs []milky.OutgoingSegment, out []onebot11.Segment, err error) {
	t.Helper()
	msg, ok, terr := c.ToOneBotMessage(testScene, testPeer, segs)
	hasForward := false
	for i := range segs {
		if _, f := deref(segs[i].Data).(milky.OutgoingForward); f {
			hasForward = true
		}
	}
	if !ok {
		if terr != nil {
			t.Fatalf("ToOneBotMessage declined with an error: %v", terr)
		}
		if !hasForward {
			t.Fatalf("ToOneBotMessage declined a message without a forward")
		}
		return
	}
	// A failing segment ahead of a forward is reported as ToOneBot reports
	// it (the caller checks the error before ok), so only a success must
	// have had no forward.
	if hasForward && terr == nil {
		t.Fatalf("ToOneBotMessage took a message with a forward")
	}
	if (terr == nil) != (err == nil) || (err != nil && terr.Error() != err.Error()) {
		t.Fatalf("ToOneBotMessage error %v, ToOneBot %v", terr, err)
	}
	if err != nil {
		var a, b *Error
		if !errors.As(err, &a) || !errors.As(terr, &b) || *a != *b {
			t.Fatalf("ToOneBotMessage error %#v, ToOneBot %#v", terr, err)
		}
		return
	}
	want, merr := json.Marshal(out)
	if merr != nil {
		t.Fatal(merr)
	}
	if got := msg.AppendJSON(nil); !bytes.Equal(got, want) {
		t.Fatalf("typed %s\nmaps  %s", got, want)
	}
}
