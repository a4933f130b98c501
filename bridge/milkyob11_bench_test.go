package bridge

import (
	"io"
	"log/slog"
	"testing"

	"github.com/qqbridge/gateway/idstore"
	"github.com/qqbridge/gateway/milky"
)

// Frames of the reverse direction's commonest events, as NapCat pushes
// them (group message: reply, mention, text, image; private text).
var (
	benchOBGroupMessage   = []byte(`{"time":1750000000,"self_id":10001,"post_type":"message","message_type":"group","sub_type":"normal","message_id":-2147000001,"message_seq":-2147000001,"real_id":-2147000001,"real_seq":"4321","user_id":20002,"group_id":30001,"group_name":"Test Group","message":[{"type":"reply","data":{"id":"7"}},{"type":"at","data":{"qq":"10001","name":"bot"}},{"type":"text","data":{"text":" hi"}},{"type":"image","data":{"file":"A.png","sub_type":0,"url":"https://x/a.png","file_size":"12"}}],"message_format":"array","raw_message":"[CQ:reply,id=7][CQ:at,qq=10001] hi[CQ:image,file=A.png]","font":14,"sender":{"user_id":20002,"nickname":"Bob","card":"Bobby2","role":"admin","title":"Boss"}}`)
	benchOBPrivateMessage = []byte(`{"time":1750000000,"self_id":10001,"post_type":"message","message_type":"private","sub_type":"friend","message_id":-2147000002,"message_seq":-2147000002,"real_id":-2147000002,"real_seq":"4322","user_id":20002,"target_id":10001,"message":[{"type":"text","data":{"text":"hello there"}}],"message_format":"array","raw_message":"hello there","font":14,"sender":{"user_id":20002,"nickname":"Bob","sex":"male"}}`)
)

// openReverseForBench opens the reverse direction without starting it
// (nothing dials or listens): its event pump can then be driven directly.
// The directory is warm, as it is once the gateway has run a while.
func openReverseForBench(tb testing.TB) *MilkyOnOneBot {
	d := &MilkyOnOneBot{}
	rt := New(Options{UpstreamURL: "ws://127.0.0.1:1", Logger: slog.New(slog.NewTextHandler(io.Discard, nil))}, d, nil)
	rt.IDs = idstore.NewMemory(idstore.Options{})
	if err := d.Open(rt); err != nil {
		tb.Fatal(err)
	}
	tb.Cleanup(d.Close)
	d.detected.Store(true)
	d.dir.PutGroup(milky.Group{GroupID: 30001, GroupName: "Test Group", MemberCount: 12, MaxMemberCount: 200})
	d.dir.PutGroupMember(milky.GroupMember{GroupID: 30001, UserID: 20002, Nickname: "Bob", Card: "Bobby", Role: milky.RoleMember, Sex: milky.SexMale, Level: 3, JoinTime: 1700000000})
	d.dir.PutFriend(milky.Friend{UserID: 20002, Nickname: "Bob", Sex: milky.SexMale, Category: milky.FriendCategory{CategoryID: 1, CategoryName: "Friends"}})
	return d
}

// BenchmarkReverseEventPump: one upstream frame through the reverse
// direction's event pump as the OneBot 11 client drives it (tryEvent:
// TryMapRaw, then publish: directory, encoding into a pooled frame, quote
// cache, fan-out to no subscriber, then Release). No sockets: the cost and
// the allocations of the per-event work itself.
func BenchmarkReverseEventPump(b *testing.B) {
	for _, c := range []struct {
		name, scene string
		peer        int64
		id          int32
		raw         []byte
	}{
		{"group", milky.SceneGroup, 30001, -2147000001, benchOBGroupMessage},
		{"private", milky.SceneFriend, 20002, -2147000002, benchOBPrivateMessage},
	} {
		b.Run(c.name, func(b *testing.B) {
			d := openReverseForBench(b)
			b.ReportAllocs()
			b.SetBytes(int64(len(c.raw)))
			for i := 0; i < b.N; i++ {
				if !d.tryEvent(c.raw) {
					b.Fatal("frame not taken")
				}
			}
			b.StopTimer()
			seq := d.events.Seqs.RefForUpstream(c.scene, c.peer, c.id, 0).Seq // known: no new mapping
			if _, ok := d.quotes.Quoted(c.scene, c.peer, c.id, seq); !ok {
				b.Fatal("the message was not published (not in the quote cache)")
			}
		})
	}
}
