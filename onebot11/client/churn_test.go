package client

import (
	"testing"
	"time"

	"github.com/goccy/go-json"
	"github.com/stretchr/testify/require"

	"github.com/qqbridge/gateway/internal/testkit"
	"github.com/qqbridge/gateway/onebot11/ob11fake"
)

// TestDropChurnLeaksNoGoroutines: an upstream that drops its WebSocket
// over and over, a call in flight at every drop, leaves the client with
// the goroutines it had on its first connection, for both WebSocket
// modes. milky/client's stream has the same check
// (TestStreamReconnectNoGoroutineLeak); a per-connection goroutine left
// behind (a reader, a pinger, a pending call's waiter) would add up over
// days of a flapping upstream.
func TestDropChurnLeaksNoGoroutines(t *testing.T) {
	const drops = 40
	for _, mode := range []string{"forward", "reverse"} {
		t.Run(mode, func(t *testing.T) {
			f := newFake(t, ob11fake.Options{})
			f.Handle("hang", func(json.RawMessage) ob11fake.Reply { return ob11fake.Reply{NoReply: true} })
			col := newCollector()
			obs := newObserver()
			var c *Client
			connect := func() {}
			if mode == "forward" {
				url, err := f.ListenWS("127.0.0.1:0")
				require.NoError(t, err)
				c = start(t, Config{URL: url, Handler: col, Observer: obs, MinBackoff: time.Millisecond, MaxBackoff: 10 * time.Millisecond})
			} else {
				c = start(t, Config{Listen: "127.0.0.1:0", Handler: col, Observer: obs})
				connect = func() { require.NoError(t, f.DialReverse(ctxT(t), reverseURL(c), "Universal")) }
			}
			// settled returns once connection n is up and ready (the fake
			// may still count the dropped one for a moment).
			settled := func(n int) {
				connect()
				require.Eventually(t, func() bool { return obs.connectedCount() >= n }, 5*time.Second, time.Millisecond)
				waitReady(t, c)
				require.NoError(t, f.WaitConns(ctxT(t), 1))
			}
			settled(1)
			before := churnGoroutines()

			for i := range drops {
				require.NoError(t, f.Emit(ob11fake.PrivateMessage(f.SelfID(), i+1, "hi")))
				dropWithCallInFlight(t, f, c, i+1)
				settled(i + 2)
			}
			require.Equal(t, seq(1, drops), col.waitEvents(t, drops), "every event once, in order")

			// Polled by hand: require.Eventually runs its condition on a
			// goroutine of its own. The fake's HTTP server ends a dropped
			// connection's goroutines a little after WaitConns sees it gone.
			deadline := time.Now().Add(5 * time.Second)
			for churnGoroutines() > before && time.Now().Before(deadline) {
				time.Sleep(10 * time.Millisecond)
			}
			if n := churnGoroutines(); n > before {
				t.Fatalf("goroutines after %d drops: %d, after the first connection: %d\n%s",
					drops, n, before, testkit.GoroutineDump())
			}
		})
	}
}

func (o *observer) connectedCount() int {
	o.mu.Lock()
	defer o.mu.Unlock()
	return o.connected
}

// churnGoroutines counts goroutines but fasthttp's worker pool cleaner,
// which comes and goes on its own schedule.
func churnGoroutines() int {
	return testkit.GoroutinesBut("fasthttp.(*workerPool).Start.func")
}
