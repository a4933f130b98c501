package client

import (
	"context"
	"io"
	"log/slog"
	"slices"
	"sync"
	"testing"
	"time"

	"github.com/goccy/go-json"
	"github.com/qqbridge/gateway/onebot11/ob11fake"
	"github.com/stretchr/testify/require"
)

// collector is a Handler that keeps copies of the events it gets.
type collector struct {
	mu     sync.Mutex
	events [][]byte
	metas  [][]byte
	notify chan struct{}
}

func newCollector() *collector { return &collector{notify: make(chan struct{}, 1)} }

func (c *collector) OnEvent(raw []byte) {
	c.mu.Lock()
	c.events = append(c.events, append([]byte(nil), raw...))
	c.mu.Unlock()
	select {
	case c.notify <- struct{}{}:
	default:
	}
}

func (c *collector) OnMeta(raw []byte) {
	c.mu.Lock()
	c.metas = append(c.metas, append([]byte(nil), raw...))
	c.mu.Unlock()
}

// waitEvents waits until n events arrived and returns their message_ids.
func (c *collector) waitEvents(t *testing.T, n int) []int {
	t.Helper()
	deadline := time.After(5 * time.Second)
	for {
		c.mu.Lock()
		got := len(c.events)
		c.mu.Unlock()
		if got >= n {
			break
		}
		select {
		case <-c.notify:
		case <-deadline:
			t.Fatalf("got %d events, want %d", got, n)
		}
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	ids := make([]int, 0, len(c.events))
	for _, e := range c.events {
		var ev struct {
			MessageID int `json:"message_id"`
		}
		require.NoError(t, json.Unmarshal(e, &ev))
		ids = append(ids, ev.MessageID)
	}
	return ids
}

func seq(from, to int) []int {
	var s []int
	for i := from; i <= to; i++ {
		s = append(s, i)
	}
	return s
}

// observer records hooks.
type observer struct {
	mu           sync.Mutex
	calls        map[string]int
	connected    int
	disconnected int
	reconnects   int
	attempts     []int     // ReconnectScheduled's attempt, in order
	delays       []float64 // and its delay (seconds)
	dropped      map[string]int
}

func newObserver() *observer {
	return &observer{calls: map[string]int{}, dropped: map[string]int{}}
}

func (o *observer) APICall(action string, _ float64, _ error) {
	o.mu.Lock()
	o.calls[action]++
	o.mu.Unlock()
}
func (o *observer) StreamConnected(string) { o.mu.Lock(); o.connected++; o.mu.Unlock() }
func (o *observer) StreamDisconnected(string, error) {
	o.mu.Lock()
	o.disconnected++
	o.mu.Unlock()
}
func (o *observer) ReconnectScheduled(_ string, attempt int, delay float64) {
	o.mu.Lock()
	o.reconnects++
	o.attempts = append(o.attempts, attempt)
	o.delays = append(o.delays, delay)
	o.mu.Unlock()
}
func (o *observer) reconnectCount() int {
	o.mu.Lock()
	defer o.mu.Unlock()
	return o.reconnects
}

// schedule copies the attempts and delays reported so far.
func (o *observer) schedule() ([]int, []float64) {
	o.mu.Lock()
	defer o.mu.Unlock()
	return slices.Clone(o.attempts), slices.Clone(o.delays)
}
func (o *observer) EventDropped(_, reason string) {
	o.mu.Lock()
	o.dropped[reason]++
	o.mu.Unlock()
}
func (o *observer) droppedOf(reason string) int {
	o.mu.Lock()
	defer o.mu.Unlock()
	return o.dropped[reason]
}

func quietLogger() *slog.Logger { return slog.New(slog.NewTextHandler(io.Discard, nil)) }

// start builds and starts a client, closed at test end.
func start(t testing.TB, cfg Config) *Client {
	t.Helper()
	c := build(t, cfg)
	require.NoError(t, c.Start())
	return c
}

// build builds a client, closed at test end, for a test that sets its
// unexported fields (rand) before it starts it.
func build(t testing.TB, cfg Config) *Client {
	t.Helper()
	if cfg.Logger == nil {
		cfg.Logger = quietLogger()
	}
	c, err := New(cfg)
	require.NoError(t, err)
	t.Cleanup(func() { _ = c.Close() })
	return c
}

func newFake(t testing.TB, opts ob11fake.Options) *ob11fake.Fake {
	f := ob11fake.New(opts)
	t.Cleanup(f.Close)
	return f
}

func waitReady(t *testing.T, c *Client) {
	t.Helper()
	require.Eventually(t, c.Ready, 5*time.Second, 5*time.Millisecond, "client never became ready")
}

func ctxT(t *testing.T) context.Context {
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	t.Cleanup(cancel)
	return ctx
}
