package server

import (
	"encoding/json"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/qqbridge/gateway/transport"
)

// Pooled frames are reused as soon as every subscriber's writer committed
// them: two WebSocket subscribers and an SSE one, fed frames faster than
// they read, each get every event intact and in order while the same
// buffers serve event after event.
func TestPublishFrameReuseKeepsEventsIntact(t *testing.T) {
	e := newEnv(t, Config{QueueEvents: 1 << 16})
	var ws []func() []byte
	for range 2 {
		c, _, err := e.dialWS("", false)
		require.NoError(t, err)
		t.Cleanup(func() { _ = c.Close() })
		ws = append(ws, func() []byte {
			_ = c.SetReadDeadline(time.Now().Add(10 * time.Second))
			_, msg, err := c.ReadMessage()
			require.NoError(t, err)
			return msg
		})
	}
	s, code := e.openSSE("", false)
	require.Equal(t, 200, code)
	sse := func() []byte {
		data, err := s.next()
		require.NoError(t, err)
		return []byte(data)
	}
	waitFor(t, "subscribers", func() bool { return e.s.Subscribers() == 3 })
	const n = 3000
	want := func(i int) string {
		b, _ := json.Marshal(testEvent(i))
		return string(b)
	}
	for i := range n {
		f := transport.NewFrame()
		f.B = append(f.B, want(i)...)
		e.s.PublishFrame(f)
	}
	for c, next := range append(ws, sse) {
		for i := range n {
			require.Equal(t, want(i), string(next()), "subscriber %d, event %d", c, i)
		}
	}
}
