package simulator

import (
	"context"
	"fmt"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/goccy/go-json"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/qqbridge/gateway/internal/conformance"
	"github.com/qqbridge/gateway/internal/golden"
	"github.com/qqbridge/gateway/milky"
)

// TestMain keeps this package's tests out of the Milky conformance log: they
// send deliberately invalid requests to exercise the transport, which are not
// requests of the gateway.
func TestMain(m *testing.M) { conformance.RunWithoutLog(m) }

// call runs one API and returns its JSON data (or the error).
func call(t testing.TB, s *Sim, api string, body string, args ...any) (json.RawMessage, error) {
	t.Helper()
	data, err := s.HandleAPI(context.Background(), api, []byte(fmt.Sprintf(body, args...)))
	if err != nil {
		return nil, err
	}
	raw, merr := json.Marshal(data)
	require.NoError(t, merr)
	return raw, nil
}

func mustCall[T any](t testing.TB, s *Sim, api string, body string, args ...any) T {
	t.Helper()
	raw, err := call(t, s, api, body, args...)
	require.NoError(t, err, "%s %s", api, fmt.Sprintf(body, args...))
	var out T
	require.NoError(t, json.Unmarshal(raw, &out))
	return out
}

func apiError(t testing.TB, err error) *milky.APIError {
	t.Helper()
	require.Error(t, err)
	ae, ok := err.(*milky.APIError)
	require.True(t, ok, "want *milky.APIError, got %T: %v", err, err)
	return ae
}

// milkyAPIs is the 64 endpoints of Milky 1.2 (catalog §2).
var milkyAPIs = []string{
	"get_login_info", "get_impl_info", "get_user_profile", "get_friend_list", "get_friend_info", "get_group_list",
	"get_group_info", "get_group_member_list", "get_group_member_info", "get_peer_pins", "set_peer_pin", "set_avatar",
	"set_nickname", "set_bio", "get_custom_face_url_list", "get_cookies", "get_csrf_token",
	"send_private_message", "send_group_message", "recall_private_message", "recall_group_message", "get_message",
	"get_history_messages", "get_resource_temp_url", "get_forwarded_messages", "mark_message_as_read",
	"send_friend_nudge", "send_profile_like", "delete_friend", "get_friend_requests", "accept_friend_request",
	"reject_friend_request",
	"set_group_name", "set_group_avatar", "set_group_member_card", "set_group_member_special_title",
	"set_group_member_admin", "set_group_member_mute", "set_group_whole_mute", "kick_group_member",
	"get_group_announcements", "send_group_announcement", "delete_group_announcement", "get_group_essence_messages",
	"set_group_essence_message", "quit_group", "send_group_message_reaction", "send_group_nudge",
	"get_group_notifications", "accept_group_request", "reject_group_request", "accept_group_invitation",
	"reject_group_invitation",
	"upload_private_file", "upload_group_file", "get_private_file_download_url", "get_group_file_download_url",
	"get_group_files", "move_group_file", "rename_group_file", "delete_group_file", "create_group_folder",
	"rename_group_folder", "delete_group_folder",
}

func TestAllAPIsImplementedAndCovered(t *testing.T) {
	require.Len(t, milkyAPIs, 64)
	got := APIs()
	slices.Sort(got)
	want := slices.Clone(milkyAPIs)
	slices.Sort(want)
	assert.Equal(t, want, got)

	// Every API has at least one golden case calling it.
	cases, err := golden.LoadAll("testdata/api")
	require.NoError(t, err)
	called := map[string]bool{}
	for _, c := range cases {
		for _, call := range parseCalls(c) {
			called[call.api] = true
		}
	}
	for _, api := range milkyAPIs {
		assert.True(t, called[api], "no golden case calls %s", api)
	}
}

// TestRequiredFields: an empty body names the first required field of every
// API that has one (zod: required means present and not null).
func TestRequiredFields(t *testing.T) {
	first := map[string]string{
		"get_user_profile": "user_id", "get_friend_info": "user_id", "get_group_info": "group_id",
		"get_group_member_list": "group_id", "get_group_member_info": "group_id", "set_peer_pin": "message_scene",
		"set_avatar": "uri", "set_nickname": "new_nickname", "set_bio": "new_bio", "get_cookies": "domain",
		"send_private_message": "user_id", "send_group_message": "group_id", "recall_private_message": "user_id",
		"recall_group_message": "group_id", "get_message": "message_scene", "get_history_messages": "message_scene",
		"get_resource_temp_url": "resource_id", "get_forwarded_messages": "forward_id",
		"mark_message_as_read": "message_scene", "send_friend_nudge": "user_id", "send_profile_like": "user_id",
		"delete_friend": "user_id", "accept_friend_request": "initiator_uid", "reject_friend_request": "initiator_uid",
		"set_group_name": "group_id", "set_group_avatar": "group_id", "set_group_member_card": "group_id",
		"set_group_member_special_title": "group_id", "set_group_member_admin": "group_id",
		"set_group_member_mute": "group_id", "set_group_whole_mute": "group_id", "kick_group_member": "group_id",
		"get_group_announcements": "group_id", "send_group_announcement": "group_id",
		"delete_group_announcement": "group_id", "get_group_essence_messages": "group_id",
		"set_group_essence_message": "group_id", "quit_group": "group_id", "send_group_message_reaction": "group_id",
		"send_group_nudge": "group_id", "accept_group_request": "notification_seq",
		"reject_group_request": "notification_seq", "accept_group_invitation": "group_id",
		"reject_group_invitation": "group_id", "upload_private_file": "user_id", "upload_group_file": "group_id",
		"get_private_file_download_url": "user_id", "get_group_file_download_url": "group_id",
		"get_group_files": "group_id", "move_group_file": "group_id", "rename_group_file": "group_id",
		"delete_group_file": "group_id", "create_group_folder": "group_id", "rename_group_folder": "group_id",
		"delete_group_folder": "group_id",
	}
	s := newTestSim(t)
	for _, api := range milkyAPIs {
		t.Run(api, func(t *testing.T) {
			for _, body := range []string{"{}", `{"x": null}`} {
				_, err := call(t, s, api, "%s", body)
				field, required := first[api]
				if !required {
					assert.NoError(t, err, "%s has no required field", api)
					continue
				}
				ae := apiError(t, err)
				assert.Equal(t, milky.RetcodeBadParam, ae.Retcode)
				assert.Equal(t, field+": required", ae.Message)
			}
			// A body that is not an object is always a parameter error.
			_, err := call(t, s, api, `[]`)
			assert.Equal(t, milky.RetcodeBadParam, apiError(t, err).Retcode)
		})
	}
	// Nothing above may have changed the world.
	assert.Empty(t, s.Events())
}

// TestParamErrors: wrong types and ranges name the offending field.
func TestParamErrors(t *testing.T) {
	s := newTestSim(t)
	g := s.Groups()[0].GroupID
	f := s.Friends()[0].UserID
	cases := []struct{ api, body, msg string }{
		{"get_group_info", `{"group_id": 1}`, "group_id: 1 is not a valid uin"},
		{"get_group_info", `{"group_id": true}`, "group_id: must be an integer"},
		{"get_group_member_info", fmt.Sprintf(`{"group_id": %d, "user_id": 99999999999}`, g), "user_id: 99999999999 is not a valid uin"},
		{"get_friend_list", `{"no_cache": 1}`, "no_cache: must be a boolean"},
		{"set_peer_pin", fmt.Sprintf(`{"message_scene": "friend", "peer_id": %d, "is_pinned": "no"}`, f), "is_pinned: must be a boolean"},
		{"get_history_messages", fmt.Sprintf(`{"message_scene": "group", "peer_id": %d, "start_message_seq": -5}`, g), "start_message_seq: -5 must be non-negative"},
		{"get_history_messages", fmt.Sprintf(`{"message_scene": "group", "peer_id": %d, "limit": 1.5}`, g), "limit: must be an integer"},
		{"get_message", fmt.Sprintf(`{"message_scene": "private", "peer_id": %d, "message_seq": 1}`, f), `message_scene: "private" is not one of`},
		{"send_group_message", fmt.Sprintf(`{"group_id": %d, "message": [{"type": "face", "data": {"face_id": 14}}]}`, g), "message[0].data.face_id: must be a string"},
		{"send_group_message", fmt.Sprintf(`{"group_id": %d, "message": [{"type": "face", "data": {"face_id": "14", "is_large": "yes"}}]}`, g), "message[0].data.is_large: must be a boolean"},
		{"send_group_message", fmt.Sprintf(`{"group_id": %d, "message": [{"type": "reply", "data": {"message_seq": "1"}}]}`, g), "message[0].data.message_seq: must be an integer"},
		{"send_group_message", fmt.Sprintf(`{"group_id": %d, "message": [{"type": "video", "data": {"uri": "file:///a", "thumb_uri": "x"}}]}`, g), "message[0].data.thumb_uri:"},
		{"send_group_message", fmt.Sprintf(`{"group_id": %d, "message": [{"type": "light_app", "data": {}}]}`, g), "message[0].data.json_payload: required"},
		{"send_group_message", fmt.Sprintf(`{"group_id": %d, "message": [{"data": {}}]}`, g), "message[0].type: required"},
		{"send_group_message", fmt.Sprintf(`{"group_id": %d, "message": [1]}`, g), "message[0]: must be a JSON object"},
		{"send_group_message", fmt.Sprintf(`{"group_id": %d, "message": [{"type": "text", "data": []}]}`, g), "message[0].data: must be a JSON object"},
		{"send_group_message", fmt.Sprintf(`{"group_id": %d, "message": [{"type": "forward", "data": {"messages": [{"user_id": 1, "sender_name": "a", "segments": []}]}}]}`, g), "message[0].data.messages[0].user_id: 1 is not a valid uin"},
		{"send_group_message", fmt.Sprintf(`{"group_id": %d, "message": [{"type": "forward", "data": {"preview": [1], "messages": [{"user_id": 10001, "sender_name": "a", "segments": [{"type": "text", "data": {"text": "x"}}]}]}}]}`, g), "message[0].data.preview[0]: must be a string"},
		{"send_profile_like", fmt.Sprintf(`{"user_id": %d, "count": -1}`, f), "count: -1 must be in 0..2147483647"},
		{"get_friend_requests", `{"limit": "20"}`, "limit: must be an integer"},
		{"reject_friend_request", `{"initiator_uid": "u_x", "reason": 5}`, "reason: must be a string"},
		{"set_group_member_mute", fmt.Sprintf(`{"group_id": %d, "user_id": %d, "duration": 3000000000}`, g, f), "duration: 3000000000 must be in 0..2147483647"},
		{"get_group_essence_messages", fmt.Sprintf(`{"group_id": %d, "page_index": 0, "page_size": 0}`, g), "page_size: must be at least 1"},
		{"get_group_notifications", `{"start_notification_seq": "x"}`, "start_notification_seq: must be an integer"},
		{"accept_group_request", fmt.Sprintf(`{"notification_seq": 1, "notification_type": "join_request", "group_id": %d, "is_filtered": "false"}`, g), "is_filtered: must be a boolean"},
		{"upload_group_file", fmt.Sprintf(`{"group_id": %d, "parent_folder_id": 5, "file_uri": "file:///a", "file_name": "a"}`, g), "parent_folder_id: must be a string"},
		{"move_group_file", fmt.Sprintf(`{"group_id": %d, "file_id": "/x", "target_folder_id": []}`, g), "target_folder_id: must be a string"},
		{"create_group_folder", fmt.Sprintf(`{"group_id": %d, "folder_name": "a\\b"}`, g), `folder_name: must not contain / or \`},
		{"rename_group_folder", fmt.Sprintf(`{"group_id": %d, "folder_id": "/x", "new_folder_name": ""}`, g), "new_folder_name: must not be empty"},
		{"send_group_announcement", fmt.Sprintf(`{"group_id": %d, "content": "x", "image_uri": "nope"}`, g), "image_uri:"},
	}
	for _, c := range cases {
		t.Run(c.api+" "+c.msg, func(t *testing.T) {
			_, err := call(t, s, c.api, "%s", c.body)
			ae := apiError(t, err)
			assert.Equal(t, milky.RetcodeBadParam, ae.Retcode)
			assert.True(t, strings.HasPrefix(ae.Message, c.msg), "got %q, want prefix %q", ae.Message, c.msg)
		})
	}
	assert.Empty(t, s.Events(), "a rejected call must not change anything")
}

// TestNullMeansDefault: optional and defaulted fields accept null (zod
// nullish) and take their default.
func TestNullMeansDefault(t *testing.T) {
	s := newTestSim(t)
	g := s.Groups()[1].GroupID
	_, err := call(t, s, "set_group_whole_mute", `{"group_id": %d, "is_mute": null}`, g)
	require.NoError(t, err)
	evs := s.Events()
	require.Len(t, evs, 1)
	assert.JSONEq(t, fmt.Sprintf(`{"group_id": %d, "operator_id": %d, "is_mute": true}`, g, s.SelfID()), string(evs[0].Data))

	out := mustCall[milky.GetHistoryMessagesOutput](t, s, "get_history_messages",
		`{"message_scene": "group", "peer_id": %d, "start_message_seq": null, "limit": null}`, g)
	assert.Len(t, out.Messages, len(s.History(milky.SceneGroup, g))) // fewer than the default 20
}

func TestUnknownAPI(t *testing.T) {
	s := newTestSim(t)
	_, err := s.HandleAPI(context.Background(), "send_like", []byte(`{}`))
	assert.ErrorIs(t, err, milky.ErrUnknownAPI)
	assert.Equal(t, []Call{{API: "send_like", Body: json.RawMessage(`{}`)}}, s.Calls())
}

func TestCallsRecordsEveryCallInOrder(t *testing.T) {
	s := New(Options{Now: func() time.Time { return testNow }, MaxCalls: 3})
	defer s.Close()
	for i := range 5 {
		_, _ = s.HandleAPI(context.Background(), "get_login_info", []byte(fmt.Sprintf(`{"n":%d}`, i)))
	}
	_, _ = s.HandleAPI(context.Background(), "get_impl_info", nil)
	calls := s.Calls()
	require.Len(t, calls, 3)
	assert.Equal(t, `{"n":3}`, string(calls[0].Body))
	assert.Equal(t, `{"n":4}`, string(calls[1].Body))
	assert.Equal(t, Call{API: "get_impl_info", Body: json.RawMessage(`{}`)}, calls[2])
	s.ResetCalls()
	assert.Empty(t, s.Calls())
}

func TestDeterministicWorld(t *testing.T) {
	a := New(Options{Seed: 7, Now: func() time.Time { return testNow }})
	b := New(Options{Seed: 7, Now: func() time.Time { return testNow }})
	c := New(Options{Seed: 8, Now: func() time.Time { return testNow }})
	defer a.Close()
	defer b.Close()
	defer c.Close()
	assert.Equal(t, a.Friends(), b.Friends())
	assert.Equal(t, a.Groups(), b.Groups())
	assert.Equal(t, a.History(milky.SceneGroup, a.Groups()[0].GroupID), b.History(milky.SceneGroup, b.Groups()[0].GroupID))
	assert.NotEqual(t, a.Friends()[0].UserID, c.Friends()[0].UserID)

	// Shape of the world the brief promises.
	assert.GreaterOrEqual(t, len(a.Friends()), 3)
	require.Len(t, a.Groups(), 2)
	for _, g := range a.Groups() {
		ms := a.Members(g.GroupID)
		assert.Len(t, ms, 5)
		assert.Equal(t, int32(len(ms)), g.MemberCount)
		roles := map[string]int{}
		for _, m := range ms {
			roles[m.Role]++
			assert.GreaterOrEqual(t, m.UserID, int64(milky.MinUin))
		}
		assert.Equal(t, 1, roles["owner"])
		assert.GreaterOrEqual(t, roles["admin"], 1)
	}
}

func TestConcurrentUse(t *testing.T) {
	s := New(Options{Echo: true, EchoDelay: time.Millisecond})
	defer s.Close()
	g := s.Groups()[0].GroupID
	f := s.Friends()[0].UserID
	var wg sync.WaitGroup
	for i := range 8 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for j := range 20 {
				_, err := call(t, s, "send_group_message", `{"group_id": %d, "message": [{"type": "text", "data": {"text": "m%d-%d"}}]}`, g, i, j)
				assert.NoError(t, err)
				_, err = call(t, s, "get_history_messages", `{"message_scene": "friend", "peer_id": %d}`, f)
				assert.NoError(t, err)
				s.ReceiveFriendMessage(f, textSegs("hi"))
				_ = s.Members(g)
			}
		}()
	}
	wg.Wait()
	// Seqs stay unique and ascending under concurrency.
	h := s.History(milky.SceneGroup, g)
	for i := 1; i < len(h); i++ {
		require.Less(t, h[i-1].MessageSeq, h[i].MessageSeq)
	}
}

func TestDescribe(t *testing.T) {
	s := New(Options{Echo: true})
	defer s.Close()
	d := s.Describe()
	assert.Contains(t, d, fmt.Sprint(DefaultSelfID))
	for _, g := range s.Groups() {
		assert.Contains(t, d, g.GroupName)
	}
	assert.Contains(t, d, "echo")
}
