package bridge_test

import (
	"context"
	"encoding/base64"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/qqbridge/gateway/bridge"
	"github.com/qqbridge/gateway/onebot11/ob11test"
)

// One action per category (message, friend, group, file, request, system,
// other) plus an unsupported one, over the forward WebSocket and over HTTP.

// httpCaller calls actions with POST /ACTION and a JSON body.
type httpCaller struct{ c *ob11test.HTTPClient }

func (h httpCaller) Call(ctx context.Context, action string, params any) (*ob11test.Response, error) {
	res, err := h.c.PostJSON(ctx, action, params)
	if err != nil {
		return nil, err
	}
	if res.Response == nil {
		return &ob11test.Response{Status: "not an envelope", Raw: res.Body}, nil
	}
	return res.Response, nil
}

func TestCategories_OneActionEachOverWSAndHTTP(t *testing.T) {
	e := startGateway(t, bridge.Options{AccessToken: "tok"}, nil, true)
	ws := e.dial("/", "tok")
	for name, c := range map[string]caller{
		"ws":   ws,
		"http": httpCaller{e.http("tok", ob11test.AuthBearer)},
	} {
		t.Run(name, func(t *testing.T) { exerciseCategories(t, e, c, name) })
	}
}

func exerciseCategories(t *testing.T, e *gw, c caller, transport string) {
	g, member := e.groupA()

	t.Run("message", func(t *testing.T) {
		r := call(t, c, "send_msg", map[string]any{"message_type": "group", "group_id": g, "message": "category message " + transport})
		var sent struct {
			MessageID int64 `json:"message_id"`
		}
		require.NoError(t, r.DecodeData(&sent))
		require.Positive(t, sent.MessageID)
		r = call(t, c, "get_msg", map[string]any{"message_id": sent.MessageID})
		var msg struct {
			MessageID   int64  `json:"message_id"`
			MessageType string `json:"message_type"`
			GroupID     int64  `json:"group_id"`
			RawMessage  string `json:"raw_message"`
		}
		require.NoError(t, r.DecodeData(&msg))
		assert.Equal(t, sent.MessageID, msg.MessageID)
		assert.Equal(t, "group", msg.MessageType)
		assert.Equal(t, g, msg.GroupID)
		assert.Equal(t, "category message "+transport, msg.RawMessage)
	})

	t.Run("friend", func(t *testing.T) {
		r := call(t, c, "get_friend_list", nil)
		var friends []struct {
			UserID   int64  `json:"user_id"`
			Nickname string `json:"nickname"`
		}
		require.NoError(t, r.DecodeData(&friends))
		want := e.sim.Friends()
		require.Len(t, friends, len(want))
		for i := range want {
			assert.Equal(t, want[i].UserID, friends[i].UserID)
			assert.Equal(t, want[i].Nickname, friends[i].Nickname)
		}
	})

	t.Run("group", func(t *testing.T) {
		card := "card via " + transport
		call(t, c, "set_group_card", map[string]any{"group_id": g, "user_id": member, "card": card})
		r := call(t, c, "get_group_member_info", map[string]any{"group_id": g, "user_id": member, "no_cache": true})
		var info struct {
			GroupID int64  `json:"group_id"`
			UserID  int64  `json:"user_id"`
			Card    string `json:"card"`
		}
		require.NoError(t, r.DecodeData(&info))
		assert.Equal(t, card, info.Card)
		assert.Equal(t, member, info.UserID)
		m, ok := e.sim.Member(g, member)
		require.True(t, ok)
		assert.Equal(t, card, m.Card, "the simulator's member changed")
	})

	t.Run("file", func(t *testing.T) {
		name := "e2e-" + transport + ".txt"
		content := base64.StdEncoding.EncodeToString([]byte("uploaded over " + transport))
		call(t, c, "upload_group_file", map[string]any{"group_id": g, "file": "base64://" + content, "name": name})
		r := call(t, c, "get_group_root_files", map[string]any{"group_id": g})
		var root struct {
			Files []struct {
				FileID   string `json:"file_id"`
				FileName string `json:"file_name"`
				FileSize int64  `json:"file_size"`
			} `json:"files"`
			Folders []struct {
				FolderName string `json:"folder_name"`
			} `json:"folders"`
		}
		require.NoError(t, r.DecodeData(&root))
		found := false
		for _, f := range root.Files {
			if f.FileName == name {
				found = true
				assert.NotEmpty(t, f.FileID)
				assert.Equal(t, int64(len("uploaded over "+transport)), f.FileSize)
			}
		}
		assert.True(t, found, "get_group_root_files lists %s: %s", name, r.Data)
	})

	t.Run("request", func(t *testing.T) {
		r := call(t, c, "get_group_system_msg", nil)
		var sys struct {
			JoinRequests []struct {
				Flag    string `json:"flag"`
				GroupID int64  `json:"group_id"`
			} `json:"join_requests"`
			InvitedRequests []any `json:"invited_requests"`
		}
		require.NoError(t, r.DecodeData(&sys))
		require.NotEmpty(t, sys.JoinRequests, "the seeded world has pending join requests: %s", r.Data)
		assert.NotEmpty(t, sys.JoinRequests[0].Flag)
		assert.Equal(t, g, sys.JoinRequests[0].GroupID)
		assert.NotNil(t, sys.InvitedRequests, "invited_requests is a list, not null")
	})

	t.Run("system", func(t *testing.T) {
		r := call(t, c, "get_version_info", nil)
		var v struct {
			AppName         string `json:"app_name"`
			AppVersion      string `json:"app_version"`
			ProtocolVersion string `json:"protocol_version"`
		}
		require.NoError(t, r.DecodeData(&v))
		assert.NotEmpty(t, v.AppName)
		assert.Equal(t, "e2e", v.AppVersion)
		assert.Equal(t, "v11", v.ProtocolVersion)
	})

	t.Run("other", func(t *testing.T) {
		r := call(t, c, "fetch_custom_face", map[string]any{"count": 10})
		var urls []string
		require.NoError(t, r.DecodeData(&urls))
		assert.NotEmpty(t, urls)
	})

	t.Run("unsupported", func(t *testing.T) {
		r, err := c.Call(ctx(t), "get_group_honor_info", map[string]any{"group_id": g, "type": "all"})
		require.NoError(t, err)
		assert.Equal(t, "failed", r.Status)
		assert.Equal(t, 1501, r.Retcode, "%s", r.Raw)
		assert.Contains(t, r.Message, "get_group_honor_info")
	})
}
