package ob11milky

import (
	"strings"
	"testing"

	"github.com/goccy/go-json"
	"github.com/stretchr/testify/require"

	"github.com/qqbridge/gateway/internal/golden"
	"github.com/qqbridge/gateway/milky"
)

// FuzzMap feeds arbitrary bytes as a Milky event: Map must never panic, and
// whatever it returns must encode. Seeds are the golden inputs.
func FuzzMap(f *testing.F) {
	cases, err := golden.LoadAll("testdata")
	if err != nil {
		f.Fatal(err)
	}
	for _, c := range cases {
		for i := 0; i < len(c.Sections); i += 2 {
			f.Add([]byte(c.Sections[i].Body))
		}
	}
	f.Add([]byte(`{"event_type":"message_receive","data":{"message_scene":"group","peer_id":1,"sender_id":1,"segments":[{"type":"reply","data":{"segments":[{"type":"reply"}]}}]}}`))
	f.Add([]byte(`{"event_type":"group_member_increase","data":{"group_id":1,"user_id":1,"invitor_id":null,"operator_id":-1}}`))
	f.Add([]byte(`{"event_type":"message_recall","data":null}`))
	f.Fuzz(func(t *testing.T, in []byte) {
		var ev milky.Event
		if json.Unmarshal(in, &ev) != nil {
			return
		}
		for _, format := range []string{"array", "string"} {
			res, err := Map(newTestEnv(format).env, &ev)
			if err != nil {
				require.Empty(t, res.Events)
				require.True(t, strings.HasPrefix(err.Error(), "eventmap: "), err.Error())
				continue
			}
			for _, e := range res.Events {
				_, err := json.Marshal(e)
				require.NoError(t, err)
			}
		}
	})
}
