package onebot11

// Event is one event the gateway delivers to bots: *MessageEvent,
// *NoticeEvent, *RequestEvent or *MetaEvent, ready for json.Marshal. The
// mapping packages return it instead of any, so a value of another type
// cannot reach a bot.
type Event interface {
	// EventName is the post_type and the detail type joined by a dot
	// ("message.group", "notice.group_upload", "request.friend",
	// "meta_event.lifecycle"): closed vocabulary, fit for logs and metric
	// labels.
	EventName() string
}

// EventName implements Event (post_type is message or message_sent).
func (e *MessageEvent) EventName() string { return e.PostType + "." + e.MessageType }

// EventName implements Event.
func (e *NoticeEvent) EventName() string { return PostNotice + "." + e.NoticeType }

// EventName implements Event.
func (e *RequestEvent) EventName() string { return PostRequest + "." + e.RequestType }

// EventName implements Event.
func (e *MetaEvent) EventName() string { return PostMetaEvent + "." + e.MetaEventType }

var (
	_ Event = (*MessageEvent)(nil)
	_ Event = (*NoticeEvent)(nil)
	_ Event = (*RequestEvent)(nil)
	_ Event = (*MetaEvent)(nil)
)
