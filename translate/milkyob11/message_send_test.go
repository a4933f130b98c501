package milkyob11

import (
	"testing"

	"github.com/goccy/go-json"
	"github.com/stretchr/testify/require"

	"github.com/qqbridge/gateway/idmap"
	"github.com/qqbridge/gateway/onebot11"
)

// TestSendParamsJSON: the typed params of a send are the bytes json.Marshal
// gives for sendParams, in both scenes.
func TestSendParamsJSON(t *testing.T) {
	msg := onebot11.Message{
		{Type: "reply", Params: []onebot11.Param{{Key: "id", Value: "-7"}}},
		{Type: "text", Params: []onebot11.Param{{Key: "text", Value: "a <b> & \"c\" \u2028 é 😀"}}},
		{Type: "image", Params: []onebot11.Param{{Key: "summary", Value: "s"}, {Key: "file", Value: "https://x/?a=1&b=2"}, {Key: "sub_type", Value: "1"}}},
		{Type: "at", Params: []onebot11.Param{{Key: "qq", Value: "all"}}},
	}
	for _, scene := range []string{idmap.SceneGroup, idmap.SceneFriend} {
		for _, m := range []onebot11.Message{msg, {}} {
			want, err := json.Marshal(sendParams(scene, 4294967295, m.Segments(), false))
			require.NoError(t, err)
			require.Equal(t, string(want), string(sendParamsJSON(scene, 4294967295, m)), scene)
		}
	}
}

// TestGetMsgParamsJSON: the read-back's params are json.Marshal's bytes.
func TestGetMsgParamsJSON(t *testing.T) {
	type getMsgParams struct {
		MessageID num `json:"message_id"`
	}
	for _, id := range []num{0, 1, -2147000001, 2147483647, -9223372036854775808, 9223372036854775807} {
		want, err := json.Marshal(&getMsgParams{MessageID: id})
		require.NoError(t, err)
		require.Equal(t, string(want), string(getMsgParamsJSON(id)))
	}
}
