package ob11milky

import (
	"context"
	"testing"

	"github.com/qqbridge/gateway/segment"

	"github.com/goccy/go-json"
)

// BenchmarkSendGroupMsg measures one send_group_msg from OneBot params to
// the marshalled Milky request (what the HTTP client would send), for the
// CQ-string and the array form of the same message. The fake upstream only
// marshals the request and answers a fixed seq.
func BenchmarkSendGroupMsg(b *testing.B) {
	forms := []struct{ name, params string }{
		{"cq_string", `{"group_id":"123456","message":"hello [CQ:at,qq=10002] see [CQ:face,id=14] and [CQ:image,file=https://example.com/a.png?x=1&amp;y=2]"}`},
		{"array", `{"group_id":123456,"message":[{"type":"text","data":{"text":"hello "}},{"type":"at","data":{"qq":"10002"}},{"type":"text","data":{"text":" see "}},{"type":"face","data":{"id":"14"}},{"type":"text","data":{"text":" and "}},{"type":"image","data":{"file":"https://example.com/a.png?x=1&y=2"}}]}`},
	}
	reply := json.RawMessage(`{"message_seq":42,"time":1700000000}`)
	for _, form := range forms {
		b.Run(form.name, func(b *testing.B) {
			env := &Env{
				ForOneBot: segment.ForOneBot{IDs: newFakeIDs(), SelfID: func() int64 { return 10001 }, Upstream: answerCaller(func(string, []byte) (json.RawMessage, error) {
					return reply, nil
				})},
			}
			params := json.RawMessage(form.params)
			ctx := context.Background()
			b.ReportAllocs()
			for b.Loop() {
				if r := Do(ctx, env, "send_group_msg", params); r.Retcode != 0 {
					b.Fatal(r.Message)
				}
			}
		})
	}
}
