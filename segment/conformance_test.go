package segment

import (
	"path/filepath"
	"testing"

	"github.com/goccy/go-json"
	"github.com/stretchr/testify/require"

	"github.com/qqbridge/gateway/idmap/idmaptest"
	"github.com/qqbridge/gateway/internal/conformance/schematest"
	"github.com/qqbridge/gateway/internal/golden"
	"github.com/qqbridge/gateway/milky"
)

// TestSchemaConformance checks the golden cases against the official schema
// (@saltify/milky-types 1.2.2) with conformance/check-events.mjs:
//   - every incoming case's Milky segments, wrapped in a group
//     message_receive event, must validate strictly;
//   - every outgoing case's Milky message must be accepted by the schema
//     exactly when milky.DecodeOutgoingMessage accepts it.
//
// It needs node and conformance/node_modules (cd conformance && npm ci) and
// skips, saying so, without them (fails under CI=true).
func TestSchemaConformance(t *testing.T) {
	tools := schematest.Require(t)
	var values []any
	write := func(v any) { values = append(values, v) }
	for _, c := range goldenInputs(t, "incoming") {
		segs, err := (&Incoming{Seqs: idmaptest.NewSeqs(), Quotes: fakeQuotes{}}).FromOneBotRaw(testScene, testPeer, c.input)
		if err != nil {
			continue
		}
		msg := &milky.IncomingMessage{MessageScene: milky.SceneGroup, PeerID: testPeer, MessageSeq: 1, SenderID: 20002, Time: 1700000000, Segments: segs,
			Group: &milky.Group{GroupID: testPeer}, GroupMember: &milky.GroupMember{UserID: 20002, GroupID: testPeer, Sex: "unknown", Role: "member"}}
		write(map[string]any{"kind": "event", "source": "incoming/" + c.name, "value": milky.TypedEvent{Time: 1700000000, SelfID: 10001, Data: msg}})
	}
	for _, c := range goldenInputs(t, "outgoing") {
		var value any
		require.NoError(t, json.Unmarshal(c.input, &value), c.name)
		_, err := milky.DecodeOutgoingMessage("message", c.input)
		write(map[string]any{"kind": "outgoing", "source": "outgoing/" + c.name, "value": value, "valid": err == nil})
	}
	out, err := tools.CheckEvents(t, values)
	t.Logf("%s", out)
	require.NoError(t, err, "schema check failed")
}

type inputCase struct {
	name  string
	input []byte
}

func goldenInputs(t *testing.T, dir string) []inputCase {
	cases, err := golden.LoadAll(filepath.Join("testdata", dir))
	require.NoError(t, err)
	var out []inputCase
	for _, c := range cases {
		out = append(out, inputCase{c.Name, []byte(c.Sections[0].Body)})
	}
	return out
}
