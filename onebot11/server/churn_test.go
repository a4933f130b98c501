package server

import (
	"context"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/gorilla/websocket"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// Churn: a bot endpoint with many short outages, events published at a
// steady rate, and the check that every event arrived once, in order.

// outage kinds a flakyBot can have.
const (
	outageStatus500  = iota // HTTP 500 (webhook) or a refused handshake (reverse WS)
	outagePortClosed        // listener and every connection closed
	outageHangUp            // webhook: connections accepted and closed unanswered
	outageKinds
)

// flakyBot is a bot on a fixed loopback port that takes webhook POSTs on
// /post and a reverse WebSocket on /ws, and records every event it got.
type flakyBot struct {
	t    testing.TB
	addr string
	mode atomic.Int32 // -1: up, else the outage kind

	// reading is held by the socket being read: a bot finishes reading its
	// old socket before it reads the next one, as a restarting bot does;
	// two sockets read at once would record their events interleaved.
	reading sync.Mutex

	mu    sync.Mutex
	srv   *http.Server
	conns map[*websocket.Conn]struct{}
	seen  []int
	dups  int
	got   chan struct{}
}

func newFlakyBot(t testing.TB) *flakyBot {
	b := &flakyBot{t: t, conns: map[*websocket.Conn]struct{}{}, got: make(chan struct{}, 1)}
	b.mode.Store(-1)
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	require.NoError(t, err)
	b.addr = ln.Addr().String()
	b.serve(ln)
	t.Cleanup(func() {
		b.mu.Lock()
		srv := b.srv
		b.mu.Unlock()
		if srv != nil {
			_ = srv.Close()
		}
		b.closeSockets()
	})
	return b
}

func (b *flakyBot) serve(ln net.Listener) {
	srv := &http.Server{Handler: http.HandlerFunc(b.handle), ReadHeaderTimeout: 5 * time.Second}
	b.mu.Lock()
	b.srv = srv
	b.mu.Unlock()
	go func() { _ = srv.Serve(ln) }()
}

func (b *flakyBot) record(body []byte) {
	id := eventSeq(b.t.(*testing.T), body)
	b.mu.Lock()
	if n := len(b.seen); n > 0 && id <= b.seen[n-1] {
		b.dups++
	} else {
		b.seen = append(b.seen, id)
	}
	b.mu.Unlock()
	select {
	case b.got <- struct{}{}:
	default:
	}
}

var upgrader = websocket.Upgrader{}

func (b *flakyBot) handle(w http.ResponseWriter, r *http.Request) {
	switch b.mode.Load() {
	case outageStatus500:
		http.Error(w, "bot down", http.StatusInternalServerError)
		return
	case outageHangUp:
		if c, _, err := http.NewResponseController(w).Hijack(); err == nil {
			_ = c.Close()
		}
		return
	}
	if r.URL.Path == "/ws" {
		c, err := upgrader.Upgrade(w, r, nil)
		if err != nil {
			return
		}
		b.mu.Lock()
		b.conns[c] = struct{}{}
		b.mu.Unlock()
		go b.readSocket(c)
		return
	}
	body, err := io.ReadAll(r.Body)
	if err != nil {
		return
	}
	b.record(body)
	w.WriteHeader(http.StatusNoContent)
}

// readSocket records events until the socket closes. The first frame is
// the lifecycle event, and heartbeats are off.
func (b *flakyBot) readSocket(c *websocket.Conn) {
	b.reading.Lock()
	defer b.reading.Unlock()
	defer func() {
		b.mu.Lock()
		delete(b.conns, c)
		b.mu.Unlock()
		_ = c.Close()
	}()
	first := true
	for {
		_, data, err := c.ReadMessage()
		if err != nil {
			return
		}
		if first {
			first = false
			continue
		}
		b.record(data)
	}
}

// closeSockets ends every reverse socket the way a bot restarting does:
// a close frame, then reading until the gateway's close answer, so the
// events written before it are not lost (OneBot 11 has no delivery ack: an
// abrupt cut loses what was in flight, which no sender can prevent).
func (b *flakyBot) closeSockets() {
	b.mu.Lock()
	conns := make([]*websocket.Conn, 0, len(b.conns))
	for c := range b.conns {
		conns = append(conns, c)
	}
	b.mu.Unlock()
	for _, c := range conns {
		_ = c.WriteControl(websocket.CloseMessage, websocket.FormatCloseMessage(websocket.CloseGoingAway, "bot restarts"), time.Now().Add(time.Second))
	}
	// Wait for these sockets only: the gateway may already have dialled
	// the next one, which stays open.
	deadline := time.Now().Add(5 * time.Second)
	for {
		b.mu.Lock()
		open := 0
		for _, c := range conns {
			if _, ok := b.conns[c]; ok {
				open++
			}
		}
		b.mu.Unlock()
		if open == 0 || time.Now().After(deadline) {
			return
		}
		time.Sleep(time.Millisecond)
	}
}

// outage makes the bot unavailable for d in the given way.
func (b *flakyBot) outage(kind int, d time.Duration) {
	b.mode.Store(int32(kind))
	b.closeSockets()
	if kind == outagePortClosed {
		b.mu.Lock()
		srv := b.srv
		b.mu.Unlock()
		_ = srv.Close()
		time.Sleep(d)
		ln, err := net.Listen("tcp", b.addr)
		require.NoError(b.t, err, "rebinding the bot's port")
		b.mode.Store(-1)
		b.serve(ln)
		return
	}
	time.Sleep(d)
	b.mode.Store(-1)
}

// requireOneToN checks that seen is 1..n, naming the first miss rather
// than printing thousands of ids.
func requireOneToN(t *testing.T, seen []int, n int) {
	t.Helper()
	for i, id := range seen {
		if id != i+1 {
			t.Fatalf("%d events of %d arrived; the first miss is %d (got %d there, dups counted apart)", len(seen), n, i+1, id)
		}
	}
	require.Len(t, seen, n, "every event arrived")
}

func (b *flakyBot) received() ([]int, int) {
	b.mu.Lock()
	defer b.mu.Unlock()
	return append([]int(nil), b.seen...), b.dups
}

// churn publishes n events at rate per second while the bot has outages
// outages of length d spread evenly, then waits for all of them.
func churn(t *testing.T, env *testEnv, bot *flakyBot, n, rate, outages int, d time.Duration) {
	ctx, cancel := context.WithTimeout(context.Background(), time.Duration(n/rate)*time.Second+60*time.Second)
	defer cancel()
	env.s.Start(ctx)
	stop := make(chan struct{})
	var wg sync.WaitGroup
	wg.Go(func() {
		every := time.Duration(n/rate) * time.Second / time.Duration(outages+1)
		for i := range outages {
			select {
			case <-stop:
				return
			case <-time.After(every - d):
			}
			bot.outage(i%outageKinds, d)
		}
	})
	tick := time.NewTicker(time.Second / time.Duration(rate))
	for i := 1; i <= n; i++ {
		<-tick.C
		env.s.Publish(testEvent(i))
	}
	tick.Stop()
	close(stop)
	wg.Wait()
	for {
		seen, _ := bot.received()
		if len(seen) > 0 && seen[len(seen)-1] == n {
			break
		}
		select {
		case <-bot.got:
		case <-time.After(100 * time.Millisecond):
		case <-ctx.Done():
			t.Fatalf("only %d of %d events arrived", len(seen), n)
		}
	}
	seen, dups := bot.received()
	requireOneToN(t, seen, n)
	// Delivery is at least once: a POST the bot took but whose answer the
	// outage cut (its port closed mid-reply) is sent again. That can
	// happen once per outage at most.
	assert.LessOrEqual(t, dups, outages, "repeats only where an outage cut an answer")
	t.Logf("%d events, %d outages: %d delivered twice", n, outages, dups)
	env.obs.mu.Lock()
	defer env.obs.mu.Unlock()
	assert.Empty(t, env.obs.drops, "nothing dropped")
}

// churnSize is the short version; GATEWAY_LONG_CHURN=1 runs the full
// 10 000 events at 500/s with 100 outages of 50 ms.
func churnSize() (n, rate, outages int) {
	if os.Getenv("GATEWAY_LONG_CHURN") != "" {
		return 10000, 500, 100
	}
	return 2000, 1000, 20
}

func TestWebhookChurnLosesNothing(t *testing.T) {
	bot := newFlakyBot(t)
	env := newEnv(t, ServerConfig{Webhooks: []string{"http://" + bot.addr + "/post"}})
	n, rate, outages := churnSize()
	churn(t, env, bot, n, rate, outages, 50*time.Millisecond)
}

func TestReverseWSChurnLosesNothing(t *testing.T) {
	bot := newFlakyBot(t)
	env := newEnv(t, ServerConfig{ReverseWS: []string{"ws://" + bot.addr + "/ws"}, ReconnectInterval: 100 * time.Millisecond})
	n, rate, outages := churnSize()
	churn(t, env, bot, n, rate, outages, 50*time.Millisecond)
}

// A 60 s outage at 500 events/s against the default 64 MiB buffer, scaled
// down: 3 s at 500/s against 1/20 of it. Nothing is lost, in order.
func TestWebhookLongOutageFitsTheBuffer(t *testing.T) {
	bot := newFlakyBot(t)
	env := newEnv(t, ServerConfig{Webhooks: []string{"http://" + bot.addr + "/post"}, QueueBytes: 64 << 20 / 20})
	outage := 3 * time.Second
	if testing.Short() {
		outage = time.Second
	}
	ctx := testCtx(t)
	env.s.Start(ctx)
	n := int(outage.Seconds() * 500)
	go bot.outage(outagePortClosed, outage)
	tick := time.NewTicker(2 * time.Millisecond)
	for i := 1; i <= n; i++ {
		<-tick.C
		env.s.Publish(testEvent(i))
	}
	tick.Stop()
	// The last retry before the bot came back may wait up to the 5s cap.
	require.Eventually(t, func() bool { s, _ := bot.received(); return len(s) == n }, 20*time.Second, 10*time.Millisecond, "all delivered")
	seen, dups := bot.received()
	for i, id := range seen {
		require.Equal(t, i+1, id)
	}
	assert.Zero(t, dups)
	assert.Empty(t, env.obs.drops)
}

// With a spool, a memory buffer far too small for the outage loses
// nothing, and events still waiting when the gateway stops are delivered
// by the next run, before the events that run publishes.
func TestWebhookSpoolOverflowAndRestart(t *testing.T) {
	bot := newFlakyBot(t)
	bot.mode.Store(outageStatus500) // down from the start
	dir := t.TempDir()
	cfg := ServerConfig{
		Webhooks: []string{"http://" + bot.addr + "/post"}, SpoolDir: dir,
		QueueBytes:           4 << 10, // a dozen events; the rest spool
		WebhookRetryInterval: 5 * time.Millisecond,
	}
	env := newEnv(t, cfg)
	env.s.Start(testCtx(t))
	for i := 1; i <= 300; i++ {
		env.s.Publish(testEvent(i))
	}
	assert.Greater(t, env.s.webhooks[0].queue.spooled(), 250, "beyond memory, events spool")
	ctx, cancel := context.WithTimeout(context.Background(), 200*time.Millisecond)
	defer cancel()
	_ = env.s.Shutdown(ctx) // the bot is down: nothing can be flushed

	env2 := newEnv(t, cfg)
	assert.Equal(t, 300, env2.s.webhooks[0].queue.len(), "the next run finds all of them")
	for i := 301; i <= 400; i++ {
		env2.s.Publish(testEvent(i))
	}
	bot.mode.Store(-1)
	env2.s.Start(testCtx(t))
	eventually(t, func() bool { s, _ := bot.received(); return len(s) == 400 }, "all delivered")
	seen, dups := bot.received()
	for i, id := range seen {
		require.Equal(t, i+1, id, "spooled and remembered events first, in order")
	}
	assert.Zero(t, dups)
	assert.Empty(t, env.obs.drops)
	assert.Empty(t, env2.obs.drops)
	eventually(t, func() bool { return env2.s.webhooks[0].queue.len() == 0 }, "spool emptied")
}

// Events older than EventMaxAge by the time they could go out are dropped
// and counted; fresh ones are delivered.
func TestEventMaxAgeDropsStaleEvents(t *testing.T) {
	bot := newFlakyBot(t)
	env := newEnv(t, ServerConfig{Webhooks: []string{"http://" + bot.addr + "/post"}, EventMaxAge: time.Hour})
	fresh := fmt.Appendf(nil, `{"time":%d,"self_id":%d,"post_type":"message","message_id":2}`, time.Now().Unix(), testSelfID)
	env.s.Publish(testEvent(1)) // time 1700000000: long expired
	env.s.Publish(fresh)
	env.s.Start(testCtx(t))
	eventually(t, func() bool { s, _ := bot.received(); return len(s) == 1 }, "the fresh event arrived")
	seen, _ := bot.received()
	assert.Equal(t, []int{2}, seen)
	assert.Equal(t, 1, env.obs.get(&env.obs.drops, "webhook/expired"))
}

func TestEventTime(t *testing.T) {
	for in, want := range map[string]int64{
		`{"time":1700000000,"x":1}`: 1700000000,
		`{"self_id":1, "time": 42}`: 42,
		`{"x":1}`:                   -1,
		`{"time":"soon"}`:           -1,
	} {
		got, ok := eventTime([]byte(in))
		if want < 0 {
			assert.False(t, ok, in)
			continue
		}
		assert.True(t, ok, in)
		assert.Equal(t, want, got, in)
	}
}

// A bot that closes cleanly in the middle of a burst (a close frame, then
// reading until our answer) gets every event: the ones the gateway wrote
// before its close answer on this socket, the rest on the next one. A
// batch written after the answer was once counted as sent and lost.
func TestReverseWSCleanCloseMidBurstLosesNothing(t *testing.T) {
	bot := newFlakyBot(t)
	env := newEnv(t, ServerConfig{ReverseWS: []string{"ws://" + bot.addr + "/ws"}, ReconnectInterval: 10 * time.Millisecond})
	env.s.Start(testCtx(t))
	const n, closes = 4000, 5
	for i := 1; i <= n; i++ {
		env.s.Publish(testEvent(i))
	}
	for k := 1; k <= closes; k++ {
		eventually(t, func() bool { s, _ := bot.received(); return len(s) >= k*n/(closes+1) }, "events flow before close %d", k)
		bot.closeSockets()
	}
	eventually(t, func() bool { s, _ := bot.received(); return len(s) > 0 && s[len(s)-1] == n }, "the last event arrived")
	seen, dups := bot.received()
	requireOneToN(t, seen, n)
	assert.Zero(t, dups)
}
