package fidelity

import (
	"github.com/qqbridge/gateway/milky"
)

// step is one thing the bot does (an API call) or one thing other QQ users
// do (a trigger on the world's simulator). Bodies name values with $VAR:
// the world's own earlier answers (save, saveEvent) or the seeded account's
// ids (seedVars), identical in both worlds.
type step struct {
	api  string
	body string
	// save copies values out of the reply's data: var → path.
	save map[string]string
	// name and do: a trigger, run on each world's simulator.
	name string
	do   func(w *world)
	// saveEvent copies values out of the first event of a type this step
	// produces: var → "event_type:path" (path below the event's data).
	saveEvent map[string]string
}

func call(api, body string, save ...string) step {
	s := step{api: api, body: body}
	if len(save) > 0 {
		s.save = map[string]string{}
		for i := 0; i+1 < len(save); i += 2 {
			s.save[save[i]] = save[i+1]
		}
	}
	return s
}

func trigger(name string, do func(w *world), saveEvent ...string) step {
	s := step{name: name, do: do}
	if len(saveEvent) > 0 {
		s.saveEvent = map[string]string{}
		for i := 0; i+1 < len(saveEvent); i += 2 {
			s.saveEvent[saveEvent[i]] = saveEvent[i+1]
		}
	}
	return s
}

func text(s string) []milky.IncomingSegment {
	return []milky.IncomingSegment{{Type: milky.SegText, Data: milky.IncomingSegmentData{Text: s}}}
}

// Strangers and groups the seeded account does not know (seed 7).
const (
	stranger1  = 1702761942 // the pending friend request's initiator
	stranger2  = 1234567890
	stranger3  = 1357924680
	newGroup   = 999888777
	otherGroup = 888777666
)

// png is a 1×1 PNG, so image uploads carry real bytes without the network.
const png = "base64://iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mP8z8BQDwAEhQGAhKmMIQAAAABJRU5ErkJggg=="

// script is every Milky 1.2 API with representative parameters, in an
// order whose mutations leave later steps something to act on, with the
// events other users cause in between.
var script = []step{
	// system
	call("get_login_info", `{}`),
	call("get_impl_info", `{}`),
	call("get_user_profile", `{"user_id":$F1}`),
	call("get_friend_list", `{"no_cache":false}`),
	call("get_friend_info", `{"user_id":$F2}`),
	call("get_group_list", `{}`),
	call("get_group_info", `{"group_id":$G1}`),
	call("get_group_member_list", `{"group_id":$G1}`),
	call("get_group_member_info", `{"group_id":$G2,"user_id":$G2M1}`),
	call("get_peer_pins", `{}`),
	call("set_peer_pin", `{"message_scene":"friend","peer_id":$F1,"is_pinned":true}`),
	call("set_avatar", `{"uri":"`+png+`"}`),
	call("set_nickname", `{"new_nickname":"新名字"}`),
	call("set_bio", `{"new_bio":"新签名"}`),
	call("get_custom_face_url_list", `{}`),
	call("get_cookies", `{"domain":"qun.qq.com"}`),
	call("get_csrf_token", `{}`),

	// events from other users
	trigger("friend message", func(w *world) {
		w.sim.ReceiveFriendMessage(w.seed("F1"), []milky.IncomingSegment{
			{Type: milky.SegText, Data: milky.IncomingSegmentData{Text: "你好 "}},
			{Type: milky.SegFace, Data: milky.IncomingSegmentData{FaceID: "14"}},
		})
	}),
	trigger("group message", func(w *world) {
		m := w.sim.ReceiveGroupMessage(w.seed("G1"), w.seed("G1M1"), []milky.IncomingSegment{
			{Type: milky.SegMention, Data: milky.IncomingSegmentData{UserID: w.seed("SELF")}},
			{Type: milky.SegText, Data: milky.IncomingSegmentData{Text: " 看这张图"}},
			{Type: milky.SegImage, Data: milky.IncomingSegmentData{}},
		})
		w.vars["simGM"] = float64(m.MessageSeq)
	}),
	trigger("temp message", func(w *world) { w.sim.ReceiveTempMessage(w.seed("G1"), w.seed("G1M3"), text("临时会话")) }),
	trigger("group recall", func(w *world) {
		w.sim.RecallMessage(milky.SceneGroup, w.seed("G1"), int64(w.vars["simGM"].(float64)), w.seed("G1M1"))
	}),
	trigger("friend nudge", func(w *world) { w.sim.FriendNudge(w.seed("F2")) }),
	trigger("group nudge", func(w *world) { w.sim.GroupNudge(w.seed("G1"), w.seed("G1M1"), w.seed("SELF")) }),
	trigger("member join", func(w *world) { w.sim.MemberJoin(w.seed("G1"), stranger2, w.seed("SELF"), 0) }),
	trigger("member leave", func(w *world) { w.sim.MemberLeave(w.seed("G1"), stranger2, 0) }),
	trigger("group file upload", func(w *world) { w.sim.GroupFileUpload(w.seed("G1"), w.seed("G1M1"), "a.pdf", 1024) }),
	trigger("whole mute", func(w *world) { w.sim.WholeMute(w.seed("G2"), w.seed("G2M1"), true) }),
	trigger("whole unmute", func(w *world) { w.sim.WholeMute(w.seed("G2"), w.seed("G2M1"), false) }),
	trigger("member mute", func(w *world) { w.sim.MuteMember(w.seed("G2"), w.seed("G2M3"), w.seed("G2M1"), 60) }),
	trigger("pin on another client", func(w *world) {
		w.sim.Emit(milky.EventPeerPinChange, milky.PeerPinChangeData{MessageScene: milky.SceneGroup, PeerID: w.seed("G2"), IsPinned: true})
	}),
	trigger("invited join request", func(w *world) { w.sim.GroupInvitedJoinRequest(w.seed("G1"), w.seed("G1M1"), stranger3) }),

	// message
	call("get_history_messages", `{"message_scene":"group","peer_id":$G1,"limit":5}`,
		"H0", "messages.0.message_seq", "H1", "messages.1.message_seq", "H2", "messages.2.message_seq",
		"H3", "messages.3.message_seq"),
	call("get_history_messages", `{"message_scene":"friend","peer_id":$F1,"limit":3}`),
	call("get_message", `{"message_scene":"group","peer_id":$G1,"message_seq":$H2}`),
	call("send_private_message", `{"user_id":$F1,"message":[{"type":"text","data":{"text":"hello"}},{"type":"face","data":{"face_id":"14"}}]}`,
		"PM", "message_seq"),
	call("send_group_message", `{"group_id":$G1,"message":[{"type":"reply","data":{"message_seq":$H3}},{"type":"text","data":{"text":"hi "}},{"type":"mention","data":{"user_id":$G1M1}}]}`,
		"GM", "message_seq"),
	call("get_message", `{"message_scene":"group","peer_id":$G1,"message_seq":$GM}`),
	call("send_group_message", `{"group_id":$G1,"message":[{"type":"image","data":{"uri":"`+png+`","sub_type":"normal"}}]}`,
		"GMI", "message_seq"),
	call("get_message", `{"message_scene":"group","peer_id":$G1,"message_seq":$GMI}`,
		"RES", "message.segments.0.data.resource_id"),
	call("get_resource_temp_url", `{"resource_id":$RES}`),
	call("send_group_message", `{"group_id":$G1,"message":[{"type":"forward","data":{"messages":[{"user_id":$F1,"sender_name":"Eve","segments":[{"type":"text","data":{"text":"转发的话"}}]}]}}]}`,
		"GMF", "message_seq"),
	call("get_message", `{"message_scene":"group","peer_id":$G1,"message_seq":$GMF}`,
		"FWD", "message.segments.0.data.forward_id"),
	call("get_forwarded_messages", `{"forward_id":$FWD}`),
	call("mark_message_as_read", `{"message_scene":"group","peer_id":$G1,"message_seq":$GM}`),
	call("recall_private_message", `{"user_id":$F1,"message_seq":$PM}`),
	call("recall_group_message", `{"group_id":$G1,"message_seq":$GM}`),

	// friend
	call("send_friend_nudge", `{"user_id":$F2,"is_self":false}`),
	call("send_profile_like", `{"user_id":$F2,"count":1}`),
	call("get_friend_requests", `{"limit":20,"is_filtered":false}`),
	call("get_friend_requests", `{"limit":20,"is_filtered":true}`),
	trigger("friend request", func(w *world) { w.sim.FriendRequest(stranger1, "加个好友") },
		"FRUID", "friend_request:initiator_uid"),
	call("accept_friend_request", `{"initiator_uid":$FRUID,"is_filtered":false}`),
	trigger("friend request 2", func(w *world) { w.sim.FriendRequest(stranger2, "我是推销") },
		"FRUID2", "friend_request:initiator_uid"),
	call("reject_friend_request", `{"initiator_uid":$FRUID2,"is_filtered":false,"reason":"不认识"}`),
	call("delete_friend", `{"user_id":$F3}`),

	// group
	call("set_group_name", `{"group_id":$G1,"new_group_name":"新群名"}`),
	call("set_group_avatar", `{"group_id":$G1,"image_uri":"`+png+`"}`),
	call("set_group_member_card", `{"group_id":$G1,"user_id":$G1M1,"card":"小E"}`),
	call("set_group_member_special_title", `{"group_id":$G1,"user_id":$G1M1,"special_title":"大佬"}`),
	call("set_group_member_admin", `{"group_id":$G1,"user_id":$G1M3,"is_set":true}`),
	call("set_group_member_mute", `{"group_id":$G1,"user_id":$G1M4,"duration":600}`),
	call("set_group_whole_mute", `{"group_id":$G1,"is_mute":true}`),
	call("get_group_announcements", `{"group_id":$G1}`, "ANN", "announcements.0.announcement_id"),
	call("send_group_announcement", `{"group_id":$G1,"content":"本周六活动"}`),
	call("delete_group_announcement", `{"group_id":$G1,"announcement_id":$ANN}`),
	call("get_group_essence_messages", `{"group_id":$G1,"page_index":0,"page_size":10}`),
	call("set_group_essence_message", `{"group_id":$G1,"message_seq":$H1,"is_set":true}`),
	call("send_group_message_reaction", `{"group_id":$G1,"message_seq":$H1,"reaction":"76","is_add":true}`),
	call("send_group_nudge", `{"group_id":$G1,"user_id":$G1M2}`),
	call("get_group_notifications", `{"is_filtered":false,"limit":20}`),
	call("get_group_notifications", `{"is_filtered":true,"limit":20}`),
	trigger("join request", func(w *world) { w.sim.GroupJoinRequest(w.seed("G1"), stranger1, "想加群", false) },
		"NJ", "group_join_request:notification_seq"),
	call("accept_group_request", `{"notification_seq":$NJ,"notification_type":"join_request","group_id":$G1,"is_filtered":false}`),
	trigger("join request 2", func(w *world) { w.sim.GroupJoinRequest(w.seed("G1"), stranger3, "广告", false) },
		"NJ2", "group_join_request:notification_seq"),
	call("reject_group_request", `{"notification_seq":$NJ2,"notification_type":"join_request","group_id":$G1,"is_filtered":false,"reason":"no"}`),
	trigger("group invitation", func(w *world) { w.sim.GroupInvitation(newGroup, w.seed("F1")) },
		"INV", "group_invitation:invitation_seq"),
	call("accept_group_invitation", `{"group_id":999888777,"invitation_seq":$INV}`),
	trigger("group invitation 2", func(w *world) { w.sim.GroupInvitation(otherGroup, w.seed("F2")) },
		"INV2", "group_invitation:invitation_seq"),
	call("reject_group_invitation", `{"group_id":888777666,"invitation_seq":$INV2}`),
	call("kick_group_member", `{"group_id":$G1,"user_id":$G1M4,"reject_add_request":false}`),

	// file
	call("get_group_files", `{"group_id":$G1}`, "FILE0", "files.0.file_id", "FOLDER0", "folders.0.folder_id"),
	call("get_group_file_download_url", `{"group_id":$G1,"file_id":$FILE0}`),
	call("upload_group_file", `{"group_id":$G1,"file_uri":"base64://aGVsbG8=","file_name":"hello.txt"}`, "UF", "file_id"),
	call("move_group_file", `{"group_id":$G1,"file_id":$FILE0,"target_folder_id":$FOLDER0}`),
	call("rename_group_file", `{"group_id":$G1,"file_id":$FILE0,"parent_folder_id":$FOLDER0,"new_file_name":"照片.zip"}`),
	call("delete_group_file", `{"group_id":$G1,"file_id":$UF}`),
	call("create_group_folder", `{"group_id":$G2,"folder_name":"新文件夹"}`, "NF", "folder_id"),
	call("rename_group_folder", `{"group_id":$G2,"folder_id":$NF,"new_folder_name":"文档"}`),
	call("delete_group_folder", `{"group_id":$G2,"folder_id":$NF}`),
	call("upload_private_file", `{"user_id":$F1,"file_uri":"base64://aGVsbG8gd29ybGQ=","file_name":"hello.txt"}`),
	trigger("friend file upload", func(w *world) { w.sim.FriendFileUpload(w.seed("F1"), "a.txt", []byte("abc")) },
		"PFID", "friend_file_upload:file_id", "PFHASH", "friend_file_upload:file_hash"),
	call("get_private_file_download_url", `{"user_id":$F1,"file_id":$PFID,"file_hash":$PFHASH}`),

	// refusals: the same outcome (retcode) either way
	call("get_group_info", `{"group_id":123450000}`),
	call("get_friend_info", `{"user_id":1234567}`),
	call("get_group_member_info", `{"group_id":$G1,"user_id":1234567}`),
	call("get_message", `{"message_scene":"group","peer_id":$G1,"message_seq":99999999}`),
	call("send_private_message", `{"user_id":1234567,"message":[{"type":"text","data":{"text":"hi"}}]}`),
	call("send_group_message", `{"group_id":$G1,"message":[]}`),
	call("set_group_name", `{"group_id":$G2,"new_group_name":"x"}`),
	call("kick_group_member", `{"group_id":$G2,"user_id":$G2M1}`),
	call("recall_group_message", `{"group_id":$G1,"message_seq":$GM}`),
	call("get_group_files", `{"group_id":$G1,"parent_folder_id":"/no-such-folder"}`),
	call("get_user_profile", `{"user_id":"abc"}`),

	call("quit_group", `{"group_id":$G2}`),
	trigger("bot offline", func(w *world) { w.sim.BotOffline("被挤下线") }),
}
