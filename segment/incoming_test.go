package segment

import (
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/qqbridge/gateway/idmap/idmaptest"
	"github.com/qqbridge/gateway/milky"
	"github.com/qqbridge/gateway/onebot11"
)

// Forwarded content has no conversation: replies get seq 0 and the mapper
// is not asked (it would hand out seqs in a conversation that does not exist).
func TestIncomingNoConversation(t *testing.T) {
	seqs := idmaptest.NewSeqs()
	c := &Incoming{Seqs: seqs, Quotes: fakeQuotes{}}
	out := c.FromOneBot("", 0, []onebot11.Segment{{Type: "reply", Data: map[string]any{"id": "7", "qq": "20003"}}})
	require.Equal(t, milky.SegReply, out[0].Type)
	require.Zero(t, out[0].Data.MessageSeq)
	require.Equal(t, int64(20003), out[0].Data.SenderID, "the segment's own sender still applies")
	require.Zero(t, seqs.Len(), "no ref was handed out")
}

func TestIncomingZeroValue(t *testing.T) {
	var c Incoming
	out := c.FromOneBot(milky.SceneGroup, 30001, []onebot11.Segment{{Type: "reply", Data: map[string]any{"id": "7"}}, {Type: "weird"}})
	require.Equal(t, UnknownSenderID, out[0].Data.SenderID)
	require.Equal(t, "[weird]", out[1].Data.Text)
}
