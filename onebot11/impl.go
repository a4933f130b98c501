package onebot11

import "strings"

// Impl names a OneBot 11 implementation the gateway may sit on in the
// reverse direction. The standard actions are common to all; extensions
// differ in name and parameters, so the mapping asks Offers before it calls
// one and tells the bot precisely which implementation lacks what.
type Impl string

const (
	NapCat   Impl = "NapCat"
	LLOneBot Impl = "LLOneBot" // also LuckyLilliaBot, its new name
	GoCQHTTP Impl = "go-cqhttp"
	Lagrange Impl = "Lagrange.OneBot"
	Shamrock Impl = "Shamrock" // also OpenShamrock
	// QQBridge is this gateway's own first direction (OneBot 11 served on a
	// Milky implementation), when it is the upstream of the reverse one:
	// the fidelity chain and the no-upstream demo.
	QQBridge Impl = "qqbridge-gateway"
	Unknown  Impl = "unknown"
)

// Impls lists every known implementation, Unknown last (tables and docs
// iterate it in this order).
var Impls = []Impl{NapCat, LLOneBot, GoCQHTTP, Lagrange, Shamrock, QQBridge, Unknown}

// DetectImpl names the implementation from get_version_info's app_name
// (appVersion is accepted for future version gates and ignored today). Real
// spellings seen: "NapCat.Onebot", "NapCat", "LLOneBot", "LuckyLilliaBot",
// "go-cqhttp", "Lagrange.OneBot", "Shamrock", "OpenShamrock". Matching is on
// a case-insensitive substring so that suffixes and forks still match.
func DetectImpl(appName, appVersion string) Impl {
	_ = appVersion
	n := strings.ToLower(strings.TrimSpace(appName))
	switch {
	case n == "":
		return Unknown
	case strings.Contains(n, "napcat"):
		return NapCat
	case strings.Contains(n, "llonebot"), strings.Contains(n, "lucky"), strings.Contains(n, "llbot"):
		return LLOneBot
	case strings.Contains(n, "go-cqhttp"), strings.Contains(n, "gocqhttp"), strings.Contains(n, "go-cq"):
		return GoCQHTTP
	case strings.Contains(n, "lagrange"):
		return Lagrange
	case strings.Contains(n, "shamrock"):
		return Shamrock
	case n == string(QQBridge):
		return QQBridge
	}
	return Unknown
}

// StandardActions are the OneBot 11 standard actions (the 38 of the v11
// spec, including the four the seeds never document): every implementation
// is taken to offer them.
var StandardActions = set(
	"send_private_msg", "send_group_msg", "send_msg", "delete_msg", "get_msg", "get_forward_msg",
	"send_like", "set_group_kick", "set_group_ban", "set_group_anonymous_ban", "set_group_whole_ban",
	"set_group_admin", "set_group_anonymous", "set_group_card", "set_group_name", "set_group_leave",
	"set_group_special_title", "set_friend_add_request", "set_group_add_request", "get_login_info",
	"get_stranger_info", "get_friend_list", "get_group_info", "get_group_list", "get_group_member_info",
	"get_group_member_list", "get_group_honor_info", "get_cookies", "get_csrf_token", "get_credentials",
	"get_record", "get_image", "can_send_image", "can_send_record", "get_status", "get_version_info",
	"set_restart", "clean_cache",
)

// extensions lists the extension actions each implementation offers, from
// the shared reference's OneBot 11 catalog (seeds 000/004 for Shamrock, 001 for go-cqhttp, 003
// for LLOneBot) and NapCat's action router. Lagrange.OneBot and Shamrock are
// listed conservatively: only actions their docs name. Unknown offers none,
// so an unidentified upstream is only asked standard actions.
var extensions = map[Impl]map[string]bool{
	NapCat: set(
		// messages
		"send_forward_msg", "send_group_forward_msg", "send_private_forward_msg",
		"get_group_msg_history", "get_friend_msg_history", "forward_friend_single_msg", "forward_group_single_msg",
		"set_msg_emoji_like", "fetch_emoji_like", "mark_msg_as_read", "mark_group_msg_as_read",
		"mark_private_msg_as_read", "_mark_all_as_read", "get_recent_contact", "get_file", "download_file",
		"get_ai_characters", "get_ai_record", "send_group_ai_record", "translate_en2zh", "ocr_image", ".ocr_image",
		// friends and self
		"friend_poke", "group_poke", "send_poke", "delete_friend", "set_friend_remark", "get_friends_with_category",
		"get_unidirectional_friend_list", "get_profile_like", "set_qq_profile", "set_qq_avatar", "set_self_longnick",
		"set_online_status", "set_diy_online_status", "set_input_status", "get_online_clients", "get_robot_uin_range",
		"fetch_custom_face", "get_rkey", "nc_get_rkey", "get_clientkey", "create_collection", "get_collection_list",
		"get_doubt_friends_add_request", "set_doubt_friends_add_request",
		// groups
		"set_essence_msg", "delete_essence_msg", "get_essence_msg_list", "_send_group_notice", "_get_group_notice",
		"_del_group_notice", "set_group_portrait", "set_group_remark", "set_group_sign", "send_group_sign",
		"get_group_at_all_remain", "get_group_shut_list", "get_group_info_ex", "get_group_system_msg",
		"get_group_ignore_add_request", "get_group_ignored_notifies", "set_group_kick_members",
		// group and private files
		"upload_group_file", "upload_private_file", "delete_group_file", "create_group_file_folder",
		"delete_group_folder", "get_group_file_system_info", "get_group_root_files", "get_group_files_by_folder",
		"get_group_file_url", "get_private_file_url", "move_group_file", "rename_group_file", "trans_group_file",
		// other
		".handle_quick_operation", ".get_word_slices", "check_url_safely", "_get_model_show", "_set_model_show",
		"get_mini_app_ark", "send_packet", "nc_get_packet_status", "nc_get_user_status", "bot_exit",
	),
	LLOneBot: set(
		"send_group_forward_msg", "send_private_forward_msg", "get_group_msg_history", "get_friend_msg_history",
		"forward_friend_single_msg", "forward_group_single_msg", "set_msg_emoji_like", "unset_msg_emoji_like",
		"mark_msg_as_read", "voice_msg_to_text", "send_group_ai_record", "get_ai_characters", "get_file",
		"get_friends_with_category", "delete_friend", "set_friend_remark", "set_qq_avatar", "friend_poke",
		"get_profile_like", "get_profile_like_me", "get_robot_uin_range", "set_friend_category", "get_qq_avatar",
		"set_qq_profile", "batch_delete_group_member", "set_essence_msg", "delete_essence_msg", "send_group_sign",
		"_send_group_notice", "_get_group_notice", "_delete_group_notice", "group_poke", "set_group_remark",
		"set_group_msg_mask", "upload_group_album", "create_group_album", "delete_group_album",
		"get_essence_msg_list", "get_group_at_all_remain", "get_group_shut_list", "get_group_album_list",
		"upload_group_file", "delete_group_file", "create_group_file_folder", "delete_group_folder",
		"get_group_file_system_info", "get_group_root_files", "get_group_files_by_folder", "get_group_file_url",
		"move_group_file", "rename_group_file_folder", "set_group_file_forever", "upload_private_file",
		"get_private_file_url", "upload_flash_file", "download_flash_file", "get_flash_file_info", "download_file",
		"get_group_system_msg", "get_group_ignore_add_request", "get_doubt_friends_add_request",
		"set_doubt_friends_add_request", "set_online_status", "ocr_image", "get_rkey", "get_recommend_face",
		"fetch_custom_face", "send_pb", "scan_qrcode",
	),
	GoCQHTTP: set(
		"send_group_forward_msg", "send_private_forward_msg", "get_group_msg_history", "mark_msg_as_read",
		"set_qq_profile", "delete_friend", "get_unidirectional_friend_list", "delete_unidirectional_friend",
		"get_online_clients", "ocr_image", ".ocr_image", "_get_model_show", "_set_model_show", "check_url_safely",
		".get_word_slices", ".handle_quick_operation", "reload_event_filter", "qidian_get_account_info",
		"set_group_portrait", "set_essence_msg", "delete_essence_msg", "get_essence_msg_list", "send_group_sign",
		"_send_group_notice", "_get_group_notice", "get_group_at_all_remain", "get_group_system_msg",
		"upload_group_file", "delete_group_file", "create_group_file_folder", "delete_group_folder",
		"get_group_file_system_info", "get_group_root_files", "get_group_files_by_folder", "get_group_file_url",
		"upload_private_file", "download_file",
	),
	Lagrange: set(
		"send_forward_msg", "send_group_forward_msg", "send_private_forward_msg", "get_group_msg_history",
		"get_friend_msg_history", "mark_msg_as_read", "set_group_reaction", "group_poke", "friend_poke",
		"delete_friend", "set_qq_avatar", "fetch_custom_face", "set_group_portrait", "set_essence_msg",
		"delete_essence_msg", "get_essence_msg_list", "_send_group_notice", "_get_group_notice",
		"upload_group_file", "upload_private_file", "delete_group_file", "create_group_file_folder",
		"delete_group_folder", "get_group_file_system_info", "get_group_root_files", "get_group_files_by_folder",
		"get_group_file_url", "move_group_file", ".handle_quick_operation",
	),
	Shamrock: set(
		"send_group_forward_msg", "send_private_forward_msg", "get_history_msg", "get_group_msg_history",
		"clear_msgs", "set_group_comment_face", "group_touch", "set_group_portrait", "set_essence_msg",
		"delete_essence_msg", "get_essence_msg_list", "send_group_sign", "_send_group_notice", "_get_group_notice",
		"get_group_at_all_remain", "get_prohibited_member_list", "upload_group_file", "upload_private_file",
		"delete_group_file", "create_group_file_folder", "delete_group_folder", "get_group_file_system_info",
		"get_group_root_files", "get_group_files_by_folder", "get_group_file_url", "download_file",
		"get_group_system_msg", "get_friend_system_msg", "delete_friend", "set_qq_profile",
	),
	// The first direction's translated and emulated actions beyond the
	// standard ones; internal/coverage checks this list against
	// translate/ob11milky's table, which wire packages cannot import.
	QQBridge: set(
		".handle_quick_operation", "_delete_group_notice", "_get_group_notice", "_send_group_notice",
		"batch_delete_group_member", "create_group_file_folder", "delete_essence_msg", "delete_friend",
		"delete_group_file", "delete_group_folder", "fetch_custom_face", "forward_friend_single_msg",
		"forward_group_single_msg", "friend_poke", "get_doubt_friends_add_request", "get_essence_msg_list",
		"get_file", "get_friend_msg_history", "get_friends_with_category", "get_group_essence_msg",
		"get_group_file_system_info", "get_group_file_url", "get_group_files_by_folder",
		"get_group_ignore_add_request", "get_group_info_ex", "get_group_msg_history", "get_group_root_files",
		"get_group_shut_list", "get_group_system_msg", "get_history_msg", "get_private_file_url",
		"get_prohibited_member_list", "get_qq_avatar", "group_file_folder_makedir", "group_poke", "group_touch",
		"mark_msg_as_read", "move_group_file", "post_group_file", "rename_group_file", "rename_group_file_folder",
		"send_group_forward_msg", "send_private_forward_msg", "set_doubt_friends_add_request", "set_essence_msg",
		"set_group_avatar", "set_group_comment_face", "set_group_kick_members", "set_group_portrait",
		"set_msg_emoji_like", "set_qq_avatar", "set_qq_profile", "unset_msg_emoji_like", "upload_group_file",
		"upload_private_file",
	),
	Unknown: {},
}

// lacks lists the standard actions an implementation is known not to
// serve: this gateway's first direction cannot express five of them on
// Milky 1.2 (COVERAGE.md says why).
var lacks = map[Impl]map[string]bool{
	QQBridge: set("clean_cache", "get_group_honor_info", "set_group_anonymous", "set_group_anonymous_ban", "set_restart"),
}

// Offers reports whether the implementation serves action: the standard
// actions it does not lack, and the extensions its table lists.
func (i Impl) Offers(action string) bool {
	if StandardActions[action] {
		return !lacks[i][action]
	}
	return extensions[i][action]
}

// Extensions returns how many extension actions the table lists for i.
func (i Impl) Extensions() int { return len(extensions[i]) }

func set(names ...string) map[string]bool {
	m := make(map[string]bool, len(names))
	for _, n := range names {
		m[n] = true
	}
	return m
}

// ConversationSeq is the implementation's own per-conversation message seq
// of a message, from the fields it reported (0 when it reports none):
// NapCat's real_seq, or, on this gateway's first direction, message_seq
// (Milky's own seq, passed through). Other implementations' message_seq is
// not per conversation (NapCat's equals message_id), so it is not used.
func (i Impl) ConversationSeq(realSeq, messageSeq int64) int64 {
	switch {
	case realSeq > 0:
		return realSeq
	case i == QQBridge && messageSeq > 0:
		return messageSeq
	}
	return 0
}

// ReportsSeq says whether get_msg answers with the message's own
// conversation seq (see ConversationSeq): NapCat's real_seq, this
// gateway's message_seq. The reverse direction reads a sent message back
// on these, so that sends share the conversation's order.
func (i Impl) ReportsSeq() bool { return i == NapCat || i == QQBridge }
