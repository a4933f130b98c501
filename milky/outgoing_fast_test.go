package milky

import (
	"reflect"
	"testing"

	"github.com/stretchr/testify/require"
)

// outgoingCases are messages the fast path must take (take true) or leave
// to the general decoder (take false); either way DecodeOutgoingMessage
// must give what the general decoder gives.
var outgoingCases = []struct {
	in   string
	take bool
}{
	{`[]`, true},
	{` [ ] `, true},
	{`[{"type":"text","data":{"text":"hello"}}]`, true},
	{`[{"type":"text","data":{"text":"a\"b\\n\u00e9\ud83d\ude00"}}]`, true},
	{`[{"data":{"text":"data first"},"type":"text"}]`, true},
	{`[{"type":"text","data":{"text":"x","extra":[1,{"a":null}]},"other":true}]`, true},
	{`[{"type":"text","data":{"text":""}}]`, true},
	{`[{"type":"mention","data":{"user_id":10001}},{"type":"mention","data":{"user_id":4294967295}}]`, true},
	{`[{"type":"mention_all","data":{}}]`, true},
	{`[{"type":"mention_all","data":{"anything":[1,2,{"x":"y"}],"Text":1}}]`, true},
	{`[{"type":"face","data":{"face_id":"14"}}]`, true},
	{`[{"type":"face","data":{"face_id":"14","is_large":true}}]`, true},
	{`[{"type":"face","data":{"face_id":"14","is_large":null}}]`, true},
	{`[{"type":"reply","data":{"message_seq":0}}]`, true},
	{`[{"type":"reply","data":{"message_seq":-0}}]`, true},
	{`[{"type":"reply","data":{"message_seq":9007199254740993}}]`, true},
	{`[{"type":"image","data":{"uri":"https://x"}}]`, true},
	{`[{"type":"image","data":{"uri":"https://x","sub_type":"sticker","summary":"s"}}]`, true},
	{`[{"type":"image","data":{"uri":"https://x","sub_type":null,"summary":null}}]`, true},
	{`[{"type":"record","data":{"uri":"file:///a.amr"}}]`, true},
	{`[{"type":"video","data":{"uri":"https://v","thumb_uri":"https://t"}}]`, true},
	{`[{"type":"video","data":{"uri":"https://v","thumb_uri":null}}]`, true},
	{`[{"type":"light_app","data":{"json_payload":"{\"app\":1}"}}]`, true},
	{`[{"type":"te\u0078t","data":{"text":"escaped type"}}]`, true},
	{"[\n {\"type\": \"text\",\n  \"data\": {\"text\": \"spaced\"}}\n]\n", true},

	// Left to the general decoder: errors, and what it alone may judge.
	{``, false},
	{`null`, false},
	{`{}`, false},
	{`[1]`, false},
	{`[null]`, false},
	{`[{"data":{}}]`, false},
	{`[{"type":"text"}]`, false},
	{`[{"type":"text","data":null}]`, false},
	{`[{"type":"text","data":[]}]`, false},
	{`[{"type":null,"data":{}}]`, false},
	{`[{"type":1,"data":{}}]`, false},
	{`[{"type":"text","data":{}}]`, false},
	{`[{"type":"text","data":{"text":null}}]`, false},
	{`[{"type":"text","data":{"text":1}}]`, false},
	{`[{"type":"text","data":{"Text":"folded"}}]`, false},
	{`[{"type":"text","data":{"te\u0078t":"escaped key"}}]`, false},
	{`[{"Type":"text","data":{"text":"x"}}]`, false},
	{`[{"type":"text","data":{"text":"a","text":"b"}}]`, false},
	{`[{"type":"text","type":"face","data":{"text":"a"}}]`, false},
	{`[{"type":"text","data":{"text":"a"},"data":{"text":"b"}}]`, false},
	{`[{"type":"text","data":{"text":"\ud800"}}]`, false},
	{"[{\"type\":\"text\",\"data\":{\"text\":\"\xff\"}}]", false},
	{`[{"type":"mention","data":{"user_id":10000}}]`, false},
	{`[{"type":"mention","data":{"user_id":4294967296}}]`, false},
	{`[{"type":"mention","data":{"user_id":10001.0}}]`, false},
	{`[{"type":"mention","data":{"user_id":1e5}}]`, false},
	{`[{"type":"mention","data":{"user_id":"10001"}}]`, false},
	{`[{"type":"mention","data":{"user_id":null}}]`, false},
	{`[{"type":"mention","data":{"user_id":99999999999999999999}}]`, false},
	{`[{"type":"face","data":{"face_id":14}}]`, false},
	{`[{"type":"face","data":{"face_id":"14","is_large":"yes"}}]`, false},
	{`[{"type":"reply","data":{"message_seq":-1}}]`, false},
	{`[{"type":"reply","data":{"message_seq":41.0}}]`, false},
	{`[{"type":"image","data":{"uri":"https://x","sub_type":"flash"}}]`, false},
	{`[{"type":"image","data":{"uri":"https://x","summary":1}}]`, false},
	{`[{"type":"forward","data":{"messages":[]}}]`, false},
	{`[{"type":"file","data":{"uri":"x"}}]`, false},
	{`[{"type":"unknown","data":{}}]`, false},
	{`[{"type":"text","data":{"text":"x"}}] x`, false},
	{`[{"type":"text","data":{"text":"x"}},]`, false},
}

func TestOutgoingFastCases(t *testing.T) {
	for _, c := range outgoingCases {
		_, took := decodeOutgoingFast([]byte(c.in))
		require.Equal(t, c.take, took, "fast path on %s", c.in)
		checkOutgoingFast(t, []byte(c.in))
	}
}

// TestOutgoingFastErrors: errors are the general decoder's, word for word.
func TestOutgoingFastErrors(t *testing.T) {
	for in, want := range map[string]string{
		`[{"type":"mention","data":{"user_id":10000}}]`:                    "message[0].data.user_id: not a QQ number (10001..4294967295): 10000",
		`[{"type":"text","data":{"text":null}}]`:                           "message[0].data.text: required",
		`[{"type":"text","data":{"text":"a"}},{"type":"reply","data":{}}]`: "message[1].data.message_seq: required",
		`[{"type":"image","data":{"uri":"x","sub_type":"flash"}}]`:         `message[0].data.sub_type: want normal or sticker, got "flash"`,
		`[{"type":"nope","data":{}}]`:                                      `message[0].type: unknown outgoing segment type "nope"`,
	} {
		_, err := DecodeOutgoingMessage("message", []byte(in))
		require.EqualError(t, err, want, in)
	}
}

// checkOutgoingFast asserts DecodeOutgoingMessage (fast path first) and the
// general decoder agree on in, result and error; and that what the fast
// path takes, the general decoder takes too.
func checkOutgoingFast(t *testing.T, in []byte) {
	t.Helper()
	want, wantErr := decodeOutgoingMessage("message", in)
	fast, took := decodeOutgoingFast(in)
	if took {
		if wantErr != nil {
			t.Fatalf("fast path took %q, the general decoder says %v", in, wantErr)
		}
		if !reflect.DeepEqual(fast, want) {
			t.Fatalf("%q: fast %#v, general %#v", in, fast, want)
		}
	}
	got, gotErr := DecodeOutgoingMessage("message", in)
	if (gotErr == nil) != (wantErr == nil) || (gotErr != nil && gotErr.Error() != wantErr.Error()) {
		t.Fatalf("%q: error %v, general %v", in, gotErr, wantErr)
	}
	if !reflect.DeepEqual(got, want) {
		t.Fatalf("%q: %#v, general %#v", in, got, want)
	}
}

func FuzzOutgoingFast(f *testing.F) {
	for _, c := range outgoingCases {
		f.Add([]byte(c.in))
	}
	f.Add([]byte(benchOutgoingMessage))
	f.Fuzz(func(t *testing.T, in []byte) {
		checkOutgoingFast(t, in)
	})
}

// benchOutgoingMessage is the message of the benchmark tool's send.
const benchOutgoingMessage = `[{"type":"text","data":{"text":"hello "}},{"type":"mention","data":{"user_id":10002}},{"type":"text","data":{"text":" see "}},{"type":"face","data":{"face_id":"14"}},{"type":"text","data":{"text":" and "}},{"type":"image","data":{"uri":"https://example.com/a.png?x=1&y=2"}}]`

func BenchmarkDecodeOutgoingMessage(b *testing.B) {
	in := []byte(benchOutgoingMessage)
	for _, bc := range []struct {
		name string
		dec  func(string, []byte) ([]OutgoingSegment, error)
	}{{"fast", DecodeOutgoingMessage}, {"general", decodeOutgoingMessage}} {
		b.Run(bc.name, func(b *testing.B) {
			b.ReportAllocs()
			for i := 0; i < b.N; i++ {
				if _, err := bc.dec("message", in); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}
