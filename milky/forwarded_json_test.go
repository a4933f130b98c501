package milky

import (
	"testing"

	"github.com/goccy/go-json"
	"github.com/stretchr/testify/require"
)

func TestEmptySegmentListsEncodeAsArrays(t *testing.T) {
	b, err := json.Marshal(IncomingForwardedMessage{SenderName: "a"})
	require.NoError(t, err)
	require.JSONEq(t, `{"message_seq":0,"sender_name":"a","avatar_url":"","time":0,"segments":[]}`, string(b))
	b, err = json.Marshal(GroupEssenceMessage{GroupID: 123456})
	require.NoError(t, err)
	require.Contains(t, string(b), `"segments":[]`)
}
