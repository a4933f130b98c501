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

// EventName implements Event (post_type is message or message_sent). The
// four usual names are constants: it is called once per delivered event.
func (e *MessageEvent) EventName() string {
	switch {
	case e.PostType == PostMessage && e.MessageType == MessageGroup:
		return "message.group"
	case e.PostType == PostMessage && e.MessageType == MessagePrivate:
		return "message.private"
	case e.PostType == PostMessageSent && e.MessageType == MessageGroup:
		return "message_sent.group"
	case e.PostType == PostMessageSent && e.MessageType == MessagePrivate:
		return "message_sent.private"
	}
	return e.PostType + "." + e.MessageType
}

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
