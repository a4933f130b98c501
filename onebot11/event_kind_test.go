package onebot11

import (
	"testing"

	"github.com/stretchr/testify/assert"
)

func TestEventName(t *testing.T) {
	for want, ev := range map[string]Event{
		"message.group":        &MessageEvent{Header: Header{PostType: PostMessage}, MessageType: MessageGroup},
		"message_sent.private": &MessageEvent{Header: Header{PostType: PostMessageSent}, MessageType: MessagePrivate},
		"notice.group_upload":  &NoticeEvent{NoticeType: NoticeGroupUpload},
		"request.friend":       &RequestEvent{RequestType: RequestFriend},
		"meta_event.lifecycle": &MetaEvent{MetaEventType: MetaLifecycle},
	} {
		assert.Equal(t, want, ev.EventName())
	}
}
