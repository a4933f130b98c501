package segment

import "github.com/qqbridge/gateway/onebot11"

// SegmentInfo is one row of the segment table: how a OneBot 11 segment type
// travels between the bot and the Milky upstream. An empty FromMilky means
// no received Milky segment becomes this type; an empty ToMilky means the
// type has no Milky outgoing form and a message carrying it fails as a whole
// with RetcodeUnsupported and an error naming the segment (nothing is
// dropped silently).
type SegmentInfo struct {
	OneBot    string // OneBot 11 segment type
	FromMilky string // Milky incoming segment type(s) converted to it (received →)
	ToMilky   string // Milky outgoing segment type(s) it is sent as (sent →)
	Notes     string // behaviour worth knowing
}

// Segments is the segment table, for COVERAGE.md and for the tests that
// check the converters agree with it (segments_test.go). It covers the 22
// segment types of the OneBot 11 catalog (§3.2), the v11 standard types the
// seeds lack (anonymous, share, location) and the CQ-era types the sender
// still recognises by name (tts, cardimage, gift, redbag) so that they fail
// with a clear error rather than as "unknown".
var Segments = []SegmentInfo{
	{OneBot: onebot11.SegText, FromMilky: "text", ToMilky: "text",
		Notes: "adjacent text is merged before sending; empty text is skipped"},
	{OneBot: onebot11.SegFace, FromMilky: "face", ToMilky: "face",
		Notes: "id ↔ face_id; large=true ↔ is_large"},
	{OneBot: onebot11.SegAt, FromMilky: "mention, mention_all", ToMilky: "mention, mention_all",
		Notes: "qq=all ↔ mention_all; name comes from Milky 1.2 mention.name; qq must be a QQ number"},
	{OneBot: onebot11.SegReply, FromMilky: "reply", ToMilky: "reply",
		Notes: "id is the OneBot message_id of the quoted message; on send it must belong to the conversation sent to " +
			"(Milky's reply carries only message_seq) and may not appear inside forward nodes"},
	{OneBot: onebot11.SegImage, FromMilky: "image", ToMilky: "image",
		Notes: "received: file = resource_id, url = temp_url, sub_type 1 = sticker, summary; sent: file/url/path as http(s)://, " +
			"base64://, file://, data: URI or absolute path, or a received file name (resolved with get_resource_temp_url); " +
			"type=flash fails (Milky cannot send flash images)"},
	{OneBot: onebot11.SegRecord, FromMilky: "record", ToMilky: "record",
		Notes: "received: file = resource_id, url = temp_url; sent like image (the implementation transcodes to SILK)"},
	{OneBot: onebot11.SegVideo, FromMilky: "video", ToMilky: "video",
		Notes: "received: file = resource_id, url = temp_url; sent like image, thumb → thumb_uri"},
	{OneBot: onebot11.SegFile, FromMilky: "file", ToMilky: "",
		Notes: "received: file = file_id, file_id, name, file_size, file_hash (private files only; needed by get_private_file_url); " +
			"a message that is only a file upload is reported as group_upload/offline_file instead; " +
			"sent: a message of one file segment (file, name) is uploaded and answers message_id 0 plus file_id; a file mixed with other content fails"},
	{OneBot: onebot11.SegFlashFile, FromMilky: "", ToMilky: "",
		Notes: "QQ flash transfer has no Milky 1.2 form in either direction"},
	{OneBot: onebot11.SegJSON, FromMilky: "light_app", ToMilky: "light_app",
		Notes: "data ↔ json_payload (the card must be signed by QQ to display); type light_app is accepted as an alias on send"},
	{OneBot: onebot11.SegXML, FromMilky: "xml", ToMilky: "",
		Notes: "received: data = xml_payload, resid = service_id; sending fails (Milky 1.2 cannot send XML cards)"},
	{OneBot: onebot11.SegMFace, FromMilky: "market_face", ToMilky: "",
		Notes: "received: emoji_package_id, emoji_id, key, summary, url; sending fails (Milky 1.2 cannot send market faces)"},
	noForm(onebot11.SegMarkdown),
	{OneBot: onebot11.SegNode, FromMilky: "", ToMilky: "forward",
		Notes: "a run of node segments becomes one forward segment; custom nodes take content or message " +
			"(user_id|uin, nickname|name; default sender is the bot), a node with only id re-sends that message's content " +
			"(fetched with get_message; Milky has no forward by reference); nesting is limited to 8 levels"},
	{OneBot: onebot11.SegForward, FromMilky: "forward", ToMilky: "",
		Notes: "received: id = forward_id, read with get_forward_msg; sending a forward by id fails (Milky cannot), send its nodes instead"},
	{OneBot: onebot11.SegPoke, FromMilky: "", ToMilky: "",
		Notes: "a message made of one poke segment is not sent as a message: it becomes send_group_nudge (target qq) or " +
			"send_friend_nudge (the friend, or the bot itself when qq is the bot) and the send returns message_id 0; " +
			"a poke mixed with other content fails. Received pokes are notice events, not segments"},
	noForm(onebot11.SegDice),
	noForm(onebot11.SegRPS),
	noForm(onebot11.SegShake),
	asCard(onebot11.SegContact, "contact cards"),
	asCard(onebot11.SegMusic, "music shares"),
	noForm(onebot11.SegKeyboard),
	{OneBot: onebot11.SegAnonymous, FromMilky: "", ToMilky: "",
		Notes: "QQ no longer has anonymous chat and Milky has none; sending fails"},
	asCard(onebot11.SegShare, "link shares"),
	asCard(onebot11.SegLocation, "locations"),
	cqEra(onebot11.SegTTS, "text-to-speech"),
	cqEra(onebot11.SegCardImage, "card image"),
	cqEra(onebot11.SegGift, "gift"),
	cqEra(onebot11.SegRedBag, "red packet"),
}

// Row builders for the types with no Milky 1.2 form in either direction
// (sending them fails): one wording for each kind of reason.

func noForm(oneBot string) SegmentInfo {
	return SegmentInfo{OneBot: oneBot, Notes: "no Milky 1.2 form; sending fails"}
}

// asCard: QQ itself turns received ones into mini-app cards.
func asCard(oneBot, what string) SegmentInfo {
	r := noForm(oneBot)
	r.Notes += " (QQ delivers received " + what + " as mini-app cards: Milky light_app → json)"
	return r
}

// cqEra: a type only CQ-era bots still send.
func cqEra(oneBot, what string) SegmentInfo {
	r := noForm(oneBot)
	r.Notes = "CQ-era " + what + "; " + r.Notes
	return r
}
