package ob11milky

import (
	"strings"
	"testing"

	"github.com/goccy/go-json"
	"github.com/stretchr/testify/require"

	"github.com/qqbridge/gateway/milky"
	"github.com/qqbridge/gateway/onebot11"
)

// benchEvent is a ~1 KiB group message_receive with 3 segments (text,
// mention, image), as an implementation pushes it.
func benchEvent(tb testing.TB) *milky.Event {
	var ev milky.Event
	require.NoError(tb, json.Unmarshal(benchFrame(), &ev))
	return &ev
}

// benchFrame is benchEvent as it arrives, envelope included (as
// bench/frames.go writes it: no escapes).
func benchFrame() []byte {
	text := strings.Repeat("lorem ipsum [dolor] sit amet & co, ", 12)
	raw := `{"time":1750000000,"self_id":10001,"event_type":"message_receive","data":{` +
		`"message_scene":"group","peer_id":30001,"message_seq":123456,"sender_id":20002,"time":1750000000,` +
		`"segments":[{"type":"text","data":{"text":"` + text + `"}},` +
		`{"type":"mention","data":{"user_id":20001,"name":"Alice"}},` +
		`{"type":"image","data":{"resource_id":"EhQ1MjY0ZmFhZjM2MjQ5ZjRkYjE2MxjQ7wEg_wooy","temp_url":"https://multimedia.nt.qq.com.cn/download?appid=1407&fileid=EhQ1MjY0&rkey=CAQSKAB6","width":640,"height":480,"summary":"[图片]","sub_type":"normal"}}],` +
		`"group":{"group_id":30001,"group_name":"Test Group","member_count":42,"max_member_count":200},` +
		`"group_member":{"user_id":20002,"nickname":"Bob","sex":"male","group_id":30001,"card":"Bobby","title":"","level":12,"role":"member","join_time":1700000000,"last_sent_time":1750000000}}}`
	return []byte(raw)
}

// BenchmarkMapMessage: Milky event (envelope decoded, data raw) -> OneBot
// event -> JSON bytes appended to a reused buffer -> the result released,
// the per-message work of the event pump (which encodes into a pooled
// frame).
func BenchmarkMapMessage(b *testing.B) {
	for _, format := range []string{"array", "string"} {
		b.Run(format, func(b *testing.B) {
			ev := benchEvent(b)
			b.SetBytes(int64(len(ev.Data)))
			env := newTestEnv(format).env
			b.ReportAllocs()
			var buf []byte
			for b.Loop() {
				res, err := Map(env, ev)
				if err != nil || len(res.Events) != 1 {
					b.Fatal(err)
				}
				var err2 error
				if buf, err2 = onebot11.AppendEvent(buf[:0], res.Events[0]); err2 != nil {
					b.Fatal(err2)
				}
				res.Release()
			}
		})
	}
}

// BenchmarkDecodeMessage: the benchmark event's data decoded as
// messageReceive decodes it (pooled memory), by the fast pass and by the
// general decoder.
func BenchmarkDecodeMessage(b *testing.B) {
	ev := benchEvent(b)
	b.Run("fast", func(b *testing.B) {
		b.SetBytes(int64(len(ev.Data)))
		b.ReportAllocs()
		st := new(messageState)
		for b.Loop() {
			if !decodeMessageFast(ev.Data, st) {
				b.Fatal("declined")
			}
			st.reset()
		}
	})
	b.Run("general", func(b *testing.B) {
		b.SetBytes(int64(len(ev.Data)))
		b.ReportAllocs()
		st := new(messageState)
		for b.Loop() {
			if err := decodeInto(ev, &st.msg); err != nil {
				b.Fatal(err)
			}
			st.reset()
		}
	})
}

// BenchmarkMapRawMessage: the benchmark event from its payload, as the
// event stream hands it over: "general" decodes the envelope as the
// client does (goccy/go-json, reused event and Data) and calls Map;
// "one_pass" is TryMapRaw. Both encode and release as the pump does.
func BenchmarkMapRawMessage(b *testing.B) {
	raw := benchFrame()
	run := func(b *testing.B, mapRaw func(env *Env, ev *milky.Event) (Result, error)) {
		b.SetBytes(int64(len(raw)))
		env := newTestEnv("array").env
		b.ReportAllocs()
		var buf []byte
		var ev milky.Event
		for b.Loop() {
			res, err := mapRaw(env, &ev)
			if err != nil || len(res.Events) != 1 {
				b.Fatal(err)
			}
			if buf, err = onebot11.AppendEvent(buf[:0], res.Events[0]); err != nil {
				b.Fatal(err)
			}
			res.Release()
		}
	}
	b.Run("general", func(b *testing.B) {
		run(b, func(env *Env, ev *milky.Event) (Result, error) {
			*ev = milky.Event{Data: ev.Data[:0]}
			if err := json.UnmarshalWithOption(raw, ev, json.DecodeNoCopyString()); err != nil {
				return Result{}, err
			}
			return Map(env, ev)
		})
	})
	b.Run("one_pass", func(b *testing.B) {
		run(b, func(env *Env, ev *milky.Event) (Result, error) {
			res, taken, err := TryMapRaw(env, raw, ev)
			if !taken {
				b.Fatal("not taken")
			}
			return res, err
		})
	})
}
