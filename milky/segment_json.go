package milky

import "github.com/goccy/go-json"

// Encoders for the flattened unions (IncomingSegment, IncomingMessage,
// GroupNotification). The Go structs merge every variant's fields, so the
// default encoding would drop required zero fields (is_large:false, width:0)
// and leak other variants' fields. These MarshalJSON methods emit exactly the
// fields of the variant named by the discriminator, as the Milky 1.2 schema
// (@saltify/milky-types) has them: required fields always, nullable fields
// only when set. An unknown discriminator falls back to the flat encoding
// (only the non-zero fields), so nothing the producer set is lost.
//
// Decoding needs no counterpart: the flat structs decode every variant.

type segmentWire struct {
	Type string `json:"type"`
	Data any    `json:"data"`
}

type (
	textSegWire struct {
		Text string `json:"text"`
	}
	mentionSegWire struct {
		UserID int64  `json:"user_id"`
		Name   string `json:"name"`
	}
	emptySegWire struct{}
	faceSegWire  struct {
		FaceID  string `json:"face_id"`
		IsLarge bool   `json:"is_large"`
	}
	replySegWire struct {
		MessageSeq int64             `json:"message_seq"`
		SenderID   int64             `json:"sender_id"`
		SenderName *string           `json:"sender_name,omitempty"`
		Time       int64             `json:"time"`
		Segments   []IncomingSegment `json:"segments"`
	}
	imageSegWire struct {
		ResourceID string `json:"resource_id"`
		TempURL    string `json:"temp_url"`
		Width      int32  `json:"width"`
		Height     int32  `json:"height"`
		Summary    string `json:"summary"`
		SubType    string `json:"sub_type"`
	}
	recordSegWire struct {
		ResourceID string `json:"resource_id"`
		TempURL    string `json:"temp_url"`
		Duration   int32  `json:"duration"`
	}
	videoSegWire struct {
		ResourceID string `json:"resource_id"`
		TempURL    string `json:"temp_url"`
		Width      int32  `json:"width"`
		Height     int32  `json:"height"`
		Duration   int32  `json:"duration"`
	}
	fileSegWire struct {
		FileID   string  `json:"file_id"`
		FileName string  `json:"file_name"`
		FileSize int64   `json:"file_size"`
		FileHash *string `json:"file_hash,omitempty"`
	}
	forwardSegWire struct {
		ForwardID string   `json:"forward_id"`
		Title     string   `json:"title"`
		Preview   []string `json:"preview"`
		Summary   string   `json:"summary"`
	}
	marketFaceSegWire struct {
		EmojiPackageID int32  `json:"emoji_package_id"`
		EmojiID        string `json:"emoji_id"`
		Key            string `json:"key"`
		Summary        string `json:"summary"`
		URL            string `json:"url"`
	}
	lightAppSegWire struct {
		AppName     string `json:"app_name"`
		JSONPayload string `json:"json_payload"`
	}
	xmlSegWire struct {
		ServiceID  int32  `json:"service_id"`
		XMLPayload string `json:"xml_payload"`
	}
)

// MarshalJSON emits only the fields of s.Type's data schema.
func (s IncomingSegment) MarshalJSON() ([]byte, error) {
	d := &s.Data
	var data any
	switch s.Type {
	case SegText:
		data = textSegWire{d.Text}
	case SegMention:
		data = mentionSegWire{d.UserID, d.Name}
	case SegMentionAll:
		data = emptySegWire{}
	case SegFace:
		data = faceSegWire{d.FaceID, d.IsLarge}
	case SegReply:
		data = replySegWire{d.MessageSeq, d.SenderID, d.SenderName, d.Time, nonNilSegments(d.Segments)}
	case SegImage:
		sub := d.SubType
		if sub == "" {
			sub = "normal" // the schema's enum has no empty value
		}
		data = imageSegWire{d.ResourceID, d.TempURL, d.Width, d.Height, d.Summary, sub}
	case SegRecord:
		data = recordSegWire{d.ResourceID, d.TempURL, d.Duration}
	case SegVideo:
		data = videoSegWire{d.ResourceID, d.TempURL, d.Width, d.Height, d.Duration}
	case SegFile:
		data = fileSegWire{d.FileID, d.FileName, d.FileSize, d.FileHash}
	case SegForward:
		preview := d.Preview
		if preview == nil {
			preview = []string{}
		}
		data = forwardSegWire{d.ForwardID, d.Title, preview, d.Summary}
	case SegMarketFace:
		data = marketFaceSegWire{d.EmojiPackageID, d.EmojiID, d.Key, d.Summary, d.URL}
	case SegLightApp:
		data = lightAppSegWire{d.AppName, d.JSONPayload}
	case SegXML:
		data = xmlSegWire{d.ServiceID, d.XMLPayload}
	default:
		data = s.Data // flat encoding: keep whatever the producer set
	}
	return json.Marshal(segmentWire{Type: s.Type, Data: data})
}

func nonNilSegments(s []IncomingSegment) []IncomingSegment {
	if s == nil {
		return []IncomingSegment{}
	}
	return s
}

type (
	messageHeadWire struct {
		MessageScene string            `json:"message_scene"`
		PeerID       int64             `json:"peer_id"`
		MessageSeq   int64             `json:"message_seq"`
		SenderID     int64             `json:"sender_id"`
		Time         int64             `json:"time"`
		Segments     []IncomingSegment `json:"segments"`
	}
	friendMessageWire struct {
		messageHeadWire
		Friend *Friend `json:"friend"`
	}
	groupMessageWire struct {
		messageHeadWire
		Group       *Group       `json:"group"`
		GroupMember *GroupMember `json:"group_member"`
	}
	tempMessageWire struct {
		messageHeadWire
		Group *Group `json:"group,omitempty"`
	}
	// flatMessage has IncomingMessage's fields without its methods.
	flatMessage IncomingMessage
)

// MarshalJSON emits the common message fields plus those of m.MessageScene:
// friend → friend; group → group and group_member (zero entities when nil,
// since the schema requires them); temp → group only when set.
func (m IncomingMessage) MarshalJSON() ([]byte, error) {
	head := messageHeadWire{m.MessageScene, m.PeerID, m.MessageSeq, m.SenderID, m.Time, nonNilSegments(m.Segments)}
	switch m.MessageScene {
	case SceneFriend:
		f := m.Friend
		if f == nil {
			f = &Friend{}
		}
		return json.Marshal(friendMessageWire{head, f})
	case SceneGroup:
		g, gm := m.Group, m.GroupMember
		if g == nil {
			g = &Group{}
		}
		if gm == nil {
			gm = &GroupMember{}
		}
		return json.Marshal(groupMessageWire{head, g, gm})
	case SceneTemp:
		return json.Marshal(tempMessageWire{head, m.Group})
	default:
		return json.Marshal(flatMessage(m))
	}
}

// Group notification kinds.
const (
	NotifyJoinRequest        = "join_request"
	NotifyAdminChange        = "admin_change"
	NotifyKick               = "kick"
	NotifyQuit               = "quit"
	NotifyInvitedJoinRequest = "invited_join_request"
)

type (
	notifyHeadWire struct {
		Type            string `json:"type"`
		GroupID         int64  `json:"group_id"`
		NotificationSeq int64  `json:"notification_seq"`
	}
	joinRequestNotifyWire struct {
		notifyHeadWire
		IsFiltered  bool   `json:"is_filtered"`
		InitiatorID int64  `json:"initiator_id"`
		State       string `json:"state"`
		OperatorID  *int64 `json:"operator_id,omitempty"`
		Comment     string `json:"comment"`
	}
	adminChangeNotifyWire struct {
		notifyHeadWire
		TargetUserID int64 `json:"target_user_id"`
		IsSet        bool  `json:"is_set"`
		OperatorID   int64 `json:"operator_id"`
	}
	kickNotifyWire struct {
		notifyHeadWire
		TargetUserID int64 `json:"target_user_id"`
		OperatorID   int64 `json:"operator_id"`
	}
	quitNotifyWire struct {
		notifyHeadWire
		TargetUserID int64 `json:"target_user_id"`
	}
	invitedJoinRequestNotifyWire struct {
		notifyHeadWire
		InitiatorID  int64  `json:"initiator_id"`
		TargetUserID int64  `json:"target_user_id"`
		State        string `json:"state"`
		OperatorID   *int64 `json:"operator_id,omitempty"`
	}
	flatNotification GroupNotification
)

// MarshalJSON emits only the fields of n.Type's notification schema.
func (n GroupNotification) MarshalJSON() ([]byte, error) {
	head := notifyHeadWire{n.Type, n.GroupID, n.NotificationSeq}
	switch n.Type {
	case NotifyJoinRequest:
		return json.Marshal(joinRequestNotifyWire{head, n.IsFiltered, n.InitiatorID, n.State, n.OperatorID, n.Comment})
	case NotifyAdminChange:
		return json.Marshal(adminChangeNotifyWire{head, n.TargetUserID, n.IsSet, derefInt64(n.OperatorID)})
	case NotifyKick:
		return json.Marshal(kickNotifyWire{head, n.TargetUserID, derefInt64(n.OperatorID)})
	case NotifyQuit:
		return json.Marshal(quitNotifyWire{head, n.TargetUserID})
	case NotifyInvitedJoinRequest:
		return json.Marshal(invitedJoinRequestNotifyWire{head, n.InitiatorID, n.TargetUserID, n.State, n.OperatorID})
	default:
		return json.Marshal(flatNotification(n))
	}
}

func derefInt64(p *int64) int64 {
	if p == nil {
		return 0
	}
	return *p
}

// MarshalJSON sends an empty segment list as [] (the schema rejects null).
func (m IncomingForwardedMessage) MarshalJSON() ([]byte, error) {
	type plain IncomingForwardedMessage
	if m.Segments == nil {
		m.Segments = []IncomingSegment{}
	}
	return json.Marshal(plain(m))
}

// MarshalJSON sends an empty segment list as [] (the schema rejects null).
func (m GroupEssenceMessage) MarshalJSON() ([]byte, error) {
	type plain GroupEssenceMessage
	if m.Segments == nil {
		m.Segments = []IncomingSegment{}
	}
	return json.Marshal(plain(m))
}
