package ob11milky

import (
	"testing"

	"github.com/goccy/go-json"
	"github.com/stretchr/testify/require"

	"github.com/qqbridge/gateway/internal/golden"
	"github.com/qqbridge/gateway/milky"
)

// checkDecode: what the fast path takes decodes exactly as the general
// decoder (decodeInto's goccy/go-json call) decodes it, into a fresh
// message and into pooled memory alike; declining is always allowed.
func checkDecode(t *testing.T, data []byte) bool {
	var st messageState
	ok := decodeMessageFast(data, &st)
	// Pooled memory, as messageReceive has it: a reset state with a
	// segment array of its own, once used.
	var pooled messageState
	pooled.msg.Segments = make([]milky.IncomingSegment, 3, 4)
	pooled.msg.Segments[0].Data.Text = "stale"
	pooled.reset()
	ok2 := decodeMessageFast(data, &pooled)
	require.Equal(t, ok, ok2, "pooled memory changed the decision: %q", data)
	if !ok {
		return false
	}
	var want milky.IncomingMessage
	require.NoError(t, json.UnmarshalWithOption(data, &want, json.DecodeNoCopyString()),
		"fast path took what the general decoder rejects: %q", data)
	require.Equal(t, want, st.msg, "input %q", data)
	wantPooled := milky.IncomingMessage{Segments: make([]milky.IncomingSegment, 0, 4)}
	require.NoError(t, json.UnmarshalWithOption(data, &wantPooled, json.DecodeNoCopyString()))
	require.Equal(t, wantPooled, pooled.msg, "input %q (pooled)", data)
	return true
}

// decodeSeeds are the data of message_receive events: the common shapes,
// then each thing the fast path must decode as the general decoder does or
// decline.
var decodeSeeds = []string{
	`{"message_scene":"friend","peer_id":20001,"message_seq":3,"sender_id":20001,"time":1,"segments":[{"type":"text","data":{"text":"a\nb \"q\" \u00e9\/"}}],"friend":{"user_id":20001,"nickname":"A","sex":"female","qid":"q","remark":"","category":{"category_id":1,"category_name":"F"}}}`,
	`{"message_scene":"temp","peer_id":20002,"sender_id":20002,"segments":[{"type":"reply","data":{"message_seq":4,"sender_id":1,"sender_name":"x","time":2,"segments":[{"type":"text","data":{"text":"q"}}]}},{"type":"face","data":{"face_id":"14","is_large":true}}],"group":null}`,
	`{"segments":[{"type":"file","data":{"file_id":"f","file_name":"n","file_size":12,"file_hash":"h"}},{"type":"forward","data":{"forward_id":"r","title":"t","preview":["a","b\n"],"summary":"s"}},{"type":"market_face","data":{"emoji_package_id":1,"emoji_id":"e","key":"k","url":"u","summary":"s"}},{"type":"light_app","data":{"app_name":"a","json_payload":"{\"a\":1}"}},{"type":"xml","data":{"service_id":35,"xml_payload":"<x/>"}},{"type":"record","data":{"resource_id":"r","temp_url":"u","duration":3}}]}`,
	`{"group_member":{"user_id":1,"shut_up_end_time":5,"shut_up_end_time":null,"level":-3},"group_member":{"card":"c","shut_up_end_time":7}}`,
	`{"group":{"group_id":1},"group":{"group_name":"a"},"group":null,"group":{"remark":"r","created_time":3,"description":"d","question":"q","announcement":"a"}}`,
	`{"peer_id":5,"peer_id":null,"message_scene":"x","message_scene":null,"time":-0,"extra":{"a":[1,{"b":null}]},"x-y":[]}`,
	`{"segments":[{"type":"text","data":{"text":"a"},"data":{"name":"b"},"data":null,"other":1}]}`,
	`{"segments":[{"type":"reply","data":{"segments":[],"sender_name":null,"preview":[]}}]}`,
	`{"segments":[{"type":"text","data":{"is_large":null,"width":null,"file_hash":null,"sender_name":"a","sender_name":"b"}}]}`,
	`{"friend":{"category":null},"friend":{"category":{"category_id":2}}}`,
	`{"segments":[{"type":"text","data":{"text":"\u4f60\u597d \ud83d\ude00\u0026"}}]}`, `{"segments":[]}`, ` {"segments" : [ ] } `, `{}`,
	`{"segments":[{"type":"text","data":{"text":"\ud83d"}}]}`, `{"segments":[{"type":"text","data":{"text":"\ude00\ud83d"}}]}`,
	// declined (or rejected by both)
	`{"segments":null}`, `{"segments":[null]}`, `{"segments":[],"segments":[]}`, `{"MESSAGE_SCENE":"g"}`, `{"message_sc\u0065ne":"g"}`,
	`{"segments":[{"type":"x","data":{"width":2147483648}}]}`, `{"segments":[{"type":"x","data":{"width":-2147483648}}]}`,
	`{"peer_id":1.0}`, `{"peer_id":1e2}`, `{"peer_id":"1"}`, `{"peer_id":99999999999999999999}`, `{"message_scene":"a\ud800b"}`,
	`{"message_scene":"\ud83d\ude00"}`, `{"message_scene":1}`, `{"friend":[]}`, `{"friend":{"Nickname":"x"}}`, `{"a":1} x`, `{"a":1`,
	`[]`, `null`, "{\"message_scene\":\"\xff\"}", `{"segments":[{"type":"reply","data":{"segments":null}}]}`,
	`{"segments":[{"type":"forward","data":{"preview":[1]}}]}`, `{"segments":[{"type":"reply","data":{"segments":[],"segments":[]}}]}`,
	`{"group_member":{"shut_up_end_time":"1"}}`, `{"segments":[{"type":"text","data":{"is_large":1}}]}`, `{"segments":{}}`,
}

// messageData is the data of every golden message_receive input and of
// the benchmark's event.
func messageData(tb testing.TB) [][]byte {
	cases, err := golden.LoadAll("testdata")
	require.NoError(tb, err)
	out := [][]byte{benchEvent(tb).Data}
	for _, c := range cases {
		for i := 0; i < len(c.Sections); i += 2 {
			var ev milky.Event
			if json.Unmarshal([]byte(c.Sections[i].Body), &ev) == nil && len(ev.Data) > 0 {
				out = append(out, ev.Data)
			}
		}
	}
	return out
}

func TestDecodeMessageFastMatchesGeneral(t *testing.T) {
	for _, s := range decodeSeeds {
		checkDecode(t, []byte(s))
	}
	accepted := 0
	for _, d := range messageData(t) {
		if checkDecode(t, d) {
			accepted++
		}
	}
	require.True(t, checkDecode(t, benchEvent(t).Data), "the fast path takes the benchmark's event")
	require.Greater(t, accepted, 20, "the fast path takes the common messages")
}

// FuzzDecodeMessageFast: whatever the fast path takes decodes exactly as
// the general decoder decodes it. Seeds: decodeSeeds, the data of every
// golden input (all event types: their shapes are near misses) and the
// benchmark's event.
func FuzzDecodeMessageFast(f *testing.F) {
	for _, s := range decodeSeeds {
		f.Add([]byte(s))
	}
	for _, d := range messageData(f) {
		f.Add(d)
	}
	f.Fuzz(func(t *testing.T, in []byte) { checkDecode(t, in) })
}

// mapOutcome renders what mapping did: events as JSON, error, skip reason,
// untranslated reports.
func mapOutcome(t *testing.T, te *testEnv, res Result, err error) string {
	b, merr := json.Marshal(res.Events)
	require.NoError(t, merr)
	out := string(b)
	if err != nil {
		out += "\nerror: " + err.Error()
	}
	out += "\nskipped: " + res.Skipped
	for _, u := range te.untranslated {
		out += "\nuntranslated: " + u
	}
	res.Release()
	return out
}

// checkTryMapRaw: what TryMapRaw takes, it maps exactly as the general
// path (goccy/go-json envelope, then Map) does, envelope included; what it
// does not take, it leaves untouched (no id handed out).
func checkTryMapRaw(t *testing.T, raw []byte) bool {
	for _, format := range []string{"array", "string"} {
		fast, general := newTestEnv(format), newTestEnv(format)
		ev := milky.Event{Time: 5, EventType: "stale"}
		res, taken, err := TryMapRaw(fast.env, raw, &ev)
		if !taken {
			require.Equal(t, milky.Event{Time: 5, EventType: "stale"}, ev, "declined but wrote the envelope: %q", raw)
			require.Empty(t, fast.env.IDs.(*seqMapper).refs, "declined but handed out ids: %q", raw)
			require.Empty(t, fast.untranslated)
			return false
		}
		var want milky.Event
		require.NoError(t, json.UnmarshalWithOption(raw, &want, json.DecodeNoCopyString()),
			"TryMapRaw took what the general decoder rejects: %q", raw)
		require.Equal(t, want, ev, "envelope of %q", raw)
		got := mapOutcome(t, fast, res, err)
		wres, werr := Map(general.env, &want)
		require.Equal(t, mapOutcome(t, general, wres, werr), got, "input %q (%s)", raw, format)
	}
	return true
}

var tryMapSeeds = []string{
	`{"time":1,"self_id":10001,"event_type":"message_receive","data":{"message_scene":"group","peer_id":30001,"message_seq":1,"sender_id":20002,"segments":[{"type":"text","data":{"text":"hi"}}]}}`,
	` { "time" : 1 , "event_type" : "message_receive" , "data" : { "message_scene" : "friend" , "peer_id" : 20001 , "sender_id" : 20001 , "segments" : [ ] } , "extra" : [ 1 ] } `,
	`{"event_type":"message_receive","data":{"message_scene":"temp","peer_id":20001,"sender_id":0,"segments":[]}}`,
	`{"event_type":"message_receive","data":{"message_scene":"guild","peer_id":1,"sender_id":1}}`,
	`{"event_type":"message_receiv\u0065","data":{"message_scene":"group","peer_id":1,"sender_id":1}}`,
	`{"data":{"message_scene":"group","peer_id":1,"sender_id":1},"event_type":"message_receive"}`,
	`{"event_type":"message_receive","data":{},"event_type":"message_recall"}`,
	`{"event_type":"message_receive","data":{},"data":{}}`, `{"event_type":"message_receive"}`,
	`{"event_type":"message_receive","data":null}`, `{"event_type":"message_receive","data":[]}`,
	`{"event_type":"message_recall","data":{}}`, `{"Event_Type":"message_receive","data":{}}`, `{"event_type":"message_receive","data":{}} x`,
	`{"time":null,"self_id":"1","event_type":"message_receive","data":{}}`, `[]`, ``,
}

func TestTryMapRawMatchesGeneral(t *testing.T) {
	accepted := 0
	for _, s := range tryMapSeeds {
		checkTryMapRaw(t, []byte(s))
	}
	for _, raw := range goldenInputs(t) {
		if checkTryMapRaw(t, raw) {
			accepted++
		}
	}
	require.True(t, checkTryMapRaw(t, benchFrame()), "TryMapRaw takes the benchmark's event")
	require.Greater(t, accepted, 15, "TryMapRaw takes the common messages")
}

// FuzzTryMapRaw: what TryMapRaw takes maps exactly as the general path.
func FuzzTryMapRaw(f *testing.F) {
	for _, s := range tryMapSeeds {
		f.Add([]byte(s))
	}
	for _, raw := range goldenInputs(f) {
		f.Add(raw)
	}
	f.Add(benchFrame())
	f.Fuzz(func(t *testing.T, in []byte) { checkTryMapRaw(t, in) })
}

// goldenInputs are the Milky events of every golden case.
func goldenInputs(tb testing.TB) [][]byte {
	cases, err := golden.LoadAll("testdata")
	require.NoError(tb, err)
	var out [][]byte
	for _, c := range cases {
		for i := 0; i < len(c.Sections); i += 2 {
			out = append(out, []byte(c.Sections[i].Body))
		}
	}
	return out
}
