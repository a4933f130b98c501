// Package milky owns the Milky 1.2 protocol: wire types, the API client, the
// event-stream client (WebSocket and SSE) and the server side (/api, /event)
// that the simulator and the reverse gateway direction use. It knows nothing
// of OneBot.
package milky

import "github.com/goccy/go-json"

// Version is the Milky protocol version these types follow.
const Version = "1.2"

// Message scenes.
const (
	SceneFriend = "friend"
	SceneGroup  = "group"
	SceneTemp   = "temp"
)

// Event stream transports of GET /event.
const (
	TransportWS  = "ws"
	TransportSSE = "sse"
)

// Event is the envelope of every pushed event. Data stays raw so that the
// consumer decodes it into the one struct its event_type calls for.
type Event struct {
	Time      int64           `json:"time"`
	SelfID    int64           `json:"self_id"`
	EventType string          `json:"event_type"`
	Data      json.RawMessage `json:"data"`
}

// Event type names (Milky 1.2 has 20).
const (
	EventBotOffline                = "bot_offline"
	EventMessageReceive            = "message_receive"
	EventMessageRecall             = "message_recall"
	EventPeerPinChange             = "peer_pin_change"
	EventFriendRequest             = "friend_request"
	EventGroupJoinRequest          = "group_join_request"
	EventGroupInvitedJoinRequest   = "group_invited_join_request"
	EventGroupInvitation           = "group_invitation"
	EventFriendNudge               = "friend_nudge"
	EventFriendFileUpload          = "friend_file_upload"
	EventGroupAdminChange          = "group_admin_change"
	EventGroupEssenceMessageChange = "group_essence_message_change"
	EventGroupMemberIncrease       = "group_member_increase"
	EventGroupMemberDecrease       = "group_member_decrease"
	EventGroupNameChange           = "group_name_change"
	EventGroupMessageReaction      = "group_message_reaction"
	EventGroupMute                 = "group_mute"
	EventGroupWholeMute            = "group_whole_mute"
	EventGroupNudge                = "group_nudge"
	EventGroupFileUpload           = "group_file_upload"
)

// ---- entities (response structs: decode leniently, missing newer fields are zero) ----

type FriendCategory struct {
	CategoryID   int32  `json:"category_id"`
	CategoryName string `json:"category_name"`
}

type Friend struct {
	UserID   int64          `json:"user_id"`
	Nickname string         `json:"nickname"`
	Sex      string         `json:"sex"`
	QID      string         `json:"qid"`
	Remark   string         `json:"remark"`
	Category FriendCategory `json:"category"`
}

type Group struct {
	GroupID        int64  `json:"group_id"`
	GroupName      string `json:"group_name"`
	MemberCount    int32  `json:"member_count"`
	MaxMemberCount int32  `json:"max_member_count"`
	Remark         string `json:"remark"`
	CreatedTime    int64  `json:"created_time"`
	Description    string `json:"description"`
	Question       string `json:"question"`
	Announcement   string `json:"announcement"`
}

type GroupMember struct {
	UserID        int64  `json:"user_id"`
	Nickname      string `json:"nickname"`
	Sex           string `json:"sex"`
	GroupID       int64  `json:"group_id"`
	Card          string `json:"card"`
	Title         string `json:"title"`
	Level         int32  `json:"level"`
	Role          string `json:"role"`
	JoinTime      int64  `json:"join_time"`
	LastSentTime  int64  `json:"last_sent_time"`
	ShutUpEndTime *int64 `json:"shut_up_end_time,omitempty"`
}

type GroupAnnouncement struct {
	GroupID        int64   `json:"group_id"`
	AnnouncementID string  `json:"announcement_id"`
	UserID         int64   `json:"user_id"`
	Time           int64   `json:"time"`
	Content        string  `json:"content"`
	ImageURL       *string `json:"image_url,omitempty"`
}

type GroupFile struct {
	GroupID         int64  `json:"group_id"`
	FileID          string `json:"file_id"`
	FileName        string `json:"file_name"`
	ParentFolderID  string `json:"parent_folder_id"`
	FileSize        int64  `json:"file_size"`
	UploadedTime    int64  `json:"uploaded_time"`
	ExpireTime      *int64 `json:"expire_time,omitempty"`
	UploaderID      int64  `json:"uploader_id"`
	DownloadedTimes int32  `json:"downloaded_times"`
}

type GroupFolder struct {
	GroupID          int64  `json:"group_id"`
	FolderID         string `json:"folder_id"`
	ParentFolderID   string `json:"parent_folder_id"`
	FolderName       string `json:"folder_name"`
	CreatedTime      int64  `json:"created_time"`
	LastModifiedTime int64  `json:"last_modified_time"`
	CreatorID        int64  `json:"creator_id"`
	FileCount        int32  `json:"file_count"`
}

type FriendRequest struct {
	Time          int64  `json:"time"`
	InitiatorID   int64  `json:"initiator_id"`
	InitiatorUID  string `json:"initiator_uid"`
	TargetUserID  int64  `json:"target_user_id"`
	TargetUserUID string `json:"target_user_uid"`
	State         string `json:"state"`
	Comment       string `json:"comment"`
	Via           string `json:"via"`
	IsFiltered    bool   `json:"is_filtered"`
}

// GroupNotification is the flattened union of the five notification kinds;
// Type says which fields are meaningful.
type GroupNotification struct {
	Type            string `json:"type"`
	GroupID         int64  `json:"group_id"`
	NotificationSeq int64  `json:"notification_seq"`
	IsFiltered      bool   `json:"is_filtered,omitempty"`
	InitiatorID     int64  `json:"initiator_id,omitempty"`
	TargetUserID    int64  `json:"target_user_id,omitempty"`
	State           string `json:"state,omitempty"`
	OperatorID      *int64 `json:"operator_id,omitempty"`
	Comment         string `json:"comment,omitempty"`
	IsSet           bool   `json:"is_set,omitempty"`
}

type GroupEssenceMessage struct {
	GroupID       int64             `json:"group_id"`
	MessageSeq    int64             `json:"message_seq"`
	MessageTime   int64             `json:"message_time"`
	SenderID      int64             `json:"sender_id"`
	SenderName    string            `json:"sender_name"`
	OperatorID    int64             `json:"operator_id"`
	OperatorName  string            `json:"operator_name"`
	OperationTime int64             `json:"operation_time"`
	Segments      []IncomingSegment `json:"segments"`
}

// ---- messages ----

// IncomingMessage is the flattened union on message_scene: Friend is set for
// "friend", Group and GroupMember for "group", Group (optionally) for "temp".
type IncomingMessage struct {
	MessageScene string            `json:"message_scene"`
	PeerID       int64             `json:"peer_id"`
	MessageSeq   int64             `json:"message_seq"`
	SenderID     int64             `json:"sender_id"`
	Time         int64             `json:"time"`
	Segments     []IncomingSegment `json:"segments"`
	Friend       *Friend           `json:"friend,omitempty"`
	Group        *Group            `json:"group,omitempty"`
	GroupMember  *GroupMember      `json:"group_member,omitempty"`
}

// IncomingSegment is one received segment. Data is the flattened union of the
// 13 incoming segment kinds; Type says which fields are meaningful. An unknown
// Type is kept as is so the consumer can apply the compatibility rule
// (unknown segment -> text) and count it.
type IncomingSegment struct {
	Type string              `json:"type"`
	Data IncomingSegmentData `json:"data"`
}

type IncomingSegmentData struct {
	// text
	Text string `json:"text,omitempty"`
	// mention
	UserID int64  `json:"user_id,omitempty"`
	Name   string `json:"name,omitempty"`
	// face
	FaceID  string `json:"face_id,omitempty"`
	IsLarge bool   `json:"is_large,omitempty"`
	// reply
	MessageSeq int64             `json:"message_seq,omitempty"`
	SenderID   int64             `json:"sender_id,omitempty"`
	SenderName *string           `json:"sender_name,omitempty"`
	Time       int64             `json:"time,omitempty"`
	Segments   []IncomingSegment `json:"segments,omitempty"`
	// image / record / video
	ResourceID string `json:"resource_id,omitempty"`
	TempURL    string `json:"temp_url,omitempty"`
	Width      int32  `json:"width,omitempty"`
	Height     int32  `json:"height,omitempty"`
	Summary    string `json:"summary,omitempty"`
	SubType    string `json:"sub_type,omitempty"`
	Duration   int32  `json:"duration,omitempty"`
	// file
	FileID   string  `json:"file_id,omitempty"`
	FileName string  `json:"file_name,omitempty"`
	FileSize int64   `json:"file_size,omitempty"`
	FileHash *string `json:"file_hash,omitempty"`
	// forward (Summary shared with image)
	ForwardID string   `json:"forward_id,omitempty"`
	Title     string   `json:"title,omitempty"`
	Preview   []string `json:"preview,omitempty"`
	// market_face (Summary shared)
	EmojiPackageID int32  `json:"emoji_package_id,omitempty"`
	EmojiID        string `json:"emoji_id,omitempty"`
	Key            string `json:"key,omitempty"`
	URL            string `json:"url,omitempty"`
	// light_app
	AppName     string `json:"app_name,omitempty"`
	JSONPayload string `json:"json_payload,omitempty"`
	// xml
	ServiceID  int32  `json:"service_id,omitempty"`
	XMLPayload string `json:"xml_payload,omitempty"`
}

// IncomingForwardedMessage is one node of get_forwarded_messages.
type IncomingForwardedMessage struct {
	MessageSeq int64             `json:"message_seq"`
	SenderName string            `json:"sender_name"`
	AvatarURL  string            `json:"avatar_url"`
	Time       int64             `json:"time"`
	Segments   []IncomingSegment `json:"segments"`
}

// OutgoingSegment is one segment of a sent message. Data is one of the
// Outgoing*Data structs below, so that only the fields of that kind are sent.
type OutgoingSegment struct {
	Type string `json:"type"`
	Data any    `json:"data"`
}

type OutgoingText struct {
	Text string `json:"text"`
}
type OutgoingMention struct {
	UserID int64 `json:"user_id"`
}
type OutgoingMentionAll struct{}
type OutgoingFace struct {
	FaceID  string `json:"face_id"`
	IsLarge bool   `json:"is_large"`
}
type OutgoingReply struct {
	MessageSeq int64 `json:"message_seq"`
}
type OutgoingImage struct {
	URI     string  `json:"uri"`
	SubType string  `json:"sub_type,omitempty"`
	Summary *string `json:"summary,omitempty"`
}
type OutgoingRecord struct {
	URI string `json:"uri"`
}
type OutgoingVideo struct {
	URI      string  `json:"uri"`
	ThumbURI *string `json:"thumb_uri,omitempty"`
}
type OutgoingForward struct {
	Messages []OutgoingForwardedMessage `json:"messages"`
	Title    *string                    `json:"title,omitempty"`
	Preview  []string                   `json:"preview,omitempty"`
	Summary  *string                    `json:"summary,omitempty"`
	Prompt   *string                    `json:"prompt,omitempty"`
}
type OutgoingLightApp struct {
	JSONPayload string `json:"json_payload"`
}

// OutgoingForwardedMessage is one node of an outgoing forward segment.
type OutgoingForwardedMessage struct {
	UserID     int64             `json:"user_id"`
	SenderName string            `json:"sender_name"`
	Segments   []OutgoingSegment `json:"segments"`
}

// Segment type names.
const (
	SegText       = "text"
	SegMention    = "mention"
	SegMentionAll = "mention_all"
	SegFace       = "face"
	SegReply      = "reply"
	SegImage      = "image"
	SegRecord     = "record"
	SegVideo      = "video"
	SegFile       = "file"
	SegForward    = "forward"
	SegMarketFace = "market_face"
	SegLightApp   = "light_app"
	SegXML        = "xml"
)

// Uin bounds: a QQ number or group number (zod zUin).
const (
	MinUin = 10001
	MaxUin = 4294967295
)

// ValidUin says whether v is a uin the schema accepts.
func ValidUin(v int64) bool { return v >= MinUin && v <= MaxUin }
