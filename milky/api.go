package milky

// Request and response structs of the 64 Milky 1.2 APIs, named after the
// endpoint. Requests send only what is needed: fields with a default that the
// caller may want to differ from it are never omitempty.

// API endpoint names.
const (
	APIGetLoginInfo               = "get_login_info"
	APIGetImplInfo                = "get_impl_info"
	APIGetUserProfile             = "get_user_profile"
	APIGetFriendList              = "get_friend_list"
	APIGetFriendInfo              = "get_friend_info"
	APIGetGroupList               = "get_group_list"
	APIGetGroupInfo               = "get_group_info"
	APIGetGroupMemberList         = "get_group_member_list"
	APIGetGroupMemberInfo         = "get_group_member_info"
	APIGetPeerPins                = "get_peer_pins"
	APISetPeerPin                 = "set_peer_pin"
	APISetAvatar                  = "set_avatar"
	APISetNickname                = "set_nickname"
	APISetBio                     = "set_bio"
	APIGetCustomFaceURLList       = "get_custom_face_url_list"
	APIGetCookies                 = "get_cookies"
	APIGetCSRFToken               = "get_csrf_token"
	APISendPrivateMessage         = "send_private_message"
	APISendGroupMessage           = "send_group_message"
	APIRecallPrivateMessage       = "recall_private_message"
	APIRecallGroupMessage         = "recall_group_message"
	APIGetMessage                 = "get_message"
	APIGetHistoryMessages         = "get_history_messages"
	APIGetResourceTempURL         = "get_resource_temp_url"
	APIGetForwardedMessages       = "get_forwarded_messages"
	APIMarkMessageAsRead          = "mark_message_as_read"
	APISendFriendNudge            = "send_friend_nudge"
	APISendProfileLike            = "send_profile_like"
	APIDeleteFriend               = "delete_friend"
	APIGetFriendRequests          = "get_friend_requests"
	APIAcceptFriendRequest        = "accept_friend_request"
	APIRejectFriendRequest        = "reject_friend_request"
	APISetGroupName               = "set_group_name"
	APISetGroupAvatar             = "set_group_avatar"
	APISetGroupMemberCard         = "set_group_member_card"
	APISetGroupMemberSpecialTitle = "set_group_member_special_title"
	APISetGroupMemberAdmin        = "set_group_member_admin"
	APISetGroupMemberMute         = "set_group_member_mute"
	APISetGroupWholeMute          = "set_group_whole_mute"
	APIKickGroupMember            = "kick_group_member"
	APIGetGroupAnnouncements      = "get_group_announcements"
	APISendGroupAnnouncement      = "send_group_announcement"
	APIDeleteGroupAnnouncement    = "delete_group_announcement"
	APIGetGroupEssenceMessages    = "get_group_essence_messages"
	APISetGroupEssenceMessage     = "set_group_essence_message"
	APIQuitGroup                  = "quit_group"
	APISendGroupMessageReaction   = "send_group_message_reaction"
	APISendGroupNudge             = "send_group_nudge"
	APIGetGroupNotifications      = "get_group_notifications"
	APIAcceptGroupRequest         = "accept_group_request"
	APIRejectGroupRequest         = "reject_group_request"
	APIAcceptGroupInvitation      = "accept_group_invitation"
	APIRejectGroupInvitation      = "reject_group_invitation"
	APIUploadPrivateFile          = "upload_private_file"
	APIUploadGroupFile            = "upload_group_file"
	APIGetPrivateFileDownloadURL  = "get_private_file_download_url"
	APIGetGroupFileDownloadURL    = "get_group_file_download_url"
	APIGetGroupFiles              = "get_group_files"
	APIMoveGroupFile              = "move_group_file"
	APIRenameGroupFile            = "rename_group_file"
	APIDeleteGroupFile            = "delete_group_file"
	APICreateGroupFolder          = "create_group_folder"
	APIRenameGroupFolder          = "rename_group_folder"
	APIDeleteGroupFolder          = "delete_group_folder"
)

// Empty is the input of APIs without parameters and the output of APIs
// without data: Milky requires `{}` for both.
type Empty struct{}

// ---- system ----

type GetLoginInfoOutput struct {
	Uin      int64  `json:"uin"`
	Nickname string `json:"nickname"`
}

type GetImplInfoOutput struct {
	ImplName          string `json:"impl_name"`
	ImplVersion       string `json:"impl_version"`
	QQProtocolVersion string `json:"qq_protocol_version"`
	QQProtocolType    string `json:"qq_protocol_type"`
	MilkyVersion      string `json:"milky_version"`
}

type GetUserProfileInput struct {
	UserID int64 `json:"user_id"`
}

type GetUserProfileOutput struct {
	Nickname string `json:"nickname"`
	QID      string `json:"qid"`
	Age      int32  `json:"age"`
	Sex      string `json:"sex"`
	Remark   string `json:"remark"`
	Bio      string `json:"bio"`
	Level    int32  `json:"level"`
	Country  string `json:"country"`
	City     string `json:"city"`
	School   string `json:"school"`
}

type NoCacheInput struct {
	NoCache bool `json:"no_cache,omitempty"`
}

type GetFriendListOutput struct {
	Friends []Friend `json:"friends"`
}

type GetFriendInfoInput struct {
	UserID  int64 `json:"user_id"`
	NoCache bool  `json:"no_cache,omitempty"`
}

type GetFriendInfoOutput struct {
	Friend Friend `json:"friend"`
}

type GetGroupListOutput struct {
	Groups []Group `json:"groups"`
}

type GetGroupInfoInput struct {
	GroupID int64 `json:"group_id"`
	NoCache bool  `json:"no_cache,omitempty"`
}

type GetGroupInfoOutput struct {
	Group Group `json:"group"`
}

type GetGroupMemberListInput struct {
	GroupID int64 `json:"group_id"`
	NoCache bool  `json:"no_cache,omitempty"`
}

type GetGroupMemberListOutput struct {
	Members []GroupMember `json:"members"`
}

type GetGroupMemberInfoInput struct {
	GroupID int64 `json:"group_id"`
	UserID  int64 `json:"user_id"`
	NoCache bool  `json:"no_cache,omitempty"`
}

type GetGroupMemberInfoOutput struct {
	Member GroupMember `json:"member"`
}

type GetPeerPinsOutput struct {
	Friends []Friend `json:"friends"`
	Groups  []Group  `json:"groups"`
}

type SetPeerPinInput struct {
	MessageScene string `json:"message_scene"`
	PeerID       int64  `json:"peer_id"`
	IsPinned     bool   `json:"is_pinned"`
}

type SetAvatarInput struct {
	URI string `json:"uri"`
}

type SetNicknameInput struct {
	NewNickname string `json:"new_nickname"`
}

type SetBioInput struct {
	NewBio string `json:"new_bio"`
}

type GetCustomFaceURLListOutput struct {
	URLs []string `json:"urls"`
}

type GetCookiesInput struct {
	Domain string `json:"domain"`
}

type GetCookiesOutput struct {
	Cookies string `json:"cookies"`
}

type GetCSRFTokenOutput struct {
	CSRFToken string `json:"csrf_token"`
}

// ---- message ----

type SendPrivateMessageInput struct {
	UserID  int64             `json:"user_id"`
	Message []OutgoingSegment `json:"message"`
}

type SendGroupMessageInput struct {
	GroupID int64             `json:"group_id"`
	Message []OutgoingSegment `json:"message"`
}

// SendMessageOutput is the output of send_private_message and send_group_message.
type SendMessageOutput struct {
	MessageSeq int64 `json:"message_seq"`
	Time       int64 `json:"time"`
}

type RecallPrivateMessageInput struct {
	UserID     int64 `json:"user_id"`
	MessageSeq int64 `json:"message_seq"`
}

type RecallGroupMessageInput struct {
	GroupID    int64 `json:"group_id"`
	MessageSeq int64 `json:"message_seq"`
}

type GetMessageInput struct {
	MessageScene string `json:"message_scene"`
	PeerID       int64  `json:"peer_id"`
	MessageSeq   int64  `json:"message_seq"`
}

type GetMessageOutput struct {
	Message IncomingMessage `json:"message"`
}

type GetHistoryMessagesInput struct {
	MessageScene    string `json:"message_scene"`
	PeerID          int64  `json:"peer_id"`
	StartMessageSeq *int64 `json:"start_message_seq,omitempty"`
	Limit           int32  `json:"limit,omitempty"`
}

type GetHistoryMessagesOutput struct {
	Messages       []IncomingMessage `json:"messages"`
	NextMessageSeq *int64            `json:"next_message_seq,omitempty"`
}

type GetResourceTempURLInput struct {
	ResourceID string `json:"resource_id"`
}

type GetResourceTempURLOutput struct {
	URL string `json:"url"`
}

type GetForwardedMessagesInput struct {
	ForwardID string `json:"forward_id"`
}

type GetForwardedMessagesOutput struct {
	Messages []IncomingForwardedMessage `json:"messages"`
}

type MarkMessageAsReadInput struct {
	MessageScene string `json:"message_scene"`
	PeerID       int64  `json:"peer_id"`
	MessageSeq   int64  `json:"message_seq"`
}

// ---- friend ----

type SendFriendNudgeInput struct {
	UserID int64 `json:"user_id"`
	IsSelf bool  `json:"is_self,omitempty"`
}

type SendProfileLikeInput struct {
	UserID int64 `json:"user_id"`
	Count  int32 `json:"count,omitempty"`
}

type DeleteFriendInput struct {
	UserID int64 `json:"user_id"`
}

type GetFriendRequestsInput struct {
	Limit      int32 `json:"limit,omitempty"`
	IsFiltered bool  `json:"is_filtered,omitempty"`
}

type GetFriendRequestsOutput struct {
	Requests []FriendRequest `json:"requests"`
}

type AcceptFriendRequestInput struct {
	InitiatorUID string `json:"initiator_uid"`
	IsFiltered   bool   `json:"is_filtered,omitempty"`
}

type RejectFriendRequestInput struct {
	InitiatorUID string  `json:"initiator_uid"`
	IsFiltered   bool    `json:"is_filtered,omitempty"`
	Reason       *string `json:"reason,omitempty"`
}

// ---- group ----

type SetGroupNameInput struct {
	GroupID      int64  `json:"group_id"`
	NewGroupName string `json:"new_group_name"`
}

type SetGroupAvatarInput struct {
	GroupID  int64  `json:"group_id"`
	ImageURI string `json:"image_uri"`
}

type SetGroupMemberCardInput struct {
	GroupID int64  `json:"group_id"`
	UserID  int64  `json:"user_id"`
	Card    string `json:"card"`
}

type SetGroupMemberSpecialTitleInput struct {
	GroupID      int64  `json:"group_id"`
	UserID       int64  `json:"user_id"`
	SpecialTitle string `json:"special_title"`
}

type SetGroupMemberAdminInput struct {
	GroupID int64 `json:"group_id"`
	UserID  int64 `json:"user_id"`
	IsSet   bool  `json:"is_set"`
}

type SetGroupMemberMuteInput struct {
	GroupID  int64 `json:"group_id"`
	UserID   int64 `json:"user_id"`
	Duration int32 `json:"duration"`
}

type SetGroupWholeMuteInput struct {
	GroupID int64 `json:"group_id"`
	IsMute  bool  `json:"is_mute"`
}

type KickGroupMemberInput struct {
	GroupID          int64 `json:"group_id"`
	UserID           int64 `json:"user_id"`
	RejectAddRequest bool  `json:"reject_add_request"`
}

type GroupIDInput struct {
	GroupID int64 `json:"group_id"`
}

type GetGroupAnnouncementsOutput struct {
	Announcements []GroupAnnouncement `json:"announcements"`
}

type SendGroupAnnouncementInput struct {
	GroupID  int64   `json:"group_id"`
	Content  string  `json:"content"`
	ImageURI *string `json:"image_uri,omitempty"`
}

type DeleteGroupAnnouncementInput struct {
	GroupID        int64  `json:"group_id"`
	AnnouncementID string `json:"announcement_id"`
}

type GetGroupEssenceMessagesInput struct {
	GroupID   int64 `json:"group_id"`
	PageIndex int32 `json:"page_index"`
	PageSize  int32 `json:"page_size"`
}

type GetGroupEssenceMessagesOutput struct {
	Messages []GroupEssenceMessage `json:"messages"`
	IsEnd    bool                  `json:"is_end"`
}

type SetGroupEssenceMessageInput struct {
	GroupID    int64 `json:"group_id"`
	MessageSeq int64 `json:"message_seq"`
	IsSet      bool  `json:"is_set"`
}

type SendGroupMessageReactionInput struct {
	GroupID      int64  `json:"group_id"`
	MessageSeq   int64  `json:"message_seq"`
	Reaction     string `json:"reaction"`
	ReactionType string `json:"reaction_type,omitempty"`
	IsAdd        bool   `json:"is_add"`
}

type SendGroupNudgeInput struct {
	GroupID int64 `json:"group_id"`
	UserID  int64 `json:"user_id"`
}

type GetGroupNotificationsInput struct {
	StartNotificationSeq *int64 `json:"start_notification_seq,omitempty"`
	IsFiltered           bool   `json:"is_filtered,omitempty"`
	Limit                int32  `json:"limit,omitempty"`
}

type GetGroupNotificationsOutput struct {
	Notifications       []GroupNotification `json:"notifications"`
	NextNotificationSeq *int64              `json:"next_notification_seq,omitempty"`
}

type AcceptGroupRequestInput struct {
	NotificationSeq  int64  `json:"notification_seq"`
	NotificationType string `json:"notification_type"`
	GroupID          int64  `json:"group_id"`
	IsFiltered       bool   `json:"is_filtered,omitempty"`
}

type RejectGroupRequestInput struct {
	NotificationSeq  int64   `json:"notification_seq"`
	NotificationType string  `json:"notification_type"`
	GroupID          int64   `json:"group_id"`
	IsFiltered       bool    `json:"is_filtered,omitempty"`
	Reason           *string `json:"reason,omitempty"`
}

type GroupInvitationInput struct {
	GroupID       int64 `json:"group_id"`
	InvitationSeq int64 `json:"invitation_seq"`
}

// ---- file ----

type UploadPrivateFileInput struct {
	UserID   int64  `json:"user_id"`
	FileURI  string `json:"file_uri"`
	FileName string `json:"file_name"`
}

type UploadGroupFileInput struct {
	GroupID        int64  `json:"group_id"`
	ParentFolderID string `json:"parent_folder_id,omitempty"`
	FileURI        string `json:"file_uri"`
	FileName       string `json:"file_name"`
}

type UploadFileOutput struct {
	FileID string `json:"file_id"`
}

type GetPrivateFileDownloadURLInput struct {
	UserID   int64  `json:"user_id"`
	FileID   string `json:"file_id"`
	FileHash string `json:"file_hash"`
}

type GetGroupFileDownloadURLInput struct {
	GroupID int64  `json:"group_id"`
	FileID  string `json:"file_id"`
}

type DownloadURLOutput struct {
	DownloadURL string `json:"download_url"`
}

type GetGroupFilesInput struct {
	GroupID        int64  `json:"group_id"`
	ParentFolderID string `json:"parent_folder_id,omitempty"`
}

type GetGroupFilesOutput struct {
	Files   []GroupFile   `json:"files"`
	Folders []GroupFolder `json:"folders"`
}

type MoveGroupFileInput struct {
	GroupID        int64  `json:"group_id"`
	FileID         string `json:"file_id"`
	ParentFolderID string `json:"parent_folder_id,omitempty"`
	TargetFolderID string `json:"target_folder_id,omitempty"`
}

type RenameGroupFileInput struct {
	GroupID        int64  `json:"group_id"`
	FileID         string `json:"file_id"`
	ParentFolderID string `json:"parent_folder_id,omitempty"`
	NewFileName    string `json:"new_file_name"`
}

type DeleteGroupFileInput struct {
	GroupID int64  `json:"group_id"`
	FileID  string `json:"file_id"`
}

type CreateGroupFolderInput struct {
	GroupID    int64  `json:"group_id"`
	FolderName string `json:"folder_name"`
}

type CreateGroupFolderOutput struct {
	FolderID string `json:"folder_id"`
}

type RenameGroupFolderInput struct {
	GroupID       int64  `json:"group_id"`
	FolderID      string `json:"folder_id"`
	NewFolderName string `json:"new_folder_name"`
}

type DeleteGroupFolderInput struct {
	GroupID  int64  `json:"group_id"`
	FolderID string `json:"folder_id"`
}
