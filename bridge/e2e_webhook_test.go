package bridge_test

import (
	"testing"

	"github.com/goccy/go-json"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/qqbridge/gateway/bridge"
	"github.com/qqbridge/gateway/onebot11/ob11test"
)

// HTTP POST (webhook) delivery with X-Signature, and quick operations
// answered in the response body.

func TestWebhook_SignedEventsAndQuickReply(t *testing.T) {
	const secret = "hmac-secret"
	recv := ob11test.NewWebhookReceiver(secret)
	t.Cleanup(recv.Close)
	e := startGateway(t, bridge.Options{Webhooks: []string{recv.URL}, Secret: secret}, nil, true)
	g, member := e.groupA()
	e.sim.ResetCalls()

	// The bot answers the next event with a quick reply.
	recv.QuickOperation(json.RawMessage(`{"reply":"pong","at_sender":true}`), 1)
	e.sim.ReceiveGroupMessage(g, member, text("ping"))

	d, err := recv.NextEvent(ctx(t))
	require.NoError(t, err)
	ev, err := d.Event()
	require.NoError(t, err)
	require.Equal(t, "message", ev.PostType, "first delivery: %s", d.Body)
	assert.True(t, ob11test.ValidSignature(secret, d.Body, d.Header.Get("X-Signature")), "X-Signature %q", d.Header.Get("X-Signature"))
	assert.Equal(t, num(e.sim.SelfID()), d.Header.Get("X-Self-ID"))
	assert.Contains(t, d.Header.Get("Content-Type"), "application/json")
	var m msgEvent
	require.NoError(t, json.Unmarshal(d.Body, &m))
	assert.Equal(t, "ping", m.RawMessage)
	assert.Equal(t, member, m.UserID)
	assert.JSONEq(t, `{"reply":"pong","at_sender":true}`, string(d.Answered))

	// The gateway performs the reply: a group message mentioning the sender.
	eventually(t, "the quick reply reaching the simulator", func() bool {
		for _, c := range e.sim.Calls() {
			if c.API == "send_group_message" {
				return true
			}
		}
		return false
	})
	assert.JSONEq(t, `{"group_id":`+num(g)+`,"message":[
		{"type":"mention","data":{"user_id":`+num(member)+`}},
		{"type":"text","data":{"text":" pong"}}]}`, string(lastCall(t, e.sim, "send_group_message")))

	// The bot's own reply comes back as message_sent, signed as well.
	for {
		d, err = recv.NextEvent(ctx(t))
		require.NoError(t, err)
		ev, err = d.Event()
		require.NoError(t, err)
		if ev.PostType == "message_sent" {
			break
		}
	}
	require.NoError(t, json.Unmarshal(d.Body, &m))
	assert.Equal(t, e.sim.SelfID(), m.UserID)
	assert.Contains(t, m.RawMessage, "pong")
	assert.Contains(t, m.RawMessage, "[CQ:at,qq="+num(member))
	assert.Zero(t, recv.BadSignatures())
}

// TestWebhook_RetryAndOrder: a bot that answers 500 once still gets every
// event, in order, once; without a secret no X-Signature is sent.
func TestWebhook_RetryAndOrder(t *testing.T) {
	recv := ob11test.NewWebhookReceiver("")
	t.Cleanup(recv.Close)
	e := startGateway(t, bridge.Options{Webhooks: []string{recv.URL}}, nil, true)
	g, member := e.groupA()

	recv.Fail(500, 1)
	const n = 10
	for i := range n {
		e.sim.ReceiveGroupMessage(g, member, text(numbered("hook", i)))
	}
	for i := range n {
		d, err := recv.NextEvent(ctx(t))
		require.NoError(t, err)
		var m msgEvent
		require.NoError(t, json.Unmarshal(d.Body, &m))
		assert.Equal(t, numbered("hook", i), m.RawMessage)
		assert.Empty(t, d.Header.Get("X-Signature"))
	}
	assert.Equal(t, n+1, recv.Attempts(), "one failed attempt, then each event once")
}
