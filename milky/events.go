package milky

// Typed payloads of the non-message events (Event.Data decodes into these).

type BotOfflineData struct {
	Reason string `json:"reason"`
}

type MessageRecallData struct {
	MessageScene  string `json:"message_scene"`
	PeerID        int64  `json:"peer_id"`
	MessageSeq    int64  `json:"message_seq"`
	SenderID      int64  `json:"sender_id"`
	OperatorID    int64  `json:"operator_id"`
	DisplaySuffix string `json:"display_suffix"`
}

type PeerPinChangeData struct {
	MessageScene string `json:"message_scene"`
	PeerID       int64  `json:"peer_id"`
	IsPinned     bool   `json:"is_pinned"`
}

type FriendRequestData struct {
	InitiatorID  int64  `json:"initiator_id"`
	InitiatorUID string `json:"initiator_uid"`
	Comment      string `json:"comment"`
	Via          string `json:"via"`
}

type GroupJoinRequestData struct {
	GroupID         int64  `json:"group_id"`
	NotificationSeq int64  `json:"notification_seq"`
	IsFiltered      bool   `json:"is_filtered"`
	InitiatorID     int64  `json:"initiator_id"`
	Comment         string `json:"comment"`
}

type GroupInvitedJoinRequestData struct {
	GroupID         int64 `json:"group_id"`
	NotificationSeq int64 `json:"notification_seq"`
	InitiatorID     int64 `json:"initiator_id"`
	TargetUserID    int64 `json:"target_user_id"`
}

type GroupInvitationData struct {
	GroupID       int64  `json:"group_id"`
	InvitationSeq int64  `json:"invitation_seq"`
	InitiatorID   int64  `json:"initiator_id"`
	SourceGroupID *int64 `json:"source_group_id,omitempty"`
}

type FriendNudgeData struct {
	UserID              int64  `json:"user_id"`
	IsSelfSend          bool   `json:"is_self_send"`
	IsSelfReceive       bool   `json:"is_self_receive"`
	DisplayAction       string `json:"display_action"`
	DisplaySuffix       string `json:"display_suffix"`
	DisplayActionImgURL string `json:"display_action_img_url"`
}

type FriendFileUploadData struct {
	UserID   int64  `json:"user_id"`
	FileID   string `json:"file_id"`
	FileName string `json:"file_name"`
	FileSize int64  `json:"file_size"`
	FileHash string `json:"file_hash"`
	IsSelf   bool   `json:"is_self"`
}

type GroupAdminChangeData struct {
	GroupID    int64 `json:"group_id"`
	UserID     int64 `json:"user_id"`
	OperatorID int64 `json:"operator_id"`
	IsSet      bool  `json:"is_set"`
}

type GroupEssenceMessageChangeData struct {
	GroupID    int64 `json:"group_id"`
	MessageSeq int64 `json:"message_seq"`
	OperatorID int64 `json:"operator_id"`
	IsSet      bool  `json:"is_set"`
}

type GroupMemberIncreaseData struct {
	GroupID    int64  `json:"group_id"`
	UserID     int64  `json:"user_id"`
	OperatorID *int64 `json:"operator_id,omitempty"`
	InvitorID  *int64 `json:"invitor_id,omitempty"`
}

type GroupMemberDecreaseData struct {
	GroupID    int64  `json:"group_id"`
	UserID     int64  `json:"user_id"`
	OperatorID *int64 `json:"operator_id,omitempty"`
}

type GroupNameChangeData struct {
	GroupID      int64  `json:"group_id"`
	NewGroupName string `json:"new_group_name"`
	OperatorID   int64  `json:"operator_id"`
}

type GroupMessageReactionData struct {
	GroupID      int64  `json:"group_id"`
	UserID       int64  `json:"user_id"`
	MessageSeq   int64  `json:"message_seq"`
	FaceID       string `json:"face_id"`
	ReactionType string `json:"reaction_type"`
	IsAdd        bool   `json:"is_add"`
}

type GroupMuteData struct {
	GroupID    int64 `json:"group_id"`
	UserID     int64 `json:"user_id"`
	OperatorID int64 `json:"operator_id"`
	Duration   int32 `json:"duration"`
}

type GroupWholeMuteData struct {
	GroupID    int64 `json:"group_id"`
	OperatorID int64 `json:"operator_id"`
	IsMute     bool  `json:"is_mute"`
}

type GroupNudgeData struct {
	GroupID             int64  `json:"group_id"`
	SenderID            int64  `json:"sender_id"`
	ReceiverID          int64  `json:"receiver_id"`
	DisplayAction       string `json:"display_action"`
	DisplaySuffix       string `json:"display_suffix"`
	DisplayActionImgURL string `json:"display_action_img_url"`
}

type GroupFileUploadData struct {
	GroupID  int64  `json:"group_id"`
	UserID   int64  `json:"user_id"`
	FileID   string `json:"file_id"`
	FileName string `json:"file_name"`
	FileSize int64  `json:"file_size"`
}
