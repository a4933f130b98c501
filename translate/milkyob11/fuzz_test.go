package milkyob11

import (
	"errors"
	"strings"
	"testing"

	"github.com/goccy/go-json"

	"github.com/qqbridge/gateway/idmap"
	"github.com/qqbridge/gateway/internal/golden"
	"github.com/qqbridge/gateway/internal/scripted"
	"github.com/qqbridge/gateway/milky"
	"github.com/qqbridge/gateway/onebot11"
)

// fuzzReplies answers each action with a plausible OneBot reply, so that
// fuzzed requests get past the upstream into the reply mapping.
var fuzzReplies = map[string]string{
	"get_friend_list":               `[{"user_id":654321,"nickname":"A","sex":"female"}]`,
	"get_group_list":                `[{"group_id":123456,"group_name":"g"}]`,
	"get_group_member_list":         `[{"user_id":654321,"level":"LV3","role":"x","shut_up_timestamp":"1800000000"}]`,
	"fetch_custom_face":             `["u"]`,
	"_get_group_notice":             `[{"notice_id":1,"sender_id":654321,"message":{"text":"t","images":[{"id":"i"}]}}]`,
	"get_essence_msg_list":          `[{"sender_id":654321,"message_id":3,"content":"[CQ:face,id=1]"}]`,
	"get_doubt_friends_add_request": `[{"flag":"f","uin":"654321","time":"1"}]`,
	"get_group_system_msg":          `{"join_requests":[{"request_id":1,"requester_uin":654321,"group_id":123456,"invitor_uin":"100001"}]}`,
	"get_msg":                       `{"message_id":7,"user_id":654321,"message":"hi[CQ:reply,id=7]","sender":{"user_id":654321}}`,
	"get_group_msg_history":         `{"messages":[{"message_id":7,"user_id":654321,"message":[{"type":"image","data":{"file":"a"}}]}]}`,
	"get_friend_msg_history":        `{"messages":[{"message_id":8,"user_id":654321,"message":[]}]}`,
	"get_forward_msg":               `{"messages":[{"content":[{"type":"text","data":{"text":"x"}}],"sender":{"user_id":654321}}]}`,
	"get_group_root_files":          `{"files":[{"file_id":"/f","file_size":"12","dead_time":5,"uploader":654321}],"folders":[{"folder_id":"/d"}]}`,
	"get_group_files_by_folder":     `{"files":null,"folders":null}`,
	"send_group_msg":                `{"message_id":9}`,
	"send_private_msg":              `{"message_id":10}`,
	"send_group_forward_msg":        `{"message_id":11}`,
	"send_private_forward_msg":      `{"message_id":12}`,
}

func fuzzEnv(impl onebot11.Impl) *Env {
	seqs := newFakeSeqs()
	seqs.preload(idmap.Ref{Scene: idmap.SceneGroup, Peer: 123456, Seq: 41}, 7)
	seqs.preload(idmap.Ref{Scene: idmap.SceneFriend, Peer: 654321, Seq: 5}, 8)
	flags := newFakeFlags()
	flags.preload(idmap.FlagFriendRequest, 1, "f")
	flags.preload(idmap.FlagGroupRequest, 1, "g")
	flags.preload(idmap.FlagInvitation, 1, "i")
	caller := scripted.Answer(func(action string, _ []byte) (json.RawMessage, error) {
		if r, ok := fuzzReplies[action]; ok {
			return json.RawMessage(r), nil
		}
		return json.RawMessage(`{"user_id":654321,"group_id":123456,"url":"u","file_id":"x","token":1}`), nil
	})
	return &Env{Upstream: caller, Impl: impl, Seqs: seqs, Flags: flags, SelfID: func() int64 { return 10001 },
		Now: func() int64 { return 1700000000 }, Version: "test"}
}

// FuzzDo: no (api, body) panics; every failure is milky.ErrUnknownAPI or a
// *milky.APIError with a bounded message; every success encodes.
func FuzzDo(f *testing.F) {
	cases, _ := golden.LoadAll("testdata/apis")
	for _, c := range cases {
		var req struct {
			API  string          `json:"api"`
			Body json.RawMessage `json:"body"`
		}
		if c.Sections[0].Decode(&req) == nil {
			f.Add(req.API, []byte(req.Body), uint8(0))
		}
	}
	f.Add("send_group_message", []byte(`{"group_id":123456,"message":[{"type":"forward","data":{"messages":[]}}]}`), uint8(1))
	f.Add("get_history_messages", []byte(`{"message_scene":"group","peer_id":123456,"limit":100000}`), uint8(2))
	f.Fuzz(func(t *testing.T, api string, body []byte, implIndex uint8) {
		env := fuzzEnv(onebot11.Impls[int(implIndex)%len(onebot11.Impls)])
		data, err := Do(t.Context(), env, api, body)
		if err != nil {
			if errors.Is(err, milky.ErrUnknownAPI) {
				if APIs[api] != nil {
					t.Fatalf("%s is in the table but answered unknown", api)
				}
				return
			}
			var ae *milky.APIError
			if !errors.As(err, &ae) {
				t.Fatalf("%s: error is not a *milky.APIError: %T %v", api, err, err)
			}
			if ae.Retcode == 0 || len(ae.Message) > 512 {
				t.Fatalf("%s: bad error retcode %d or message length %d: %q", api, ae.Retcode, len(ae.Message), ae.Message)
			}
			if strings.Contains(ae.Message, "\n") && len(body) > 600 {
				t.Fatalf("%s: message looks like an echo of the body", api)
			}
			return
		}
		if _, err := json.Marshal(data); err != nil {
			t.Fatalf("%s: response does not encode: %v", api, err)
		}
	})
}
