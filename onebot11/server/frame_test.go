package server

import (
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/qqbridge/gateway/onebot11/ob11test"
	"github.com/qqbridge/gateway/transport"
)

// Pooled frames are reused as soon as every WebSocket writer committed
// them: two forward bots and a reverse target, fed frames faster than
// they read, each get every event intact and in order while the same
// buffers serve event after event.
func TestPublishFrameReuseKeepsEventsIntact(t *testing.T) {
	env, rs, ctx := startReverseEnv(t, ServerConfig{QueueSize: 1 << 16})
	rc, err := rs.Accept(ctx)
	require.NoError(t, err)
	conns := []*ob11test.Conn{rc.Conn}
	for range 2 {
		cl, err := ob11test.DialForward(ctx, env.ws("/"), "")
		require.NoError(t, err)
		t.Cleanup(func() { _ = cl.Close() })
		conns = append(conns, cl.Conn)
	}
	const n = 3000
	for i := range n {
		f := transport.NewFrame()
		f.B = append(f.B, testEvent(i)...)
		env.s.PublishFrame(f)
	}
	isMessage := func(ev ob11test.Event) bool { return ev.PostType == "message" }
	for c, conn := range conns {
		for i := range n {
			raw, err := conn.NextEventWhere(ctx, isMessage)
			require.NoError(t, err)
			require.Equal(t, string(testEvent(i)), string(raw), "connection %d, event %d", c, i)
		}
	}
}
