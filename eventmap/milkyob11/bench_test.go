package milkyob11

import (
	"testing"

	"github.com/qqbridge/gateway/milky"
)

// napcatGroupMessage is a typical NapCat group message: reply, mention,
// text, image.
var napcatGroupMessage = []byte(`{"time":1750000000,"self_id":10001,"post_type":"message","message_type":"group","sub_type":"normal","message_id":-2147000001,"message_seq":-2147000001,"real_id":-2147000001,"real_seq":"4321","user_id":20002,"group_id":30001,"group_name":"Test Group","message":[{"type":"reply","data":{"id":"7"}},{"type":"at","data":{"qq":"10001","name":"bot"}},{"type":"text","data":{"text":" hi"}},{"type":"image","data":{"file":"A.png","sub_type":0,"url":"https://x/a.png","file_size":"12"}}],"message_format":"array","raw_message":"[CQ:reply,id=7][CQ:at,qq=10001] hi[CQ:image,file=A.png]","font":14,"sender":{"user_id":20002,"nickname":"Bob","card":"Bobby2","role":"admin","title":"Boss"}}`)

// BenchmarkMapGroupMessage: OneBot 11 group message bytes -> Milky event
// bytes (decode, map with a warm directory and id maps, encode).
func BenchmarkMapGroupMessage(b *testing.B) {
	env := newTestEnv().Env
	b.ReportAllocs()
	b.SetBytes(int64(len(napcatGroupMessage)))
	var buf []byte
	for i := 0; i < b.N; i++ {
		res, err := MapRaw(env, napcatGroupMessage)
		if err != nil || len(res.Events) != 1 {
			b.Fatal(err, res.Skipped)
		}
		// The runtime's encoder (bridge publish), into a reused buffer.
		if buf, err = milky.AppendTypedEvent(buf[:0], res.Events[0]); err != nil {
			b.Fatal(err)
		}
		res.Release() // as the event pump does once the event is encoded
	}
}
