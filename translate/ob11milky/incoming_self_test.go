package ob11milky

import (
	"testing"

	"github.com/qqbridge/gateway/segment"

	"github.com/stretchr/testify/assert"

	"github.com/qqbridge/gateway/milky"
)

// The bot's own private messages name the bot as sender: Milky's friend
// entity there describes the peer, not the sender.
func TestMessageEventSelfSenderNickname(t *testing.T) {
	env := &Env{ForOneBot: segment.ForOneBot{SelfID: func() int64 { return 10001 }, SelfNickname: func() string { return "bot" }}}
	ev := env.MessageEvent(&milky.IncomingMessage{
		MessageScene: milky.SceneFriend, PeerID: 10002, MessageSeq: 1, SenderID: 10001,
		Segments: []milky.IncomingSegment{{Type: milky.SegText, Data: milky.IncomingSegmentData{Text: "hi"}}},
		Friend:   &milky.Friend{UserID: 10002, Nickname: "friend"},
	})
	assert.Equal(t, "message_sent", ev.PostType)
	assert.Equal(t, "bot", ev.Sender.Nickname)
	assert.Equal(t, int64(10002), ev.TargetID)
}
