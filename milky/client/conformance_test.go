package client

import (
	"context"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/qqbridge/gateway/internal/conformance"

	"github.com/qqbridge/gateway/milky"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func TestClientConformanceLog(t *testing.T) {
	path := filepath.Join(t.TempDir(), "conf.jsonl")
	conformance.SetPath(path)
	t.Cleanup(conformance.Disable)

	h := apiFunc(func(_ context.Context, api string, body []byte) (any, error) { return nil, nil })
	s := milky.NewServer(milky.ServerConfig{Token: "tok", API: h, Logger: quietLog})
	defer s.Close()
	srv := httptest.NewServer(s.Handler())
	defer srv.Close()
	c, err := NewClient(ClientConfig{BaseURL: srv.URL, Token: "tok", Logger: quietLog})
	require.NoError(t, err)

	ctx := context.Background()
	require.NoError(t, c.Call(ctx, milky.APISendPrivateMessage, &milky.SendPrivateMessageInput{UserID: 10002, Message: []milky.OutgoingSegment{{Type: milky.SegText, Data: milky.OutgoingText{Text: "hi"}}}}, nil))
	require.NoError(t, c.Call(ctx, milky.APIGetFriendList, nil, nil))

	b, err := os.ReadFile(path)
	require.NoError(t, err)
	lines := strings.Split(strings.TrimSpace(string(b)), "\n")
	require.Len(t, lines, 2)
	assert.JSONEq(t, `{"api":"send_private_message","body":{"user_id":10002,"message":[{"type":"text","data":{"text":"hi"}}]}}`, lines[0])
	assert.JSONEq(t, `{"api":"get_friend_list","body":{}}`, lines[1])
}
