package client

import (
	"context"

	"testing"
	"time"

	"github.com/qqbridge/gateway/milky"
	"github.com/qqbridge/gateway/milky/server"
	"github.com/stretchr/testify/require"
)

// The event handler maps untrusted upstream data; a panic in it must cost
// that one event (logged, skipped like a malformed one), not the process,
// and the stream goes on in order.
func TestStreamHandlerPanicSkipsTheEvent(t *testing.T) {
	s, base := servePeer(t, server.Config{})
	c := newTestClient(t, base, func(cfg *ClientConfig) { cfg.Logger = quietLog })

	col := &collector{}
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() {
		done <- c.RunEvents(ctx, fastStream(milky.TransportWS), func(ev *milky.Event) {
			if ev.Time == 1 {
				panic("mapping bug")
			}
			col.handle(ev)
		})
	}()
	defer func() {
		cancel()
		select {
		case <-done:
		case <-time.After(waitLong):
			t.Error("RunEvents did not return")
		}
	}()
	require.Eventually(t, func() bool { return s.Subscribers() == 1 }, waitLong, time.Millisecond)
	for i := range 3 {
		s.Publish(testEvent(i))
	}
	require.Eventually(t, func() bool { return col.len() == 2 }, waitLong, time.Millisecond)
	require.Equal(t, []int64{0, 2}, col.times())
	require.True(t, c.StreamConnected(), "the connection survived")
}
