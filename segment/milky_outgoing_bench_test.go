package segment

import (
	"testing"

	"github.com/goccy/go-json"

	"github.com/qqbridge/gateway/idmap/idmaptest"
	"github.com/qqbridge/gateway/milky"
)

// BenchmarkOutgoingEncode: a bot's message (the benchmark tool's, with a
// reply) to the JSON of the OneBot segments, through map segments and
// json.Marshal (maps) or typed segments and AppendJSON (typed).
func BenchmarkOutgoingEncode(b *testing.B) {
	segs, err := milky.DecodeOutgoingMessage("message", []byte(`[{"type":"reply","data":{"message_seq":100}},{"type":"text","data":{"text":"hello "}},{"type":"mention","data":{"user_id":10002}},{"type":"text","data":{"text":" see "}},{"type":"face","data":{"face_id":"14"}},{"type":"text","data":{"text":" and "}},{"type":"image","data":{"uri":"https://example.com/a.png?x=1&y=2"}}]`))
	if err != nil {
		b.Fatal(err)
	}
	seqs := idmaptest.NewSeqs()
	seqs.RefForUpstream(testScene, testPeer, 1, 0)
	c := &Outgoing{Seqs: seqs}
	b.Run("maps", func(b *testing.B) {
		b.ReportAllocs()
		for i := 0; i < b.N; i++ {
			out, err := c.ToOneBot(testScene, testPeer, segs)
			if err != nil {
				b.Fatal(err)
			}
			if _, err := json.Marshal(out); err != nil {
				b.Fatal(err)
			}
		}
	})
	b.Run("typed", func(b *testing.B) {
		b.ReportAllocs()
		var buf []byte
		for i := 0; i < b.N; i++ {
			msg, ok, err := c.ToOneBotMessage(testScene, testPeer, segs)
			if err != nil || !ok {
				b.Fatal(err, ok)
			}
			buf = msg.AppendJSON(buf[:0])
		}
	})
}
