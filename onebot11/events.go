package onebot11

// Event structs. Every struct carries the common header; fields that OneBot
// defines as always present are never omitempty (user_id 0 means the whole
// group in group_ban, for example).

// Header is common to every event.
type Header struct {
	Time     int64  `json:"time"`
	SelfID   int64  `json:"self_id"`
	PostType string `json:"post_type"`
}

// Sender is the sender object of a message event.
type Sender struct {
	UserID   int64  `json:"user_id"`
	Nickname string `json:"nickname"`
	Card     string `json:"card,omitempty"`
	Sex      string `json:"sex,omitempty"`
	Age      int32  `json:"age"`
	Level    string `json:"level,omitempty"`
	Role     string `json:"role,omitempty"`
	Title    string `json:"title,omitempty"`
	GroupID  int64  `json:"group_id,omitempty"` // temp chat: the group the sender came from
}

// MessageEvent is a private or group message (post_type message or
// message_sent). Message is []Segment or a CQ string depending on
// MessageFormat.
type MessageEvent struct {
	Header
	MessageType   string `json:"message_type"`
	SubType       string `json:"sub_type"`
	MessageID     int32  `json:"message_id"`
	MessageSeq    int64  `json:"message_seq"`
	RealID        int64  `json:"real_id"`
	UserID        int64  `json:"user_id"`
	GroupID       int64  `json:"group_id,omitempty"`
	TargetID      int64  `json:"target_id,omitempty"`
	Message       any    `json:"message"`
	MessageFormat string `json:"message_format"`
	RawMessage    string `json:"raw_message"`
	Font          int32  `json:"font"`
	Sender        Sender `json:"sender"`
	TempSource    *int   `json:"temp_source,omitempty"`
}

// RequestEvent is a friend or group request.
type RequestEvent struct {
	Header
	RequestType string `json:"request_type"`
	SubType     string `json:"sub_type,omitempty"`
	UserID      int64  `json:"user_id"`
	GroupID     int64  `json:"group_id,omitempty"`
	InvitorID   int64  `json:"invitor_id,omitempty"`
	Comment     string `json:"comment"`
	Flag        string `json:"flag"`
}

// MetaEvent is lifecycle or heartbeat.
type MetaEvent struct {
	Header
	MetaEventType string `json:"meta_event_type"`
	SubType       string `json:"sub_type,omitempty"`
	Status        any    `json:"status,omitempty"`
	Interval      int64  `json:"interval,omitempty"`
}

// Status is get_status data and the heartbeat's status field.
type Status struct {
	Online bool `json:"online"`
	Good   bool `json:"good"`
	Stat   any  `json:"stat,omitempty"`
}

// NoticeEvent covers the notice kinds; each notice type uses a subset.
// Notice structs are built by eventmap, which knows which fields apply.
// Fields that a notice type requires are set explicitly there; pointer fields
// distinguish "absent" from 0 where OneBot needs 0 to be sent.
type NoticeEvent struct {
	Header
	NoticeType string `json:"notice_type"`
	SubType    string `json:"sub_type,omitempty"`
	GroupID    int64  `json:"group_id,omitempty"`
	// UserID is always sent: 0 is meaningful (whole-group ban).
	UserID     int64  `json:"user_id"`
	OperatorID *int64 `json:"operator_id,omitempty"`
	TargetID   *int64 `json:"target_id,omitempty"`
	MessageID  *int32 `json:"message_id,omitempty"`
	Duration   *int64 `json:"duration,omitempty"`
	SenderID   *int64 `json:"sender_id,omitempty"`
	// Type-specific fields; eventmap sets those its notice type has.
	File    *FileInfo   `json:"file,omitempty"`
	Likes   []EmojiLike `json:"likes,omitempty"`
	IsAdd   *bool       `json:"is_add,omitempty"`
	NameNew string      `json:"name_new,omitempty"`
	RawInfo any         `json:"raw_info,omitempty"`
	Title   string      `json:"title,omitempty"`
	// Gateway extensions (documented in eventmap/ob11milky/README.md): peer_pin_change
	// carries MessageType and IsPinned, bot_offline carries Reason.
	MessageType string `json:"message_type,omitempty"`
	IsPinned    *bool  `json:"is_pinned,omitempty"`
	Reason      string `json:"reason,omitempty"`
}

// FileInfo is the file object of group_upload / offline_file notices.
type FileInfo struct {
	ID    string `json:"id"`
	Name  string `json:"name"`
	Size  int64  `json:"size"`
	BusID int64  `json:"busid"`
	URL   string `json:"url,omitempty"`
	// Hash is a private file's hash (offline_file; not standard): Milky
	// needs it to fetch the file again.
	Hash string `json:"hash,omitempty"`
}

// EmojiLike is one entry of group_msg_emoji_like.likes.
type EmojiLike struct {
	EmojiID string `json:"emoji_id"`
	Count   int    `json:"count"`
}
