package client

import (
	"context"

	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/qqbridge/gateway/internal/conformance"

	"github.com/qqbridge/gateway/milky"
	"github.com/qqbridge/gateway/milky/server"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// TestMain keeps this package's tests out of the Milky conformance log: they
// send deliberately invalid requests to exercise the transport, which are not
// requests of the gateway (TestClientConformanceLog sets its own log).
func TestMain(m *testing.M) { conformance.RunWithoutLog(m) }

func TestClientConformanceLog(t *testing.T) {
	path := filepath.Join(t.TempDir(), "conf.jsonl")
	conformance.SetPath(path)
	t.Cleanup(conformance.Disable)

	h := apiFunc(func(_ context.Context, api string, body []byte) (any, error) { return nil, nil })
	_, base := servePeer(t, server.Config{Token: "tok", API: h})
	c, err := NewClient(ClientConfig{BaseURL: base, Token: "tok", Logger: quietLog})
	require.NoError(t, err)

	ctx := context.Background()
	require.NoError(t, c.Call(ctx, milky.APISendPrivateMessage, &milky.SendPrivateMessageInput{UserID: 10002, Message: []milky.OutgoingSegment{{Type: milky.SegText, Data: milky.OutgoingText{Text: "hi"}}}}, nil))
	require.NoError(t, c.Call(ctx, milky.APIGetFriendList, nil, nil))

	b, err := os.ReadFile(path)
	require.NoError(t, err)
	// The peer is the gateway's own server, in this process: it logs its
	// responses to the same file. The client's part is the requests.
	var lines []string
	for _, l := range strings.Split(strings.TrimSpace(string(b)), "\n") {
		if !strings.Contains(l, `"kind":"response"`) {
			lines = append(lines, l)
		}
	}
	require.Len(t, lines, 2)
	assert.JSONEq(t, `{"api":"send_private_message","body":{"user_id":10002,"message":[{"type":"text","data":{"text":"hi"}}]}}`, lines[0])
	assert.JSONEq(t, `{"api":"get_friend_list","body":{}}`, lines[1])
}
