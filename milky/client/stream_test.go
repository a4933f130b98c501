package client

import (
	"context"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/goccy/go-json"
	"github.com/gorilla/websocket"
	"github.com/qqbridge/gateway/internal/testkit"
	"github.com/qqbridge/gateway/milky"
	"github.com/qqbridge/gateway/milky/server"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

const waitLong = 15 * time.Second // guards against hangs, never a timing assertion

func testEvent(i int) *milky.Event {
	return &milky.Event{Time: int64(i), SelfID: 10001, EventType: milky.EventMessageReceive, Data: json.RawMessage(fmt.Sprintf(`{"n":%d}`, i))}
}

type collector struct {
	mu  sync.Mutex
	evs []*milky.Event
}

func (c *collector) handle(ev *milky.Event) {
	c.mu.Lock()
	c.evs = append(c.evs, ev)
	c.mu.Unlock()
}

func (c *collector) times() []int64 {
	c.mu.Lock()
	defer c.mu.Unlock()
	out := make([]int64, len(c.evs))
	for i, ev := range c.evs {
		out[i] = ev.Time
	}
	return out
}

func (c *collector) len() int {
	c.mu.Lock()
	defer c.mu.Unlock()
	return len(c.evs)
}

func seq(from, to int) []int64 {
	var out []int64
	for i := from; i < to; i++ {
		out = append(out, int64(i))
	}
	return out
}

// runStream starts RunEvents in the background; the returned stop cancels
// it and waits for it to return (failing if it does not).
func runStream(t *testing.T, c *Client, sc StreamConfig, col *collector) (stop func()) {
	t.Helper()
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- c.RunEvents(ctx, sc, col.handle) }()
	var once sync.Once
	stop = func() {
		once.Do(func() {
			cancel()
			select {
			case err := <-done:
				assert.NoError(t, err)
			case <-time.After(waitLong):
				t.Error("RunEvents did not return after cancel")
			}
		})
	}
	t.Cleanup(stop)
	return stop
}

func fastStream(transport string) StreamConfig {
	return StreamConfig{Transport: transport, MinBackoff: 5 * time.Millisecond, MaxBackoff: 50 * time.Millisecond}
}

func TestStreamEndToEnd(t *testing.T) {
	for _, transport := range []string{milky.TransportWS, milky.TransportSSE} {
		t.Run(transport, func(t *testing.T) {
			s, base := servePeer(t, server.Config{Token: "tok"})
			obs := &fakeObserver{}
			c := newTestClient(t, base, func(cfg *ClientConfig) { cfg.Token = "tok"; cfg.Observer = obs; cfg.Logger = quietLog })
			col := &collector{}
			stop := runStream(t, c, fastStream(transport), col)

			require.Eventually(t, func() bool { return s.Subscribers() == 1 }, waitLong, time.Millisecond)
			require.Eventually(t, c.StreamConnected, waitLong, time.Millisecond)
			n := 0
			for round := range 5 {
				for range 100 {
					s.Publish(testEvent(n))
					n++
				}
				require.Eventually(t, func() bool { return col.len() >= n }, waitLong, time.Millisecond, "round %d", round)
				// The upstream drops the stream; events published once the
				// client is back must all arrive, in order.
				s.DropStreams()
				require.Eventually(t, func() bool { return s.Subscribers() == 1 }, waitLong, time.Millisecond)
			}
			for range 100 {
				s.Publish(testEvent(n))
				n++
			}
			require.Eventually(t, func() bool { return col.len() >= n }, waitLong, time.Millisecond)
			assert.Equal(t, seq(0, n), col.times(), "every event once, in publish order")
			assert.JSONEq(t, `{"n":0}`, string(col.evs[0].Data))
			assert.Equal(t, milky.EventMessageReceive, col.evs[0].EventType)

			stop()
			assert.False(t, c.StreamConnected())
			conn, disc, rec := obs.counts()
			assert.Equal(t, 6, conn)
			assert.Equal(t, 6, disc, "5 drops and the final shutdown")
			assert.GreaterOrEqual(t, rec, 5)
			obs.mu.Lock()
			for _, a := range obs.reconnects {
				assert.Equal(t, 1, a, "a connection that delivered events resets the back-off")
			}
			obs.mu.Unlock()
		})
	}
}

func TestStreamReconnectNoGoroutineLeak(t *testing.T) {
	for _, transport := range []string{milky.TransportWS, milky.TransportSSE} {
		t.Run(transport, func(t *testing.T) {
			before := ownGoroutines()
			func() {
				s, base := servePeer(t, server.Config{})
				defer s.Close() // inside: the goroutine count is taken before the test ends
				c := newTestClient(t, base, func(cfg *ClientConfig) { cfg.Logger = quietLog })
				defer c.hc.CloseIdleConnections()
				col := &collector{}
				stop := runStream(t, c, fastStream(transport), col)
				for i := range 40 {
					require.Eventually(t, func() bool { return s.Subscribers() == 1 }, waitLong, time.Millisecond)
					s.Publish(testEvent(i))
					require.Eventually(t, func() bool { return col.len() == i+1 }, waitLong, time.Millisecond)
					s.DropStreams()
				}
				stop()
				assert.Equal(t, seq(0, 40), col.times())
			}()
			// Polled by hand: require.Eventually runs its condition on a goroutine of its own.
			deadline := time.Now().Add(waitLong)
			for ownGoroutines() > before && time.Now().Before(deadline) {
				time.Sleep(10 * time.Millisecond)
			}
			if n := ownGoroutines(); n > before {
				t.Fatalf("goroutines: before %d, now %d\n%s", before, n, testkit.GoroutineDump())
			}
		})
	}
}

// ownGoroutines counts goroutines but fasthttp's worker pool cleaner,
// which the peer server leaves sleeping for up to 10s after it closed.
func ownGoroutines() int {
	return testkit.GoroutinesBut("fasthttp.(*workerPool).Start.func")
}

// rawServer serves /event with a custom handler and counts connections.
type rawServer struct {
	*httptest.Server
	conns atomic.Int32
}

func newRawServer(t *testing.T, h func(n int32, w http.ResponseWriter, r *http.Request)) *rawServer {
	rs := &rawServer{}
	rs.Server = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		h(rs.conns.Add(1), w, r)
	}))
	t.Cleanup(rs.Close)
	return rs
}

func sseHeaders(w http.ResponseWriter) {
	w.Header().Set("Content-Type", "text/event-stream")
	w.WriteHeader(200)
	w.(http.Flusher).Flush()
}

// serveWSFrames upgrades, sends frames as text messages, then keeps the
// connection up (answering pings) until the client leaves.
func serveWSFrames(w http.ResponseWriter, r *http.Request, frames []string) {
	conn, err := (&websocket.Upgrader{}).Upgrade(w, r, nil)
	if err != nil {
		return
	}
	defer conn.Close()
	for _, m := range frames {
		_ = conn.WriteMessage(websocket.TextMessage, []byte(m))
	}
	for {
		if _, _, err := conn.ReadMessage(); err != nil {
			return
		}
	}
}

func TestStreamWSSkipsBadEvents(t *testing.T) {
	rs := newRawServer(t, func(n int32, w http.ResponseWriter, r *http.Request) {
		conn, err := (&websocket.Upgrader{}).Upgrade(w, r, nil)
		if err != nil {
			return
		}
		defer conn.Close()
		for _, m := range []string{`not json`, `{"time":1}`, `[]`, `{"time":2,"self_id":1,"event_type":"x","data":{}}`, `{"time":3,"event_type":`} {
			_ = conn.WriteMessage(websocket.TextMessage, []byte(m))
		}
		_ = conn.WriteMessage(websocket.BinaryMessage, []byte(`{"time":4,"self_id":1,"event_type":"y","data":{"k":[1]}}`))
		for { // keep the connection up, answering pings, until the client leaves
			if _, _, err := conn.ReadMessage(); err != nil {
				return
			}
		}
	})
	c := newTestClient(t, rs.URL, func(cfg *ClientConfig) { cfg.Logger = quietLog })
	col := &collector{}
	runStream(t, c, fastStream(milky.TransportWS), col)
	require.Eventually(t, func() bool { return col.len() == 2 }, waitLong, time.Millisecond)
	assert.Equal(t, []int64{2, 4}, col.times())
	assert.JSONEq(t, `{"k":[1]}`, string(col.evs[1].Data))
	assert.Equal(t, int32(1), rs.conns.Load(), "bad events never break the stream")
}

func TestStreamSSEParsesAndFilters(t *testing.T) {
	rs := newRawServer(t, func(n int32, w http.ResponseWriter, r *http.Request) {
		sseHeaders(w)
		_, _ = io.WriteString(w, ": hello\r\n\r\n"+
			"event: other\ndata: {\"time\":99,\"event_type\":\"x\"}\n\n"+ // not milky_event: ignored
			"data: {\"time\":98,\"event_type\":\"x\"}\n\n"+ // unnamed ("message"): ignored
			"event: milky_event\r\ndata: {\"time\":1,\r\ndata: \"event_type\":\"a\",\"data\":{}}\r\n\r\n"+ // multi-line, CRLF
			"event: milky_event\ndata: not json\n\n"+
			"event: milky_event\nid: 5\nretry: 10\n: comment inside\ndata: {\"time\":2,\"event_type\":\"b\",\"data\":{}}\n\n"+
			"event: milky_event\ndata: {\"time\":3,\"event_type\":\"c\",\"data\":\""+strings.Repeat("x", 2048)+"\"}\n\n"+ // too large
			"event: milky_event\rdata: {\"time\":4,\"event_type\":\"d\",\"data\":{}}\r\r")
		w.(http.Flusher).Flush()
		<-r.Context().Done()
	})
	c := newTestClient(t, rs.URL, func(cfg *ClientConfig) { cfg.Logger = quietLog })
	col := &collector{}
	sc := fastStream(milky.TransportSSE)
	sc.MaxEventBytes = 1024
	runStream(t, c, sc, col)
	require.Eventually(t, func() bool { return col.len() == 3 }, waitLong, time.Millisecond)
	assert.Equal(t, []int64{1, 2, 4}, col.times())
	assert.Equal(t, int32(1), rs.conns.Load())
}

func TestStreamSendsToken(t *testing.T) {
	for _, transport := range []string{milky.TransportWS, milky.TransportSSE} {
		t.Run(transport, func(t *testing.T) {
			type seen struct{ auth, query, accept string }
			got := make(chan seen, 100)
			rs := newRawServer(t, func(n int32, w http.ResponseWriter, r *http.Request) {
				got <- seen{r.Header.Get("Authorization"), r.URL.Query().Get("access_token"), r.Header.Get("Accept")}
				http.Error(w, "unauthorized", http.StatusUnauthorized)
			})
			obs := &fakeObserver{}
			c := newTestClient(t, rs.URL, func(cfg *ClientConfig) { cfg.Token = "a b&c"; cfg.Observer = obs; cfg.Logger = quietLog })
			runStream(t, c, fastStream(transport), &collector{})
			var first seen
			select {
			case first = <-got:
			case <-time.After(waitLong):
				t.Fatal("no connection attempt")
			}
			assert.Equal(t, "Bearer a b&c", first.auth)
			assert.Equal(t, "a b&c", first.query)
			if transport == milky.TransportSSE {
				assert.Equal(t, "text/event-stream", first.accept)
			}
			// Refused connections are retried with growing attempt numbers.
			require.Eventually(t, func() bool { _, _, r := obs.counts(); return r >= 3 }, waitLong, time.Millisecond)
			obs.mu.Lock()
			assert.Equal(t, []int{1, 2, 3}, obs.reconnects[:3])
			obs.mu.Unlock()
			conn, _, _ := obs.counts()
			assert.Zero(t, conn)
			assert.False(t, c.StreamConnected())
		})
	}
}

func TestStreamIdleTimeout(t *testing.T) {
	t.Run(milky.TransportSSE, func(t *testing.T) {
		rs := newRawServer(t, func(n int32, w http.ResponseWriter, r *http.Request) {
			sseHeaders(w) // then silence
			<-r.Context().Done()
		})
		c := newTestClient(t, rs.URL, func(cfg *ClientConfig) { cfg.Logger = quietLog })
		sc := fastStream(milky.TransportSSE)
		sc.IdleTimeout = 100 * time.Millisecond
		runStream(t, c, sc, &collector{})
		require.Eventually(t, func() bool { return rs.conns.Load() >= 3 }, waitLong, time.Millisecond)
	})
	t.Run(milky.TransportWS, func(t *testing.T) {
		rs := newRawServer(t, func(n int32, w http.ResponseWriter, r *http.Request) {
			conn, err := (&websocket.Upgrader{}).Upgrade(w, r, nil)
			if err != nil {
				return
			}
			defer conn.Close()
			<-r.Context().Done() // never reads: pings go unanswered
		})
		c := newTestClient(t, rs.URL, func(cfg *ClientConfig) { cfg.Logger = quietLog })
		sc := fastStream(milky.TransportWS)
		sc.IdleTimeout = 100 * time.Millisecond
		runStream(t, c, sc, &collector{})
		require.Eventually(t, func() bool { return rs.conns.Load() >= 3 }, waitLong, time.Millisecond)
	})
}

func TestStreamSSEKeepAliveCommentsKeepItUp(t *testing.T) {
	rs := newRawServer(t, func(n int32, w http.ResponseWriter, r *http.Request) {
		sseHeaders(w)
		tick := time.NewTicker(20 * time.Millisecond)
		defer tick.Stop()
		for i := 0; ; i++ {
			select {
			case <-r.Context().Done():
				return
			case <-tick.C:
				_, _ = io.WriteString(w, ":\n")
				if i == 40 {
					_, _ = io.WriteString(w, "event: milky_event\ndata: {\"time\":7,\"event_type\":\"e\",\"data\":{}}\n\n")
				}
				w.(http.Flusher).Flush()
			}
		}
	})
	c := newTestClient(t, rs.URL, func(cfg *ClientConfig) { cfg.Logger = quietLog })
	sc := fastStream(milky.TransportSSE)
	sc.IdleTimeout = 2 * time.Second // 100× the comment interval
	col := &collector{}
	runStream(t, c, sc, col)
	require.Eventually(t, func() bool { return col.len() == 1 }, waitLong, time.Millisecond)
	assert.Equal(t, int32(1), rs.conns.Load())
}

func TestStreamRejectsWrongContentType(t *testing.T) {
	rs := newRawServer(t, func(n int32, w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "application/json")
		_, _ = io.WriteString(w, "{}")
	})
	obs := &fakeObserver{}
	c := newTestClient(t, rs.URL, func(cfg *ClientConfig) { cfg.Observer = obs; cfg.Logger = quietLog })
	runStream(t, c, fastStream(milky.TransportSSE), &collector{})
	require.Eventually(t, func() bool { _, _, r := obs.counts(); return r >= 2 }, waitLong, time.Millisecond)
	conn, _, _ := obs.counts()
	assert.Zero(t, conn)
}

// TestStreamBackoffGrowsWithoutEvents: connections that close at once
// without an event count as failures, so the attempt number grows; one
// that delivers an event resets it.
func TestStreamBackoffGrowsWithoutEvents(t *testing.T) {
	rs := newRawServer(t, func(n int32, w http.ResponseWriter, r *http.Request) {
		conn, err := (&websocket.Upgrader{}).Upgrade(w, r, nil)
		if err != nil {
			return
		}
		if n == 4 {
			_ = conn.WriteMessage(websocket.TextMessage, []byte(`{"time":1,"event_type":"e","data":{}}`))
		}
		_ = conn.WriteControl(websocket.CloseMessage, websocket.FormatCloseMessage(websocket.CloseGoingAway, ""), time.Now().Add(time.Second))
		_ = conn.Close()
	})
	obs := &fakeObserver{}
	c := newTestClient(t, rs.URL, func(cfg *ClientConfig) { cfg.Observer = obs; cfg.Logger = quietLog })
	runStream(t, c, StreamConfig{MinBackoff: time.Millisecond, MaxBackoff: 4 * time.Millisecond}, &collector{})
	require.Eventually(t, func() bool { _, _, r := obs.counts(); return r >= 6 }, waitLong, time.Millisecond)
	obs.mu.Lock()
	defer obs.mu.Unlock()
	assert.Equal(t, []int{1, 2, 3, 1, 2, 3}, obs.reconnects[:6])
}

func TestRunEventsConnectRefusedBackoff(t *testing.T) {
	obs := &fakeObserver{}
	c := newTestClient(t, "http://"+testkit.FreeAddr(t), func(cfg *ClientConfig) { cfg.Observer = obs; cfg.Logger = quietLog })
	c.rand = func() float64 { return 0.5 }
	runStream(t, c, StreamConfig{MinBackoff: 10 * time.Millisecond, MaxBackoff: 40 * time.Millisecond}, &collector{})
	require.Eventually(t, func() bool { _, _, r := obs.counts(); return r >= 5 }, waitLong, time.Millisecond)
	obs.mu.Lock()
	defer obs.mu.Unlock()
	assert.Equal(t, []int{1, 2, 3, 4, 5}, obs.reconnects[:5])
	for i, ceiling := range []float64{0.010, 0.020, 0.040, 0.040, 0.040} {
		assert.InDelta(t, ceiling/2, obs.delays[i], 1e-9, "attempt %d: full jitter below the ceiling", i+1)
	}
}

func TestStreamConfigValidation(t *testing.T) {
	c := newTestClient(t, "http://127.0.0.1:1", nil)
	for _, sc := range []StreamConfig{
		{Transport: "grpc"},
		{MinBackoff: -1},
		{MinBackoff: time.Second, MaxBackoff: time.Millisecond},
		{MaxEventBytes: 2 << 30},
	} {
		err := c.RunEvents(context.Background(), sc, func(*milky.Event) {})
		require.Error(t, err, "%+v", sc)
	}
	err := c.RunEvents(context.Background(), StreamConfig{Transport: "grpc"}, func(*milky.Event) {})
	assert.ErrorContains(t, err, "Transport")
	assert.Error(t, c.RunEvents(context.Background(), StreamConfig{}, nil))

	sc, err := StreamConfig{}.withDefaults()
	require.NoError(t, err)
	assert.Equal(t, StreamConfig{Transport: "ws", MinBackoff: 250 * time.Millisecond, MaxBackoff: 5 * time.Second,
		IdleTimeout: 60 * time.Second, MaxEventBytes: 16 << 20}, sc)
}

func TestRunEventsReturnsOnCancelWhileWaiting(t *testing.T) {
	c := newTestClient(t, "http://127.0.0.1:1", func(cfg *ClientConfig) { cfg.Logger = quietLog })
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() {
		done <- c.RunEvents(ctx, StreamConfig{MinBackoff: time.Hour, MaxBackoff: time.Hour}, func(*milky.Event) {})
	}()
	time.Sleep(50 * time.Millisecond)
	cancel()
	select {
	case err := <-done:
		assert.NoError(t, err)
	case <-time.After(waitLong):
		t.Fatal("RunEvents ignored cancel during back-off")
	}
}

// BenchmarkStream: events per second from Publish to the client's handler.
func BenchmarkStream(b *testing.B) {
	for _, transport := range []string{milky.TransportWS, milky.TransportSSE} {
		b.Run(transport, func(b *testing.B) {
			s, base := servePeer(b, server.Config{QueueEvents: 1 << 16})
			c, err := NewClient(ClientConfig{BaseURL: base, Logger: quietLog})
			require.NoError(b, err)
			var got atomic.Int64
			ctx, cancel := context.WithCancel(context.Background())
			done := make(chan struct{})
			go func() {
				defer close(done)
				_ = c.RunEvents(ctx, StreamConfig{Transport: transport}, func(*milky.Event) { got.Add(1) })
			}()
			for s.Subscribers() != 1 {
				time.Sleep(time.Millisecond)
			}
			msg, _ := json.Marshal(milky.IncomingMessage{MessageScene: milky.SceneGroup, PeerID: 20001, MessageSeq: 1, SenderID: 10002, Time: 1,
				Segments: []milky.IncomingSegment{{Type: milky.SegText, Data: milky.IncomingSegmentData{Text: "hello world"}}},
				Group:    &milky.Group{GroupID: 20001, GroupName: "g"}, GroupMember: &milky.GroupMember{UserID: 10002, GroupID: 20001}})
			ev := &milky.Event{Time: 1, SelfID: 10001, EventType: milky.EventMessageReceive, Data: msg}
			b.ReportAllocs()
			b.ResetTimer()
			for i := range b.N {
				for int64(i)-got.Load() > 10_000 { // stay far below the queue bound: no drops
					time.Sleep(50 * time.Microsecond)
				}
				s.Publish(ev)
			}
			for got.Load() < int64(b.N) {
				time.Sleep(100 * time.Microsecond)
			}
			b.StopTimer()
			cancel()
			<-done
		})
	}
}

// TestStreamSlowHandlerIsNotIdle: time spent in the handler must not count
// as the server being silent (that would drop the connection and the
// events already buffered on it).
func TestStreamSlowHandlerIsNotIdle(t *testing.T) {
	for _, transport := range []string{milky.TransportWS, milky.TransportSSE} {
		t.Run(transport, func(t *testing.T) {
			s, base := servePeer(t, server.Config{})
			obs := &fakeObserver{}
			c := newTestClient(t, base, func(cfg *ClientConfig) { cfg.Observer = obs; cfg.Logger = quietLog })
			sc := fastStream(transport)
			sc.IdleTimeout = 100 * time.Millisecond
			var (
				mu        sync.Mutex
				connsSeen []int
				got       []int64
			)
			ctx, cancel := context.WithCancel(context.Background())
			done := make(chan struct{})
			go func() {
				defer close(done)
				_ = c.RunEvents(ctx, sc, func(ev *milky.Event) {
					conn, _, _ := obs.counts()
					mu.Lock()
					connsSeen = append(connsSeen, conn)
					got = append(got, ev.Time)
					mu.Unlock()
					time.Sleep(300 * time.Millisecond) // 3× the idle timeout
				})
			}()
			defer func() { cancel(); <-done }()
			require.Eventually(t, func() bool { return s.Subscribers() == 1 }, waitLong, time.Millisecond)
			for i := range 3 {
				s.Publish(testEvent(i))
			}
			require.Eventually(t, func() bool { mu.Lock(); defer mu.Unlock(); return len(got) == 3 }, waitLong, time.Millisecond)
			mu.Lock()
			defer mu.Unlock()
			assert.Equal(t, []int64{0, 1, 2}, got)
			assert.Equal(t, []int{1, 1, 1}, connsSeen, "one connection delivered all three")
		})
	}
}

func TestStreamNeverLogsToken(t *testing.T) {
	refused := "http://" + testkit.FreeAddr(t)
	rs := newRawServer(t, func(n int32, w http.ResponseWriter, r *http.Request) {
		http.Error(w, "unauthorized", http.StatusUnauthorized)
	})
	for _, base := range []string{refused, rs.URL} {
		for _, transport := range []string{milky.TransportWS, milky.TransportSSE} {
			var buf syncBuffer
			obs := &fakeObserver{}
			c := newTestClient(t, base, func(cfg *ClientConfig) {
				cfg.Token = "TOPSECRET"
				cfg.Observer = obs
				cfg.Logger = slog.New(slog.NewTextHandler(&buf, &slog.HandlerOptions{Level: slog.LevelDebug}))
			})
			stop := runStream(t, c, fastStream(transport), &collector{})
			require.Eventually(t, func() bool { _, _, r := obs.counts(); return r >= 2 }, waitLong, time.Millisecond)
			stop()
			out := buf.String()
			assert.Contains(t, out, "connect failed")
			assert.NotContains(t, out, "TOPSECRET", "%s %s", base, transport)
		}
	}
}

type syncBuffer struct {
	mu sync.Mutex
	b  strings.Builder
}

func (s *syncBuffer) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.Write(p)
}

func (s *syncBuffer) String() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.String()
}

// A 401 on the event stream names its cause and the fix, not just the
// WebSocket library's "bad handshake".
func TestStreamLogs401Cause(t *testing.T) {
	rs := newRawServer(t, func(n int32, w http.ResponseWriter, r *http.Request) {
		http.Error(w, "unauthorized", http.StatusUnauthorized)
	})
	for _, token := range []string{"wrong", ""} {
		for _, transport := range []string{milky.TransportWS, milky.TransportSSE} {
			t.Run(transport+"/token="+token, func(t *testing.T) {
				var buf syncBuffer
				obs := &fakeObserver{}
				c := newTestClient(t, rs.URL, func(cfg *ClientConfig) {
					cfg.Token = token
					cfg.Observer = obs
					cfg.Logger = slog.New(slog.NewTextHandler(&buf, nil))
				})
				stop := runStream(t, c, fastStream(transport), &collector{})
				require.Eventually(t, func() bool { _, _, r := obs.counts(); return r >= 1 }, waitLong, time.Millisecond)
				stop()
				out := buf.String()
				assert.Contains(t, out, "upstream rejected the gateway's access token (HTTP 401 on /event)")
				assert.Contains(t, out, "--upstream-token")
				if token == "" {
					assert.Contains(t, out, "no token was sent")
				} else {
					assert.NotContains(t, out, token)
				}
			})
		}
	}
}

// With ReuseEvent every event arrives in the same *milky.Event and Data
// buffer: what handle sees is exactly that event's data, whatever the
// size of the one before (nothing of a longer predecessor shows through,
// and an event without data has none).
func TestStreamReuseEventData(t *testing.T) {
	frames := []string{
		`{"time":1,"self_id":1,"event_type":"x","data":{"long":"` + strings.Repeat("a", 300) + `"}}`,
		`{"time":2,"self_id":1,"event_type":"x","data":{"k":1}}`,
		`{"time":3,"self_id":1,"event_type":"x"}`,
		`{"time":4,"self_id":1,"event_type":"x","data":[2]}`,
	}
	rs := newRawServer(t, func(n int32, w http.ResponseWriter, r *http.Request) {
		serveWSFrames(w, r, frames)
	})
	c := newTestClient(t, rs.URL, func(cfg *ClientConfig) { cfg.Logger = quietLog })
	var (
		mu   sync.Mutex
		seen []string
		ptrs = map[*milky.Event]bool{}
	)
	sc := fastStream(milky.TransportWS)
	sc.ReuseEvent = true
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() {
		done <- c.RunEvents(ctx, sc, func(ev *milky.Event) {
			mu.Lock()
			defer mu.Unlock()
			seen = append(seen, fmt.Sprintf("%d %s", ev.Time, ev.Data)) // a copy: Data is reused
			ptrs[ev] = true
		})
	}()
	defer func() {
		cancel()
		require.NoError(t, <-done)
	}()
	require.Eventually(t, func() bool { mu.Lock(); defer mu.Unlock(); return len(seen) == len(frames) }, waitLong, time.Millisecond)
	mu.Lock()
	defer mu.Unlock()
	assert.Equal(t, []string{
		`1 {"long":"` + strings.Repeat("a", 300) + `"}`,
		`2 {"k":1}`,
		`3 `,
		`4 [2]`,
	}, seen)
	assert.Len(t, ptrs, 1, "one event value serves every event")
}

// TryEvent sees every payload first, in order: what it takes never reaches
// handle, what it declines is decoded and handled as without it, a panic
// in it skips that one event, and the stream goes on (WS and SSE).
func TestStreamTryEvent(t *testing.T) {
	frames := []string{
		`{"time":1,"self_id":1,"event_type":"taken","data":{}}`,
		`{"time":2,"self_id":1,"event_type":"x","data":{"k":1}}`,
		`{"time":3,"self_id":1,"event_type":"panic","data":{}}`,
		`not json`,
		`{"time":4,"self_id":1,"event_type":"taken","data":{}}`,
		`{"time":5,"self_id":1,"event_type":"x","data":{}}`,
	}
	for _, transport := range []string{milky.TransportWS, milky.TransportSSE} {
		t.Run(transport, func(t *testing.T) {
			rs := newRawServer(t, func(n int32, w http.ResponseWriter, r *http.Request) {
				if transport == milky.TransportSSE {
					sseHeaders(w)
					for _, m := range frames {
						_, _ = fmt.Fprintf(w, "event: %s\ndata: %s\n\n", milky.SSEEventName, m)
					}
					w.(http.Flusher).Flush()
					<-r.Context().Done()
					return
				}
				serveWSFrames(w, r, frames)
			})
			c := newTestClient(t, rs.URL, func(cfg *ClientConfig) { cfg.Logger = quietLog })
			var (
				mu  sync.Mutex
				log []string
			)
			sc := fastStream(transport)
			sc.ReuseEvent = true
			sc.TryEvent = func(payload []byte) bool {
				mu.Lock()
				defer mu.Unlock()
				log = append(log, "try "+string(payload))
				switch {
				case strings.Contains(string(payload), `"panic"`):
					panic("mapping bug")
				case strings.Contains(string(payload), `"taken"`):
					log = append(log, "took")
					return true
				}
				return false
			}
			ctx, cancel := context.WithCancel(context.Background())
			done := make(chan error, 1)
			go func() {
				done <- c.RunEvents(ctx, sc, func(ev *milky.Event) {
					mu.Lock()
					defer mu.Unlock()
					log = append(log, fmt.Sprintf("handle %d", ev.Time))
				})
			}()
			defer func() {
				cancel()
				require.NoError(t, <-done)
			}()
			want := []string{
				"try " + frames[0], "took",
				"try " + frames[1], "handle 2",
				"try " + frames[2],
				"try " + frames[3],
				"try " + frames[4], "took",
				"try " + frames[5], "handle 5",
			}
			require.Eventually(t, func() bool { mu.Lock(); defer mu.Unlock(); return len(log) >= len(want) }, waitLong, time.Millisecond)
			mu.Lock()
			defer mu.Unlock()
			assert.Equal(t, want, log)
			assert.Equal(t, int32(1), rs.conns.Load(), "the stream goes on")
		})
	}
}
