package ob11milky

import (
	"context"
	"strings"
	"testing"

	"github.com/qqbridge/gateway/internal/golden"
	"github.com/qqbridge/gateway/segment"

	"github.com/goccy/go-json"

	"github.com/qqbridge/gateway/idmap"
	"github.com/qqbridge/gateway/milky"
)

// fuzzReplies answers every Milky API these actions call with plausible data.
var fuzzReplies = map[string]string{
	milky.APISendGroupMessage:          `{"message_seq":42,"time":1}`,
	milky.APISendPrivateMessage:        `{"message_seq":42,"time":1}`,
	milky.APIGetMessage:                `{"message":{"message_scene":"group","peer_id":123456,"message_seq":1,"sender_id":10002,"time":1,"segments":[{"type":"text","data":{"text":"x"}},{"type":"forward","data":{"forward_id":"f"}}]}}`,
	milky.APIGetForwardedMessages:      `{"messages":[{"message_seq":1,"sender_name":"a","avatar_url":"","time":1,"segments":[{"type":"text","data":{"text":"x"}}]}]}`,
	milky.APIGetHistoryMessages:        `{"messages":[{"message_scene":"group","peer_id":123456,"message_seq":5,"sender_id":10002,"time":1,"segments":[]}],"next_message_seq":4}`,
	milky.APIGetResourceTempURL:        `{"url":"https://example.com/x"}`,
	milky.APIGetGroupFiles:             `{"files":[{"group_id":123456,"file_id":"/f","file_name":"a","parent_folder_id":"/","file_size":1,"uploaded_time":1,"uploader_id":10002,"downloaded_times":0}],"folders":[{"group_id":123456,"folder_id":"/d","parent_folder_id":"/","folder_name":"d","created_time":1,"last_modified_time":1,"creator_id":10002,"file_count":1}]}`,
	milky.APIGetGroupNotifications:     `{"notifications":[{"type":"join_request","group_id":123456,"notification_seq":1,"is_filtered":false,"initiator_id":10002,"state":"pending","comment":""}]}`,
	milky.APIGetFriendRequests:         `{"requests":[{"time":1,"initiator_id":10002,"initiator_uid":"u","target_user_id":10001,"target_user_uid":"v","state":"pending","comment":"","via":"","is_filtered":true}]}`,
	milky.APIUploadGroupFile:           `{"file_id":"/f"}`,
	milky.APIUploadPrivateFile:         `{"file_id":"f"}`,
	milky.APICreateGroupFolder:         `{"folder_id":"/d"}`,
	milky.APIGetGroupFileDownloadURL:   `{"download_url":"https://example.com/f"}`,
	milky.APIGetPrivateFileDownloadURL: `{"download_url":"https://example.com/f"}`,
}

// FuzzActionsMessageFileRequest: any params for any message, file or
// request action give an envelope (success, or a failure with a OneBot
// retcode), never a panic, and Validate agrees with Do. Seeds are the golden cases' requests.
func FuzzActionsMessageFileRequest(f *testing.F) {
	var names []string
	for _, list := range catalogActions {
		names = append(names, list...)
	}
	cases, _ := golden.LoadAll("testdata/actions")
	for _, c := range cases {
		var req struct {
			Action string          `json:"action"`
			Params json.RawMessage `json:"params"`
		}
		if c.Sections[0].Decode(&req) == nil && Actions[req.Action] != nil && isCatalogAction(req.Action) {
			f.Add(req.Action, []byte(req.Params))
		}
	}
	f.Fuzz(func(t *testing.T, action string, params []byte) {
		if !isCatalogAction(action) {
			action = names[len(action)%len(names)]
		}
		ids := newFakeIDs()
		for i, scene := range []string{milky.SceneGroup, milky.SceneFriend, milky.SceneTemp} {
			ids.IDFor(fuzzRef(scene, int64(i+1)))
		}
		env := &Env{
			ForOneBot: segment.ForOneBot{IDs: ids, SelfID: func() int64 { return 10001 }, MessageFormat: "array", Upstream: answerCaller(func(api string, _ []byte) (json.RawMessage, error) {
				if r, ok := fuzzReplies[api]; ok {
					return json.RawMessage(r), nil
				}
				return json.RawMessage(`{}`), nil
			})},
		}
		v := Validate(context.Background(), env, action, params)
		r := Do(context.Background(), env, action, params)
		if r == nil {
			t.Fatal("nil response")
		}
		// Validate (what an _async call gets) refuses only what Do refuses,
		// with the same answer.
		if v != nil && (v.Retcode != r.Retcode || v.Message != r.Message) {
			t.Fatalf("Validate refused with %d %q, Do answered %d %q", v.Retcode, v.Message, r.Retcode, r.Message)
		}
		if r.Retcode != 0 && r.Retcode < 1400 {
			t.Fatalf("retcode %d: %s", r.Retcode, r.Message)
		}
		if r.Retcode != 0 && !strings.HasPrefix(r.Message, action) {
			t.Fatalf("failure message does not name the action: %s", r.Message)
		}
		if _, err := json.Marshal(r); err != nil {
			t.Fatal(err)
		}
	})
}

func isCatalogAction(name string) bool {
	for _, list := range catalogActions {
		for _, n := range list {
			if n == name {
				return true
			}
		}
	}
	return false
}

func fuzzRef(scene string, seq int64) idmap.Ref {
	peer := int64(123456)
	if scene != milky.SceneGroup {
		peer = 10002
	}
	return idmap.Ref{Scene: scene, Peer: peer, Seq: seq}
}
