package milky

import (
	"strings"
	"testing"

	"github.com/goccy/go-json"
	"github.com/stretchr/testify/require"
)

func TestOutgoingDecodeTyped(t *testing.T) {
	segs, err := DecodeOutgoingMessage("message", []byte(`[{"type":"text","data":{"text":"a"}},{"type":"face","data":{"face_id":"1"}},{"type":"image","data":{"uri":"https://x"}}]`))
	require.NoError(t, err)
	require.Equal(t, OutgoingText{Text: "a"}, segs[0].Data)
	require.Equal(t, OutgoingFace{FaceID: "1"}, segs[1].Data)
	require.Equal(t, OutgoingImage{URI: "https://x", SubType: "normal"}, segs[2].Data)

	// The same through the method, inside an API input struct.
	var in SendGroupMessageInput
	require.NoError(t, json.Unmarshal([]byte(`{"group_id":30001,"message":[{"type":"mention_all","data":{}}]}`), &in))
	require.Equal(t, OutgoingMentionAll{}, in.Message[0].Data)

	// Re-encoding gives the schema's shape back.
	b, err := json.Marshal(segs)
	require.NoError(t, err)
	require.JSONEq(t, `[{"type":"text","data":{"text":"a"}},{"type":"face","data":{"face_id":"1","is_large":false}},{"type":"image","data":{"uri":"https://x","sub_type":"normal"}}]`, string(b))
}

func TestOutgoingDecodeDeepForwardRejected(t *testing.T) {
	const level = `{"type":"forward","data":{"messages":[{"user_id":10001,"sender_name":"a","segments":[`
	deep := "[" + strings.Repeat(level, 200) + strings.Repeat("]}]}}", 200) + "]"
	_, err := DecodeOutgoingMessage("message", []byte(deep))
	require.ErrorContains(t, err, "too deep")

	ok := "[" + strings.Repeat(level, 10) + strings.Repeat("]}]}}", 10) + "]"
	_, err = DecodeOutgoingMessage("message", []byte(ok))
	require.NoError(t, err)
}

func TestOutgoingDecodeErrors(t *testing.T) {
	for in, want := range map[string]string{
		`{}`:                               "message: want an array",
		`[1]`:                              "message[0].segment: want an object",
		`[{"data":{}}]`:                    "message[0].type: required",
		`[{"type":"video","data":{}}]`:     "message[0].data.uri: required",
		`[{"type":"light_app","data":[]}]`: "message[0].data: want an object",
	} {
		_, err := DecodeOutgoingMessage("message", []byte(in))
		require.ErrorContains(t, err, want, in)
	}
}
