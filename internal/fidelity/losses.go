package fidelity

// Loss is one declared difference between what a Milky bot gets from a
// Milky implementation directly and through the gateway's two directions
// stacked (Milky → OneBot 11 → Milky). Subject is an API name, "event:" +
// event_type, or "*" for any; Path is a pattern over the JSON path below the
// response's data (APIs) or of the whole event object (events), where "*"
// stands for one element and "**" for any number of them. A call whose
// outcome differs has path "retcode.DIRECT.CHAIN" ("retcode.0.-501": it
// succeeds directly and is unsupported through the chain); an event with no
// partner on the other side has path "", except a message_receive, whose
// path names its segment types ("data.segments:file").
type Loss struct {
	Subject string
	Path    string
	Kind    Kind
	Reason  string
}

// Losses is the declared list. The chain test fails on a difference no
// entry covers and on an entry that covers no difference any more, so the
// list stays exactly what the chain loses.
var Losses = []Loss{
	// Ids the chain issues itself: they differ in value but name the same
	// things, and the bot only ever hands them back.
	{"*", "**.message_seq", Changed, "message_seq is the implementation's own per-conversation seq where it reports one (NapCat's real_seq; this gateway's message_seq, so on this chain every message the reverse direction meets in an event or a message reply keeps its seq); a message first met elsewhere (an essence list) takes the conversation's next seq; forwarded nodes have 0"},
	{"*", "**.notification_seq", Changed, "notification_seq is the reverse direction's own number for a OneBot request flag"},
	{"*", "**.initiator_uid", Changed, "initiator_uid is a handle the reverse direction issues for a OneBot friend-request flag (OneBot 11 has no uids)"},

	// Refusals keep their meaning but not their code.
	{"*", "retcode.*.1500", Error, "a refusal by the Milky implementation (-404 not found, -1 refused) reaches OneBot 11 as retcode 1500 with the original code in the message, and the reverse direction passes positive retcodes on: the bot gets 1500, the original only in the message"},

	// system
	{"get_impl_info", "impl_name", Changed, "the gateway names itself and its OneBot 11 upstream"},
	{"get_impl_info", "impl_version", Changed, "the gateway's version"},
	{"get_impl_info", "qq_protocol_version", Changed, "OneBot 11 reports no QQ protocol version: \"\""},
	{"*", "**.description", Changed, "group description, question and announcement are not in OneBot 11's group info: \"\""},
	{"*", "**.question", Changed, "as description"},
	{"*", "**.announcement", Changed, "as description"},
	{"get_peer_pins", "retcode.0.-501", Error, "no OneBot 11 implementation lists pinned conversations: -501"},
	{"set_peer_pin", "retcode.0.-501", Error, "no OneBot 11 implementation pins a conversation: -501"},
	{"event:peer_pin_change", "", Missing, "set_peer_pin fails through the chain, so the pin it makes directly has no event (a pin made elsewhere does come through)"},

	// messages
	{"*", "**.group_member.join_time", Changed, "a message's group_member is built from the OneBot sender, which has no join or last-sent time: 0"},
	{"*", "**.group_member.last_sent_time", Changed, "as join_time"},
	{"*", "**.friend.category.category_name", Changed, "a message's friend is built from the OneBot sender, which has no friend category: {0, \"\"}"},
	{"get_history_messages", "messages.*.friend.nickname", Changed, "for a message the bot sent, the friend is built from the sender (the bot), so the friend's nickname is \"\""},
	{"*", "**.segments.*.data.width", Changed, "OneBot 11 image segments carry no dimensions: 0"},
	{"*", "**.segments.*.data.height", Changed, "as width"},
	{"*", "**.segments.*.data.title", Changed, "a OneBot 11 forward segment carries only its id: title, summary and preview are empty"},
	{"*", "**.segments.*.data.summary", Changed, "as title"},
	{"*", "**.segments.*.data.preview.*", Missing, "as title"},
	{"*", "**.segments.*.data.sender_id", Changed, "a reply to a message the gateway has not seen as an event is known by id only: sender 10001 (unknown), time 0, no quoted segments"},
	{"*", "**.segments.*.data.time", Changed, "as sender_id"},
	{"*", "**.segments.*.data.segments.*", Missing, "as sender_id"},
	{"send_private_message", "time", Changed, "OneBot's send_msg reports no time: the gateway's clock stands in"},
	{"send_group_message", "time", Changed, "as send_private_message"},
	{"event:message_receive", "data.segments:file", Missing, "a file message arrives as the upload notice only: the first direction reports group_upload / offline_file and drops the message_receive beside it"},

	// friends
	{"get_friend_requests", "retcode.0.-501", Error, "is_filtered=false: no OneBot 11 implementation lists ordinary friend requests (they arrive only as events): -501"},
	{"get_friend_requests", "requests.*.target_user_uid", Changed, "OneBot 11 has no uids: \"\""},
	{"event:friend_request", "data.via", Changed, "OneBot 11 friend requests do not say how the user found the bot: \"\""},

	// groups
	{"get_group_notifications", "notifications.**", AnyKind, "only pending join and invited-join requests are listed (OneBot lists no kick/quit/admin notifications and does not say how a handled request ended), so the list is shorter and its entries shift"},
	{"get_group_notifications", "retcode.0.-501", Error, "is_filtered=true: OneBot 11 lists no filtered group requests: -501"},

	// files
	{"get_group_files", "folders.*.last_modified_time", Changed, "OneBot 11 reports no folder modification time: 0"},
}
