package onebot11

// Reply data of OneBot 11 actions (the data field of a Response), shared by
// the gateway's OneBot 11 side in both roles: built for bots in the first
// direction, decoded from an implementation in the reverse one.

// GroupFile is go-cqhttp's File. Milky gives no uploader name and no
// modification time: uploader_name is "" and modify_time is the upload time
// (QQ cannot edit a group file in place; a rename does not change its
// content). busid is 0: Milky has no bus ids and does not need them.
type GroupFile struct {
	GroupID       int64  `json:"group_id"`
	FileID        string `json:"file_id"`
	FileName      string `json:"file_name"`
	BusID         int32  `json:"busid"`
	FileSize      int64  `json:"file_size"`
	UploadTime    int64  `json:"upload_time"`
	DeadTime      int64  `json:"dead_time"` // 0: permanent
	ModifyTime    int64  `json:"modify_time"`
	DownloadTimes int32  `json:"download_times"`
	Uploader      int64  `json:"uploader"`
	UploaderName  string `json:"uploader_name"`
}

// GroupFolder is go-cqhttp's Folder (creator_name "": Milky gives none).
type GroupFolder struct {
	GroupID        int64  `json:"group_id"`
	FolderID       string `json:"folder_id"`
	FolderName     string `json:"folder_name"`
	CreateTime     int64  `json:"create_time"`
	Creator        int64  `json:"creator"`
	CreatorName    string `json:"creator_name"`
	TotalFileCount int32  `json:"total_file_count"`
}

// GroupFilesResult lists are [] when empty (go-cqhttp sent null, which bots
// written for NapCat do not expect; [] works for both).
type GroupFilesResult struct {
	Files   []GroupFile   `json:"files"`
	Folders []GroupFolder `json:"folders"`
}

// FileSystemInfo is go-cqhttp's get_group_file_system_info data.
type FileSystemInfo struct {
	FileCount  int32 `json:"file_count"`
	LimitCount int32 `json:"limit_count"`
	UsedSpace  int64 `json:"used_space"`
	TotalSpace int64 `json:"total_space"`
}

type FolderResult struct {
	FolderID string `json:"folder_id"`
}

// FileSendResult is the data of a send that was a file upload.
type FileSendResult struct {
	MessageID int32  `json:"message_id"`
	FileID    string `json:"file_id"`
}

// UploadResult: go-cqhttp answers nothing, LLOneBot the new file's id.
type UploadResult struct {
	FileID string `json:"file_id"`
}

type URLResult struct {
	URL string `json:"url"`
}

// ForwardSendResult: message_id of the card message and forward_id, the id
// under which get_forward_msg reads it back (go-cqhttp/LLOneBot).
type ForwardSendResult struct {
	MessageID int32  `json:"message_id"`
	ForwardID string `json:"forward_id"`
}

// FriendInfo is one get_friend_list item. Milky knows no age; 0 is
// OneBot's "unknown", as go-cqhttp sends.
type FriendInfo struct {
	UserID       int64  `json:"user_id"`
	Nickname     string `json:"nickname"`
	Remark       string `json:"remark"`
	Sex          string `json:"sex"`
	Age          int32  `json:"age"`
	QID          string `json:"qid"`
	CategoryID   int32  `json:"category_id"`
	CategoryName string `json:"category_name"`
}

// StrangerInfo is get_stranger_info data (go-cqhttp fields plus NapCat's
// long_nick, level, city, country; Milky's bio is long_nick).
type StrangerInfo struct {
	UserID   int64  `json:"user_id"`
	Nickname string `json:"nickname"`
	Sex      string `json:"sex"`
	Age      int32  `json:"age"`
	QID      string `json:"qid"`
	Level    int32  `json:"level"`
	LongNick string `json:"long_nick"`
	Remark   string `json:"remark"`
	City     string `json:"city"`
	Country  string `json:"country"`
	School   string `json:"school"`
}

// FriendCategory is one get_friends_with_category item in NapCat's shape.
// Milky lists friends with their category, not the categories themselves:
// a category without friends does not appear, and NapCat's categorySortId
// and onlineCount have no Milky source, so they are left out rather than
// invented. categoryMbCount is the number of friends listed.
type FriendCategory struct {
	CategoryID      int32        `json:"categoryId"`
	CategoryName    string       `json:"categoryName"`
	CategoryMbCount int          `json:"categoryMbCount"`
	BuddyList       []FriendInfo `json:"buddyList"`
}

type AvatarURL struct {
	URL string `json:"url"`
}

// GroupInfo is get_group_info / get_group_list item data: go-cqhttp's
// fields plus NapCat's remark_name. Milky has no group level, so
// group_level is left out rather than invented.
type GroupInfo struct {
	GroupID         int64  `json:"group_id"`
	GroupName       string `json:"group_name"`
	GroupMemo       string `json:"group_memo"`
	GroupCreateTime int64  `json:"group_create_time"`
	MemberCount     int32  `json:"member_count"`
	MaxMemberCount  int32  `json:"max_member_count"`
	RemarkName      string `json:"remark_name"`
}

// MemberInfo is go-cqhttp's group member object. Milky has no age, area,
// unfriendliness or title expiry: they carry OneBot's "unknown" values, as
// go-cqhttp sends them. card_changeable is false as in go-cqhttp.
type MemberInfo struct {
	GroupID         int64  `json:"group_id"`
	UserID          int64  `json:"user_id"`
	Nickname        string `json:"nickname"`
	Card            string `json:"card"`
	Sex             string `json:"sex"`
	Age             int32  `json:"age"`
	Area            string `json:"area"`
	JoinTime        int64  `json:"join_time"`
	LastSentTime    int64  `json:"last_sent_time"`
	Level           string `json:"level"`
	Role            string `json:"role"`
	Unfriendly      bool   `json:"unfriendly"`
	Title           string `json:"title"`
	TitleExpireTime int64  `json:"title_expire_time"`
	CardChangeable  bool   `json:"card_changeable"`
	ShutUpTimestamp int64  `json:"shut_up_timestamp"`
}

// GroupInfoEx is get_group_info_ex data: NapCat's is a raw NTQQ object no
// bot can rely on, so this is get_group_info's data plus what Milky 1.2
// adds to a group (join question, latest announcement preview) and the
// avatar URL of the Milky FAQ.
type GroupInfoEx struct {
	GroupInfo
	GroupQuestion     string `json:"group_question"`
	GroupAnnouncement string `json:"group_announcement"`
	AvatarURL         string `json:"avatar_url"`
}

// EssenceMsg is one get_essence_msg_list item: go-cqhttp's fields plus
// NapCat's content (the message as a segment array).
type EssenceMsg struct {
	SenderID     int64     `json:"sender_id"`
	SenderNick   string    `json:"sender_nick"`
	SenderTime   int64     `json:"sender_time"`
	OperatorID   int64     `json:"operator_id"`
	OperatorNick string    `json:"operator_nick"`
	OperatorTime int64     `json:"operator_time"`
	MessageID    int32     `json:"message_id"`
	Content      []Segment `json:"content"`
}

// KickResult is the outcome for one member.
type KickResult struct {
	UserID  int64  `json:"user_id"`
	Status  string `json:"status"` // "ok" or "failed"
	Message string `json:"message"`
}

// GroupNotice is one _get_group_notice item in go-cqhttp's shape plus
// LLOneBot's notice_id.
type GroupNotice struct {
	NoticeID    string        `json:"notice_id"`
	SenderID    int64         `json:"sender_id"`
	PublishTime int64         `json:"publish_time"`
	Message     NoticeMessage `json:"message"`
}

type NoticeMessage struct {
	Text   string        `json:"text"`
	Images []NoticeImage `json:"images"`
}

// NoticeImage: go-cqhttp gives an id (the image is
// https://gdynamic.qpic.cn/gdynamic/<id>/628) and its size as strings.
// Milky gives a URL: the id is read from it when it has that form, and the
// URL itself is given as url. The size is not known, so height and width
// are left out rather than invented.
type NoticeImage struct {
	ID  string `json:"id"`
	URL string `json:"url"`
}

// ProhibitedMember is a Shamrock get_prohibited_member_list item.
type ProhibitedMember struct {
	UserID int64 `json:"user_id"`
	Time   int64 `json:"time"` // when the mute ends (Unix seconds)
}

type HistoryResult struct {
	Messages []*MessageEvent `json:"messages"`
}

// SendResult is the data of every send action. go-cqhttp returns only
// message_id; bots read nothing else.
type SendResult struct {
	MessageID int32 `json:"message_id"`
}

// JoinRequest is one join_requests item of go-cqhttp's
// get_group_system_msg. request_id is the flag string (go-cqhttp's was a
// number that bots pass back as the flag; a string flag goes the same way)
// and is repeated as flag. Milky reports no names, so requester_nick and
// group_name are "". A member's invitation of someone (Milky's
// invited_join_request) is a join request of the invitee, with invitor_uin,
// as its request event is.
type JoinRequest struct {
	RequestID     string `json:"request_id"`
	Flag          string `json:"flag"`
	RequesterUin  int64  `json:"requester_uin"`
	RequesterNick string `json:"requester_nick"`
	Message       string `json:"message"`
	GroupID       int64  `json:"group_id"`
	GroupName     string `json:"group_name"`
	Checked       bool   `json:"checked"`
	Actor         int64  `json:"actor"`
	InvitorUin    int64  `json:"invitor_uin,omitempty"`
	Filtered      bool   `json:"is_filtered"`
}

// InvitedRequest is one invited_requests item: an invitation of the bot
// into a group. Milky 1.2 pushes those as group_invitation events but cannot
// list them, so the list is always empty.
type InvitedRequest struct {
	RequestID   string `json:"request_id"`
	InvitorUin  int64  `json:"invitor_uin"`
	InvitorNick string `json:"invitor_nick"`
	GroupID     int64  `json:"group_id"`
	GroupName   string `json:"group_name"`
	Checked     bool   `json:"checked"`
	Actor       int64  `json:"actor"`
}

type GroupSystemMsg struct {
	InvitedRequests []InvitedRequest `json:"invited_requests"`
	JoinRequests    []JoinRequest    `json:"join_requests"`
}

// DoubtFriendRequest is one get_doubt_friends_add_request item; LLOneBot
// sends every field as a string. msg is the request's comment and source how
// the requester found the bot (Milky's via). Milky does not say why QQ
// filtered the request or give the requester's name, so reason and nick are
// "", and group_code is "" (the source group is not reported either).
type DoubtFriendRequest struct {
	Flag      string `json:"flag"`
	Uin       string `json:"uin"`
	Nick      string `json:"nick"`
	Source    string `json:"source"`
	Reason    string `json:"reason"`
	Msg       string `json:"msg"`
	GroupCode string `json:"group_code"`
	Time      string `json:"time"`
	Type      string `json:"type"` // Milky's state: pending, accepted, rejected, ignored
}

// ResourceResult is the data of get_image, get_record and get_file.
type ResourceResult struct {
	File     string `json:"file"`
	URL      string `json:"url"`
	FileName string `json:"file_name,omitempty"`
}

type LoginInfo struct {
	UserID   int64  `json:"user_id"`
	Nickname string `json:"nickname"`
}

type CookiesData struct {
	Cookies string `json:"cookies"`
	Bkn     string `json:"bkn"`
}

type CSRFData struct {
	Token int64 `json:"token"`
}

type CredentialsData struct {
	Cookies   string `json:"cookies"`
	CSRFToken int64  `json:"csrf_token"`
}
