package onebot11

// The OneBot 11 vocabulary: the values of post_type (types.go), message_type,
// notice_type, request_type, meta_event_type, sub_type, segment type and
// message_format that the mapping packages read or write. They are plain
// string constants (the event structs' fields are strings, as on the wire),
// named so that a typo is a compile error rather than an event nobody maps.
// Extensions are marked with the implementations that send them.

// message_type (message events; also peer_pin_change's conversation kind).
const (
	MessagePrivate = "private"
	MessageGroup   = "group"
)

// message_format: how a message event carries its message.
const (
	FormatArray  = "array"  // segment objects (the default)
	FormatString = "string" // one CQ-code string
)

// notice_type.
const (
	NoticeGroupUpload   = "group_upload"
	NoticeGroupAdmin    = "group_admin"
	NoticeGroupDecrease = "group_decrease"
	NoticeGroupIncrease = "group_increase"
	NoticeGroupBan      = "group_ban"
	NoticeFriendAdd     = "friend_add"
	NoticeGroupRecall   = "group_recall"
	NoticeFriendRecall  = "friend_recall"
	NoticeNotify        = "notify" // sub_type says which: poke, honor, lucky_king, ...
	NoticeEssence       = "essence"
	NoticeGroupCard     = "group_card"
	NoticeOfflineFile   = "offline_file"  // go-cqhttp
	NoticeClientStatus  = "client_status" // go-cqhttp
	NoticeGroupEmoji    = "group_msg_emoji_like"
	NoticeReaction      = "reaction"      // Lagrange.OneBot
	NoticeBotOffline    = "bot_offline"   // NapCat
	NoticeGroupDismiss  = "group_dismiss" // NapCat
	NoticeFlashFile     = "flash_file"    // NapCat
	// NoticeGroupName is this gateway's own notice for Milky's
	// group_name_change (NapCat reports a rename as notify/group_name).
	NoticeGroupName = "group_name"
	// NoticePeerPinChange is this gateway's own notice for Milky's
	// peer_pin_change (no implementation sends it).
	NoticePeerPinChange = "peer_pin_change"
)

// request_type.
const (
	RequestFriend = "friend"
	RequestGroup  = "group"
)

// meta_event_type.
const (
	MetaLifecycle = "lifecycle"
	MetaHeartbeat = "heartbeat"
)

// sub_type values, by the event that carries them.
const (
	// message: private
	SubFriend = "friend"
	SubGroup  = "group" // a temp session from a group
	// message: group
	SubNormal    = "normal"
	SubAnonymous = "anonymous"
	SubNotice    = "notice"

	// request: group; notice: essence
	SubAdd    = "add"
	SubInvite = "invite"
	// notice: essence
	SubDelete = "delete"
	// notice: reaction (Lagrange.OneBot)
	SubRemove = "remove"
	// notice: group_admin
	SubSet   = "set"
	SubUnset = "unset"
	// notice: group_increase
	SubApprove = "approve"
	// notice: group_decrease
	SubLeave  = "leave"
	SubKick   = "kick"
	SubKickMe = "kick_me"
	// notice: group_ban
	SubBan     = "ban"
	SubLiftBan = "lift_ban"
	// notice: notify
	SubPoke        = "poke"
	SubPokeRecall  = "poke_recall"
	SubHonor       = "honor"
	SubLuckyKing   = "lucky_king"
	SubTitle       = "title"
	SubGroupName   = "group_name"   // NapCat
	SubProfileLike = "profile_like" // NapCat
	SubInputStatus = "input_status" // NapCat
	// notice: peer_pin_change (this gateway)
	SubPin   = "pin"
	SubUnpin = "unpin"
	// meta_event: lifecycle
	SubEnable  = "enable"
	SubDisable = "disable"
	SubConnect = "connect"
)

// Segment types.
const (
	SegText      = "text"
	SegFace      = "face"
	SegImage     = "image"
	SegRecord    = "record"
	SegVideo     = "video"
	SegAt        = "at"
	SegReply     = "reply"
	SegForward   = "forward"
	SegNode      = "node"
	SegJSON      = "json"
	SegXML       = "xml"
	SegFile      = "file" // NapCat, LLOneBot, Lagrange.OneBot
	SegMFace     = "mface"
	SegMarkdown  = "markdown"
	SegPoke      = "poke"
	SegDice      = "dice"
	SegRPS       = "rps"
	SegShake     = "shake"
	SegMusic     = "music"
	SegShare     = "share"
	SegContact   = "contact"
	SegLocation  = "location"
	SegAnonymous = "anonymous"
	SegFlashFile = "flash_file" // NapCat
	SegKeyboard  = "keyboard"   // go-cqhttp (QQ bots' buttons)
	SegTTS       = "tts"        // go-cqhttp
	SegCardImage = "cardimage"  // go-cqhttp
	SegGift      = "gift"       // go-cqhttp
	SegRedBag    = "redbag"     // go-cqhttp
)
