package ob11milky

import "github.com/qqbridge/gateway/milky"

// EventInfo describes, for coverage reports, what one Milky event type
// becomes. It is documentation data: Map does not read it, and a test keeps
// it in step with the handler table (every translated type has one row).
type EventInfo struct {
	Milky  string // Milky event_type
	OneBot string // the OneBot 11 event(s) it becomes
	Notes  string
}

// Table lists every Milky 1.2 event type Map translates, in the order of the
// Milky documentation. README.md has the same mapping with more detail.
var Table = []EventInfo{
	{Milky: milky.EventBotOffline, OneBot: "notice bot_offline (extension) {user_id = the bot, reason}",
		Notes: "a notice, not meta_event lifecycle: the gateway's connection to the bot stays up; NapCat uses the same notice_type"},
	{Milky: milky.EventMessageReceive, OneBot: "message / message_sent (private friend, private group = temp, group normal)",
		Notes: "message_sent when the sender is the bot; a message that is exactly one file segment is skipped (the *_file_upload event reports it)"},
	{Milky: milky.EventMessageRecall, OneBot: "notice group_recall (group) / friend_recall (friend, temp)",
		Notes: "message_id is the id of the recalled message's triple; friend_recall adds sender_id and operator_id (extension) when the bot sent or recalled the message"},
	{Milky: milky.EventPeerPinChange, OneBot: "notice peer_pin_change (extension) pin/unpin",
		Notes: "OneBot 11 has no such event"},
	{Milky: milky.EventFriendRequest, OneBot: "request friend {user_id, comment, flag}",
		Notes: "flag encodes the initiator uid, so it survives restarts"},
	{Milky: milky.EventGroupJoinRequest, OneBot: "request group/add {group_id, user_id, comment, flag}",
		Notes: "flag keeps notification seq, kind and is_filtered"},
	{Milky: milky.EventGroupInvitedJoinRequest, OneBot: "request group/add {group_id, user_id = invitee, invitor_id, flag}",
		Notes: "a member invited someone; approving it uses the same flag"},
	{Milky: milky.EventGroupInvitation, OneBot: "request group/invite {group_id, user_id = inviter, flag}",
		Notes: "the bot itself is invited"},
	{Milky: milky.EventFriendNudge, OneBot: "notice notify/poke {user_id = poker, target_id = pokee, sender_id}",
		Notes: "display_* texts are not forwarded"},
	{Milky: milky.EventFriendFileUpload, OneBot: "notice offline_file {user_id, file{id, name, size, busid 0, hash}}",
		Notes: ""},
	{Milky: milky.EventGroupAdminChange, OneBot: "notice group_admin set/unset {group_id, user_id, operator_id?}",
		Notes: ""},
	{Milky: milky.EventGroupEssenceMessageChange, OneBot: "notice essence add/delete {group_id, message_id, operator_id}",
		Notes: "Milky does not name the message's sender: user_id 0"},
	{Milky: milky.EventGroupMemberIncrease, OneBot: "notice group_increase approve/invite",
		Notes: ""},
	{Milky: milky.EventGroupMemberDecrease, OneBot: "notice group_decrease leave/kick/kick_me",
		Notes: ""},
	{Milky: milky.EventGroupNameChange, OneBot: "notice group_name (extension) {group_id, name_new, operator_id}",
		Notes: "OneBot 11 has no such event"},
	{Milky: milky.EventGroupMessageReaction, OneBot: "notice group_msg_emoji_like {group_id, user_id, message_id, likes, is_add}",
		Notes: "NapCat's form; reaction_type is not forwarded"},
	{Milky: milky.EventGroupMute, OneBot: "notice group_ban ban/lift_ban {group_id, user_id, operator_id, duration}",
		Notes: ""},
	{Milky: milky.EventGroupWholeMute, OneBot: "notice group_ban with user_id 0 (ban duration -1 / lift_ban 0)",
		Notes: "go-cqhttp's whole-group form"},
	{Milky: milky.EventGroupNudge, OneBot: "notice notify/poke {group_id, user_id = sender, target_id = receiver}",
		Notes: "display_* texts are not forwarded"},
	{Milky: milky.EventGroupFileUpload, OneBot: "notice group_upload {group_id, user_id, file{id, name, size, busid 0}}",
		Notes: ""},
}
