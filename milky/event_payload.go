package milky

import "github.com/goccy/go-json"

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
