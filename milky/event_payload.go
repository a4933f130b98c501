package milky

import (
	"strconv"

	"github.com/goccy/go-json"
	"github.com/qqbridge/gateway/internal/jsonenc"
)

// Typed events for the side that produces Milky events (the reverse
// gateway direction serving Milky bots): an EventPayload knows its
// event_type, so a TypedEvent cannot pair data with the wrong type.

// EventPayload is the data of one Milky event: IncomingMessage or one of the
// *Data structs of events.go.
type EventPayload interface {
	EventType() string
}

// TypedEvent is an event to push, encoded as the Milky envelope
// {time, self_id, event_type, data}.
type TypedEvent struct {
	Time   int64
	SelfID int64
	Data   EventPayload
}

type typedEventWire struct {
	Time      int64        `json:"time"`
	SelfID    int64        `json:"self_id"`
	EventType string       `json:"event_type"`
	Data      EventPayload `json:"data"`
}

// MarshalJSON writes the envelope with event_type taken from Data.
func (e TypedEvent) MarshalJSON() ([]byte, error) {
	typ := ""
	if e.Data != nil {
		typ = e.Data.EventType()
	}
	return json.Marshal(typedEventWire{e.Time, e.SelfID, typ, e.Data})
}

func (IncomingMessage) EventType() string               { return EventMessageReceive }
func (BotOfflineData) EventType() string                { return EventBotOffline }
func (MessageRecallData) EventType() string             { return EventMessageRecall }
func (PeerPinChangeData) EventType() string             { return EventPeerPinChange }
func (FriendRequestData) EventType() string             { return EventFriendRequest }
func (GroupJoinRequestData) EventType() string          { return EventGroupJoinRequest }
func (GroupInvitedJoinRequestData) EventType() string   { return EventGroupInvitedJoinRequest }
func (GroupInvitationData) EventType() string           { return EventGroupInvitation }
func (FriendNudgeData) EventType() string               { return EventFriendNudge }
func (FriendFileUploadData) EventType() string          { return EventFriendFileUpload }
func (GroupAdminChangeData) EventType() string          { return EventGroupAdminChange }
func (GroupEssenceMessageChangeData) EventType() string { return EventGroupEssenceMessageChange }
func (GroupMemberIncreaseData) EventType() string       { return EventGroupMemberIncrease }
func (GroupMemberDecreaseData) EventType() string       { return EventGroupMemberDecrease }
func (GroupNameChangeData) EventType() string           { return EventGroupNameChange }
func (GroupMessageReactionData) EventType() string      { return EventGroupMessageReaction }
func (GroupMuteData) EventType() string                 { return EventGroupMute }
func (GroupWholeMuteData) EventType() string            { return EventGroupWholeMute }
func (GroupNudgeData) EventType() string                { return EventGroupNudge }
func (GroupFileUploadData) EventType() string           { return EventGroupFileUpload }

// AppendTypedEvent appends e's JSON, byte for byte what json.Marshal(e)
// writes, to dst. message_receive (nearly every event) is written field by
// field straight into dst, with none of the reflection, boxing and
// re-compaction of the nested MarshalJSON methods; every other payload, and
// any segment or string the direct writer does not handle, goes through
// json.Marshal, so the bytes never differ.
func AppendTypedEvent(dst []byte, e TypedEvent) ([]byte, error) {
	m, ok := e.Data.(*IncomingMessage)
	if !ok || m == nil || (m.MessageScene != SceneGroup && m.MessageScene != SceneFriend && m.MessageScene != SceneTemp) {
		b, err := json.Marshal(e)
		if err != nil {
			return dst, err
		}
		return append(dst, b...), nil
	}
	start := len(dst)
	dst = append(dst, `{"time":`...)
	dst = strconv.AppendInt(dst, e.Time, 10)
	dst = append(dst, `,"self_id":`...)
	dst = strconv.AppendInt(dst, e.SelfID, 10)
	dst = append(dst, `,"event_type":"`+EventMessageReceive+`","data":`...)
	dst, err := appendIncomingMessage(dst, m)
	if err != nil {
		return dst[:start], err
	}
	return append(dst, '}'), nil
}

// appendIncomingMessage writes what IncomingMessage.MarshalJSON writes for
// the three known scenes.
func appendIncomingMessage(dst []byte, m *IncomingMessage) ([]byte, error) {
	dst = append(dst, `{"message_scene":`...)
	dst = appendJSONString(dst, m.MessageScene)
	dst = append(dst, `,"peer_id":`...)
	dst = strconv.AppendInt(dst, m.PeerID, 10)
	dst = append(dst, `,"message_seq":`...)
	dst = strconv.AppendInt(dst, m.MessageSeq, 10)
	dst = append(dst, `,"sender_id":`...)
	dst = strconv.AppendInt(dst, m.SenderID, 10)
	dst = append(dst, `,"time":`...)
	dst = strconv.AppendInt(dst, m.Time, 10)
	dst = append(dst, `,"segments":`...)
	dst, err := appendSegments(dst, m.Segments)
	if err != nil {
		return dst, err
	}
	switch m.MessageScene {
	case SceneFriend:
		f := m.Friend
		if f == nil {
			f = &Friend{}
		}
		dst = append(dst, `,"friend":{"user_id":`...)
		dst = strconv.AppendInt(dst, f.UserID, 10)
		dst = append(dst, `,"nickname":`...)
		dst = appendJSONString(dst, f.Nickname)
		dst = append(dst, `,"sex":`...)
		dst = appendJSONString(dst, f.Sex)
		dst = append(dst, `,"qid":`...)
		dst = appendJSONString(dst, f.QID)
		dst = append(dst, `,"remark":`...)
		dst = appendJSONString(dst, f.Remark)
		dst = append(dst, `,"category":{"category_id":`...)
		dst = strconv.AppendInt(dst, int64(f.Category.CategoryID), 10)
		dst = append(dst, `,"category_name":`...)
		dst = appendJSONString(dst, f.Category.CategoryName)
		dst = append(dst, "}}"...)
	case SceneGroup:
		g, gm := m.Group, m.GroupMember
		if g == nil {
			g = &Group{}
		}
		if gm == nil {
			gm = &GroupMember{}
		}
		dst = append(dst, `,"group":`...)
		dst = appendGroup(dst, g)
		dst = append(dst, `,"group_member":{"user_id":`...)
		dst = strconv.AppendInt(dst, gm.UserID, 10)
		dst = append(dst, `,"nickname":`...)
		dst = appendJSONString(dst, gm.Nickname)
		dst = append(dst, `,"sex":`...)
		dst = appendJSONString(dst, gm.Sex)
		dst = append(dst, `,"group_id":`...)
		dst = strconv.AppendInt(dst, gm.GroupID, 10)
		dst = append(dst, `,"card":`...)
		dst = appendJSONString(dst, gm.Card)
		dst = append(dst, `,"title":`...)
		dst = appendJSONString(dst, gm.Title)
		dst = append(dst, `,"level":`...)
		dst = strconv.AppendInt(dst, int64(gm.Level), 10)
		dst = append(dst, `,"role":`...)
		dst = appendJSONString(dst, gm.Role)
		dst = append(dst, `,"join_time":`...)
		dst = strconv.AppendInt(dst, gm.JoinTime, 10)
		dst = append(dst, `,"last_sent_time":`...)
		dst = strconv.AppendInt(dst, gm.LastSentTime, 10)
		if gm.ShutUpEndTime != nil {
			dst = append(dst, `,"shut_up_end_time":`...)
			dst = strconv.AppendInt(dst, *gm.ShutUpEndTime, 10)
		}
		dst = append(dst, '}')
	case SceneTemp:
		if m.Group != nil {
			dst = append(dst, `,"group":`...)
			dst = appendGroup(dst, m.Group)
		}
	}
	return append(dst, '}'), nil
}

func appendGroup(dst []byte, g *Group) []byte {
	dst = append(dst, `{"group_id":`...)
	dst = strconv.AppendInt(dst, g.GroupID, 10)
	dst = append(dst, `,"group_name":`...)
	dst = appendJSONString(dst, g.GroupName)
	dst = append(dst, `,"member_count":`...)
	dst = strconv.AppendInt(dst, int64(g.MemberCount), 10)
	dst = append(dst, `,"max_member_count":`...)
	dst = strconv.AppendInt(dst, int64(g.MaxMemberCount), 10)
	dst = append(dst, `,"remark":`...)
	dst = appendJSONString(dst, g.Remark)
	dst = append(dst, `,"created_time":`...)
	dst = strconv.AppendInt(dst, g.CreatedTime, 10)
	dst = append(dst, `,"description":`...)
	dst = appendJSONString(dst, g.Description)
	dst = append(dst, `,"question":`...)
	dst = appendJSONString(dst, g.Question)
	dst = append(dst, `,"announcement":`...)
	dst = appendJSONString(dst, g.Announcement)
	return append(dst, '}')
}

// appendSegments writes a segment list ([] when empty, never null).
func appendSegments(dst []byte, segs []IncomingSegment) ([]byte, error) {
	dst = append(dst, '[')
	for i := range segs {
		if i > 0 {
			dst = append(dst, ',')
		}
		var err error
		if dst, err = appendSegment(dst, &segs[i]); err != nil {
			return dst, err
		}
	}
	return append(dst, ']'), nil
}

// appendSegment writes what IncomingSegment.MarshalJSON writes.
func appendSegment(dst []byte, s *IncomingSegment) ([]byte, error) {
	switch s.Type {
	case SegText, SegMention, SegMentionAll, SegFace, SegReply, SegImage, SegRecord, SegVideo, SegFile:
	default:
		// forward, market_face, light_app, xml and unknown types: rare;
		// MarshalJSON keeps them exact.
		b, err := json.Marshal(s)
		if err != nil {
			return dst, err
		}
		return append(dst, b...), nil
	}
	d := &s.Data
	dst = append(dst, `{"type":`...)
	dst = appendJSONString(dst, s.Type)
	dst = append(dst, `,"data":`...)
	switch s.Type {
	case SegText:
		dst = append(dst, `{"text":`...)
		dst = appendJSONString(dst, d.Text)
	case SegMention:
		dst = append(dst, `{"user_id":`...)
		dst = strconv.AppendInt(dst, d.UserID, 10)
		dst = append(dst, `,"name":`...)
		dst = appendJSONString(dst, d.Name)
	case SegMentionAll:
		dst = append(dst, '{')
	case SegFace:
		dst = append(dst, `{"face_id":`...)
		dst = appendJSONString(dst, d.FaceID)
		dst = append(dst, `,"is_large":`...)
		dst = strconv.AppendBool(dst, d.IsLarge)
	case SegReply:
		dst = append(dst, `{"message_seq":`...)
		dst = strconv.AppendInt(dst, d.MessageSeq, 10)
		dst = append(dst, `,"sender_id":`...)
		dst = strconv.AppendInt(dst, d.SenderID, 10)
		if d.SenderName != nil {
			dst = append(dst, `,"sender_name":`...)
			dst = appendJSONString(dst, *d.SenderName)
		}
		dst = append(dst, `,"time":`...)
		dst = strconv.AppendInt(dst, d.Time, 10)
		dst = append(dst, `,"segments":`...)
		var err error
		if dst, err = appendSegments(dst, d.Segments); err != nil {
			return dst, err
		}
	case SegImage:
		sub := d.SubType
		if sub == "" {
			sub = "normal" // as MarshalJSON: the schema's enum has no empty value
		}
		dst = append(dst, `{"resource_id":`...)
		dst = appendJSONString(dst, d.ResourceID)
		dst = append(dst, `,"temp_url":`...)
		dst = appendJSONString(dst, d.TempURL)
		dst = append(dst, `,"width":`...)
		dst = strconv.AppendInt(dst, int64(d.Width), 10)
		dst = append(dst, `,"height":`...)
		dst = strconv.AppendInt(dst, int64(d.Height), 10)
		dst = append(dst, `,"summary":`...)
		dst = appendJSONString(dst, d.Summary)
		dst = append(dst, `,"sub_type":`...)
		dst = appendJSONString(dst, sub)
	case SegRecord:
		dst = append(dst, `{"resource_id":`...)
		dst = appendJSONString(dst, d.ResourceID)
		dst = append(dst, `,"temp_url":`...)
		dst = appendJSONString(dst, d.TempURL)
		dst = append(dst, `,"duration":`...)
		dst = strconv.AppendInt(dst, int64(d.Duration), 10)
	case SegVideo:
		dst = append(dst, `{"resource_id":`...)
		dst = appendJSONString(dst, d.ResourceID)
		dst = append(dst, `,"temp_url":`...)
		dst = appendJSONString(dst, d.TempURL)
		dst = append(dst, `,"width":`...)
		dst = strconv.AppendInt(dst, int64(d.Width), 10)
		dst = append(dst, `,"height":`...)
		dst = strconv.AppendInt(dst, int64(d.Height), 10)
		dst = append(dst, `,"duration":`...)
		dst = strconv.AppendInt(dst, int64(d.Duration), 10)
	case SegFile:
		dst = append(dst, `{"file_id":`...)
		dst = appendJSONString(dst, d.FileID)
		dst = append(dst, `,"file_name":`...)
		dst = appendJSONString(dst, d.FileName)
		dst = append(dst, `,"file_size":`...)
		dst = strconv.AppendInt(dst, d.FileSize, 10)
		if d.FileHash != nil {
			dst = append(dst, `,"file_hash":`...)
			dst = appendJSONString(dst, *d.FileHash)
		}
	}
	return append(dst, "}}"...), nil
}

// appendJSONString writes s as json.Marshal does (jsonenc.AppendString,
// the escaper both protocols share; TestAppendTypedEventStrings holds the
// two equal).
func appendJSONString(dst []byte, s string) []byte { return jsonenc.AppendString(dst, s) }
