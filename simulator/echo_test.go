package simulator

import (
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/qqbridge/gateway/milky"
)

// fakeClock is a settable clock for rate-limit tests.
type fakeClock struct {
	mu sync.Mutex
	t  time.Time
}

func (c *fakeClock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.t
}

func (c *fakeClock) Advance(d time.Duration) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.t = c.t.Add(d)
}

// nextMessage waits for the next message_receive on ch.
func nextMessage(t *testing.T, ch <-chan *milky.Event) milky.IncomingMessage {
	t.Helper()
	for {
		select {
		case ev := <-ch:
			if ev.EventType == milky.EventMessageReceive {
				return decodeEvent[milky.IncomingMessage](t, ev)
			}
		case <-time.After(10 * time.Second):
			t.Fatal("no message_receive event")
		}
	}
}

// newEchoSim is a simulator with echo on, its clock, a subscription and
// the first friend, all closed when the test ends.
func newEchoSim(t *testing.T) (*Sim, *fakeClock, <-chan *milky.Event, int64) {
	clock := &fakeClock{t: testNow}
	s := New(Options{Echo: true, EchoDelay: time.Millisecond, Now: clock.Now})
	t.Cleanup(s.Close)
	ch, cancel := s.Subscribe()
	t.Cleanup(cancel)
	return s, clock, ch, s.Friends()[0].UserID
}

func TestEcho(t *testing.T) {
	s, clock, ch, f := newEchoSim(t)
	send := func(text string) {
		mustCall[milky.SendMessageOutput](t, s, "send_private_message", `{"user_id": %d, "message": [{"type": "text", "data": {"text": %q}}]}`, f, text)
	}

	send("hello")
	own := nextMessage(t, ch)
	assert.Equal(t, s.SelfID(), own.SenderID, "the bot's own message is reported with sender_id = self")
	echo := nextMessage(t, ch)
	assert.Equal(t, f, echo.SenderID)
	assert.Equal(t, "echo: hello", textOf(echo.Segments))
	assert.Equal(t, own.MessageSeq+1, echo.MessageSeq)

	// Within a second: no echo. "echo:" messages: never an echo.
	send("too soon")
	assert.Equal(t, "too soon", textOf(nextMessage(t, ch).Segments))
	clock.Advance(2 * time.Second)
	send("echo: loop?")
	assert.Equal(t, "echo: loop?", textOf(nextMessage(t, ch).Segments))
	send("  echo:also not")
	assert.Equal(t, "  echo:also not", textOf(nextMessage(t, ch).Segments))
	send("again")
	assert.Equal(t, "again", textOf(nextMessage(t, ch).Segments))
	assert.Equal(t, "echo: again", textOf(nextMessage(t, ch).Segments), "the next echo answers 'again', nothing in between")

	// Segments without text are not echoed.
	clock.Advance(2 * time.Second)
	mustCall[milky.SendMessageOutput](t, s, "send_private_message", `{"user_id": %d, "message": [{"type": "face", "data": {"face_id": "1"}}]}`, f)
	assert.Equal(t, milky.SegFace, nextMessage(t, ch).Segments[0].Type)

	// Groups: a member (not the bot) answers.
	g := s.Groups()[0].GroupID
	mustCall[milky.SendMessageOutput](t, s, "send_group_message", `{"group_id": %d, "message": [{"type": "text", "data": {"text": "群里好"}}]}`, g)
	assert.Equal(t, s.SelfID(), nextMessage(t, ch).SenderID)
	gecho := nextMessage(t, ch)
	assert.NotEqual(t, s.SelfID(), gecho.SenderID)
	assert.Equal(t, "echo: 群里好", textOf(gecho.Segments))
	require.NotNil(t, gecho.GroupMember)
	assert.Equal(t, gecho.SenderID, gecho.GroupMember.UserID)
}

// TestEchoBotCannotStorm plays a bot that echoes every message it receives:
// the peer's "echo: ..." comes back to it and must not be answered, even
// when the rate limit would allow it.
func TestEchoBotCannotStorm(t *testing.T) {
	s, clock, ch, f := newEchoSim(t)
	scheduled := func() int {
		s.mu.Lock()
		defer s.mu.Unlock()
		return s.echoes
	}
	text := "start"
	for round := range 3 {
		clock.Advance(2 * time.Second)
		mustCall[milky.SendMessageOutput](t, s, "send_private_message", `{"user_id": %d, "message": [{"type": "text", "data": {"text": %q}}]}`, f, text)
		require.Equal(t, s.SelfID(), nextMessage(t, ch).SenderID)
		if round > 0 {
			assert.Equal(t, 1, scheduled(), "an echo of an echo is never answered")
			continue
		}
		echo := nextMessage(t, ch)
		assert.Equal(t, f, echo.SenderID)
		text = textOf(echo.Segments) // the echoing bot sends it back
	}
}

func TestEchoOffByDefault(t *testing.T) {
	s := newTestSim(t)
	f := s.Friends()[0].UserID
	mustCall[milky.SendMessageOutput](t, s, "send_private_message", `{"user_id": %d, "message": [{"type": "text", "data": {"text": "x"}}]}`, f)
	s.Close() // waits for any echo goroutine
	assert.Len(t, s.Events(), 1)
}
