package milkyob11

import (
	"context"
	"testing"

	"github.com/goccy/go-json"

	"github.com/qqbridge/gateway/internal/scripted"
	"github.com/qqbridge/gateway/onebot11"
)

// BenchmarkSendGroupMessage: send_group_message request bytes -> the
// send_group_msg call (params encoded, as a transport would) -> the Milky
// reply, on a NapCat upstream answering at once.
func BenchmarkSendGroupMessage(b *testing.B) {
	body := []byte(`{"group_id":123456,"message":[{"type":"reply","data":{"message_seq":41}},` +
		`{"type":"text","data":{"text":"hello, world"}},{"type":"mention","data":{"user_id":654321}},` +
		`{"type":"image","data":{"uri":"https://example.com/a.png"}}]}`)
	env := fuzzEnv(onebot11.NapCat)
	reply := json.RawMessage(`{"message_id":9}`)
	env.Upstream = scripted.Answer(func(string, []byte) (json.RawMessage, error) { return reply, nil })
	ctx := context.Background()
	b.ReportAllocs()
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		if _, err := Do(ctx, env, "send_group_message", body); err != nil {
			b.Fatal(err)
		}
	}
}
