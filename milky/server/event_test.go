package server

import (
	"bytes"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/gorilla/websocket"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func TestEventAuthHeaderAndQuery(t *testing.T) {
	e := newEnv(t, Config{Token: testToken})
	for _, inQuery := range []bool{false, true} {
		c, _, err := e.dialWS(testToken, inQuery)
		require.NoError(t, err, "ws, token in query: %v", inQuery)
		c.Close()
		s, code := e.openSSE(testToken, inQuery)
		require.Equal(t, 200, code, "sse, token in query: %v", inQuery)
		assert.Contains(t, s.resp.Header.Get("Content-Type"), "text/event-stream")
	}
	for _, tok := range []string{"", "wrong"} {
		_, resp, err := e.dialWS(tok, true)
		require.Error(t, err)
		require.NotNil(t, resp)
		assert.Equal(t, 401, resp.StatusCode)
		_, code := e.openSSE(tok, false)
		assert.Equal(t, 401, code)
	}
}

func TestWSDeliversInOrderAndIgnoresClientFrames(t *testing.T) {
	e := newEnv(t, Config{})
	c, _, err := e.dialWS("", false)
	require.NoError(t, err)
	defer c.Close()
	waitFor(t, "subscriber", func() bool { return e.s.Subscribers() == 1 })

	// Clients have nothing to say on the event channel; saying it anyway
	// (even a large binary frame) must not cost them the stream.
	require.NoError(t, c.WriteMessage(websocket.TextMessage, []byte(`{"action":"hello"}`)))
	require.NoError(t, c.WriteMessage(websocket.BinaryMessage, bytes.Repeat([]byte{1}, 1<<20)))

	const n = 200
	for i := range n {
		e.s.Publish(testEvent(i))
	}
	for i := range n {
		_ = c.SetReadDeadline(time.Now().Add(10 * time.Second))
		typ, msg, err := c.ReadMessage()
		require.NoError(t, err)
		assert.Equal(t, websocket.TextMessage, typ)
		require.Equal(t, i, eventIndex(t, msg))
	}
	assert.Equal(t, 1, e.obs.get(func(o *recObserver) int { return o.opened[TransportWS] }))
}

func TestSSEDeliversInOrder(t *testing.T) {
	e := newEnv(t, Config{})
	s, code := e.openSSE("", false)
	require.Equal(t, 200, code)
	waitFor(t, "subscriber", func() bool { return e.s.Subscribers() == 1 })
	const n = 200
	for i := range n {
		e.s.Publish(testEvent(i))
	}
	// Pre-encoded bytes with line breaks become several data lines.
	e.s.PublishRaw([]byte("{\"time\":1700000999,\n\"self_id\":1,\"event_type\":\"bot_offline\",\"data\":{\"reason\":\"x\"}}"))
	for i := range n {
		data, err := s.next()
		require.NoError(t, err)
		require.Equal(t, i, eventIndex(t, []byte(data)))
	}
	data, err := s.next()
	require.NoError(t, err)
	assert.Equal(t, 999, eventIndex(t, []byte(data)))
	assert.True(t, strings.Contains(data, "\n"), "multi-line payload kept as several data lines")
}

func TestSSEKeepAlive(t *testing.T) {
	e := newEnv(t, Config{SSEKeepAlive: 5 * time.Millisecond})
	s, code := e.openSSE("", false)
	require.Equal(t, 200, code)
	line, err := s.r.ReadString('\n')
	require.NoError(t, err)
	assert.Equal(t, ": keep-alive\n", line)
}

func TestSlowSubscriberIsBoundedAndDropsOldest(t *testing.T) {
	e := newEnv(t, Config{QueueEvents: 8})
	c, _, err := e.dialWS("", false)
	require.NoError(t, err)
	defer c.Close()
	waitFor(t, "subscriber", func() bool { return e.s.Subscribers() == 1 })

	// The client reads nothing: once the socket buffers are full the
	// writer blocks, the queue fills and Publish must drop, never block.
	big := strings.Repeat("x", 64<<10)
	const n = 600 // ~38 MiB, more than loopback socket buffers hold
	done := make(chan struct{})
	go func() {
		defer close(done)
		for i := range n {
			ev := testEvent(i)
			ev.Data = []byte(fmt.Sprintf(`{"reason":"%s"}`, big))
			e.s.Publish(ev)
		}
	}()
	select {
	case <-done:
	case <-time.After(30 * time.Second):
		// A blocked Publish never returns; 30s only keeps a loaded -race
		// run (600 × 64 KiB) from passing for one.
		t.Fatal("Publish blocked on a slow subscriber")
	}
	drops := e.obs.get(func(o *recObserver) int { return o.dropped[TransportWS+"/queue_full"] })
	assert.Positive(t, drops)

	// What does arrive is in order, ending with the newest event.
	last := -1
	for last < n-1 {
		_ = c.SetReadDeadline(time.Now().Add(10 * time.Second))
		_, msg, err := c.ReadMessage()
		require.NoError(t, err)
		i := eventIndex(t, msg)
		require.Greater(t, i, last)
		last = i
	}
}

func TestDropStreamsClosesWithGoingAway(t *testing.T) {
	e := newEnv(t, Config{})
	c, _, err := e.dialWS("", false)
	require.NoError(t, err)
	defer c.Close()
	waitFor(t, "subscriber", func() bool { return e.s.Subscribers() == 1 })
	e.s.DropStreams()
	// At once, not when the writer has gone: a caller waiting for the
	// client to resubscribe must not mistake the dying stream for it, and
	// events published from now on must not be queued for it.
	assert.Equal(t, 0, e.s.Subscribers(), "a dropped stream still counted")
	assert.Empty(t, e.s.fanout.Load().subs, "a dropped stream still gets events")
	_ = c.SetReadDeadline(time.Now().Add(10 * time.Second))
	_, _, err = c.ReadMessage()
	assert.True(t, websocket.IsCloseError(err, websocket.CloseGoingAway), "got %v", err)
	waitFor(t, "unsubscribed", func() bool { return e.s.Subscribers() == 0 })
}

func TestWSPingsAndSurvivesIdle(t *testing.T) {
	// Pings every 200ms: a client silent for 3 intervals is dropped, and a
	// loaded -race run can take longer than 30ms to answer one.
	e := newEnv(t, Config{PingInterval: 200 * time.Millisecond})
	c, _, err := e.dialWS("", false)
	require.NoError(t, err)
	defer c.Close()
	pinged := make(chan struct{}, 1)
	c.SetPingHandler(func(string) error {
		select {
		case pinged <- struct{}{}:
		default:
		}
		return c.WriteControl(websocket.PongMessage, nil, time.Now().Add(time.Second))
	})
	go func() {
		for {
			if _, _, err := c.ReadMessage(); err != nil {
				return
			}
		}
	}()
	select {
	case <-pinged:
	case <-time.After(10 * time.Second):
		t.Fatal("no ping")
	}
	e.s.Publish(testEvent(1)) // still subscribed after answering pings
	assert.Equal(t, 1, e.s.Subscribers())
}

// TestWSFrameSizes: events of every frame-length encoding (7-bit, 16-bit,
// 64-bit) arrive whole and in order, also when written as one batch.
func TestWSFrameSizes(t *testing.T) {
	e := newEnv(t, Config{})
	c, _, err := e.dialWS("", false)
	require.NoError(t, err)
	defer c.Close()
	waitFor(t, "subscriber", func() bool { return e.s.Subscribers() == 1 })
	sizes := []int{2, 125, 126, 127, 65535, 65536, 200000}
	var want [][]byte
	for i, n := range sizes {
		p := []byte(`{"i":` + fmt.Sprint(i) + `,"pad":"` + strings.Repeat("x", n) + `"}`)
		want = append(want, p)
		e.s.PublishRaw(p)
	}
	for _, p := range want {
		_ = c.SetReadDeadline(time.Now().Add(10 * time.Second))
		typ, msg, err := c.ReadMessage()
		require.NoError(t, err)
		require.Equal(t, websocket.TextMessage, typ)
		require.Equal(t, string(p), string(msg))
	}
}

// TestWSCloseIsAnsweredAfterTheEvents: a subscriber that closes while
// events stream gets the events written before the answer, then the answer
// echoing its code, and no event after it (RFC 6455 5.5.1).
func TestWSCloseIsAnsweredAfterTheEvents(t *testing.T) {
	e := newEnv(t, Config{})
	c, _, err := e.dialWS("", false)
	require.NoError(t, err)
	defer c.Close()
	waitFor(t, "subscriber", func() bool { return e.s.Subscribers() == 1 })
	stop := make(chan struct{})
	published := make(chan struct{})
	go func() {
		defer close(published)
		for i := 0; ; i++ {
			select {
			case <-stop:
				return
			default:
				e.s.Publish(testEvent(i % 1000))
			}
		}
	}()
	defer func() { close(stop); <-published }()
	_, _, err = c.ReadMessage()
	require.NoError(t, err)
	require.NoError(t, c.WriteControl(websocket.CloseMessage, websocket.FormatCloseMessage(websocket.CloseNormalClosure, "bye"), time.Now().Add(time.Second)))
	for {
		_ = c.SetReadDeadline(time.Now().Add(10 * time.Second))
		_, _, err := c.ReadMessage()
		if err == nil {
			continue // events written before the answer
		}
		var ce *websocket.CloseError
		require.ErrorAs(t, err, &ce)
		assert.Equal(t, websocket.CloseNormalClosure, ce.Code)
		return
	}
}
