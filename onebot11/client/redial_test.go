package client

import (
	"context"
	"net"
	"net/http"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/gorilla/websocket"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/qqbridge/gateway/internal/testkit"
	"github.com/qqbridge/gateway/onebot11"
	"github.com/qqbridge/gateway/onebot11/ob11fake"
)

// heldUpstream is a loopback WebSocket endpoint that refuses every
// handshake (HTTP 503, as an implementation that is not ready yet), holding
// the first one until the test releases it.
type heldUpstream struct {
	addr    string
	srv     *http.Server
	n       atomic.Int32
	held    chan struct{} // closed when the first handshake arrived
	gate    chan struct{} // closed to answer it
	release func()
}

func newHeldUpstream(t *testing.T) *heldUpstream {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	require.NoError(t, err)
	u := &heldUpstream{addr: ln.Addr().String(), held: make(chan struct{}), gate: make(chan struct{})}
	var once sync.Once
	u.release = func() { once.Do(func() { close(u.gate) }) }
	u.srv = &http.Server{Handler: http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) {
		if u.n.Add(1) == 1 {
			close(u.held)
			<-u.gate
		}
		http.Error(w, "not ready", http.StatusServiceUnavailable)
	})}
	go func() { _ = u.srv.Serve(ln) }()
	t.Cleanup(func() {
		u.release()
		_ = u.srv.Close()
	})
	return u
}

// waitParked waits until a goroutine is blocked in a select statement of
// fn itself (the function's name as a stack trace spells it, e.g.
// "(*Client).forwardLoop"). It reads the goroutine dump, so the test knows
// where the client's goroutines are instead of guessing how long they take
// to get there. Tests of this package do not run in parallel: the only such
// goroutines are the test's own client's.
func waitParked(t *testing.T, fn string) {
	t.Helper()
	require.Eventually(t, func() bool { return parkedIn(fn) }, 10*time.Second, time.Millisecond,
		"no goroutine waits in %s", fn)
}

func parkedIn(fn string) bool {
	want := "github.com/qqbridge/gateway/onebot11/client." + fn + "("
	for _, g := range strings.Split(testkit.GoroutineDump(), "\n\n") {
		lines := strings.Split(g, "\n")
		if !strings.Contains(lines[0], " [select") {
			continue
		}
		// The first frame outside the runtime is the function waiting.
		for _, l := range lines[1:] {
			if strings.HasPrefix(l, "runtime.") || strings.HasPrefix(l, "\t") {
				continue
			}
			if strings.HasPrefix(l, want) {
				return true
			}
			break
		}
	}
	return false
}

// TestForwardCallDuringDialLeavesNoRedialRequest: a call made while a dial
// is in progress waits for that dial and fails with its refusal, and
// leaves nothing behind: the loop then waits its scheduled delay, as it
// does when no call raced the dial. Calls within MinBackoff of the refusal
// fail fast without dialing; after it, one call redials at once.
//
// The client once queued the call's "dial now" request even though the
// dial in progress answered the call; the loop found it when it began to
// wait and redialled at once, skipping the backoff only when a call had
// raced the previous dial.
func TestForwardCallDuringDialLeavesNoRedialRequest(t *testing.T) {
	up := newHeldUpstream(t)
	obs := newObserver()
	// An hour of backoff: only a call can bring a dial early, and the
	// timer's redial never comes within the test.
	c := build(t, Config{URL: "ws://" + up.addr, Observer: obs, DialTimeout: 10 * time.Second,
		MinBackoff: time.Hour, MaxBackoff: time.Hour})
	c.rand = func() float64 { return 0.999 }
	require.NoError(t, c.Start())
	select {
	case <-up.held:
	case <-time.After(10 * time.Second):
		t.Fatal("the client did not dial")
	}

	// A call while the first dial is in progress waits for it...
	callErr := make(chan error, 1)
	go func() { callErr <- c.Call(context.Background(), "get_status", nil, nil) }()
	waitParked(t, "(*Client).apiLinkFor")
	up.release()
	// ...and fails with its refusal.
	var ue *onebot11.UnavailableError
	select {
	case err := <-callErr:
		require.ErrorAs(t, err, &ue)
		require.Contains(t, err.Error(), "HTTP 503")
	case <-time.After(10 * time.Second):
		t.Fatal("the call did not end with the dial")
	}

	// The loop waits its delay: no redial for the call already answered.
	require.Eventually(t, func() bool { return obs.reconnectCount() >= 1 }, 10*time.Second, time.Millisecond)
	waitParked(t, "(*Client).forwardLoop")
	require.Equal(t, int32(1), up.n.Load(), "handshakes: the first dial only")
	attempts, delays := obs.schedule()
	require.Equal(t, []int{1}, attempts, "one redial scheduled, after the first dial")
	require.InDelta(t, 0.999*time.Hour.Seconds(), delays[0], 1e-6, "with the delay the backoff gave")

	// Within MinBackoff of the refusal a call fails fast with it, and dials nothing.
	err := c.Call(ctxT(t), "get_status", nil, nil)
	require.ErrorAs(t, err, &ue)
	require.Contains(t, err.Error(), "HTTP 503")
	waitParked(t, "(*Client).forwardLoop")
	require.Equal(t, int32(1), up.n.Load(), "handshakes: still the first only")

	// The upstream is back. Once MinBackoff has passed since the refusal
	// (the clock is moved rather than waited for), a call redials at once.
	require.NoError(t, up.srv.Close())
	f := newFake(t, ob11fake.Options{})
	_, err = f.ListenWS(up.addr)
	require.NoError(t, err)
	c.mu.Lock()
	c.lastDialAt = c.lastDialAt.Add(-time.Hour)
	c.mu.Unlock()
	require.NoError(t, c.Call(ctxT(t), "get_status", nil, nil))
	require.NoError(t, f.WaitConns(ctxT(t), 1))
	attempts, _ = obs.schedule()
	assert.Equal(t, []int{1}, attempts, "the call's redial, not the timer's")
}

// TestForwardShutdownEndsACallWaitingForADial: Shutdown fails a call that
// waits for a dial's outcome at once, as it does every pending call. The
// redial loop may take Shutdown's cancellation instead of the call's
// request and exit without dialing; here no loop runs at all (the client
// is marked started without one), which is that case made certain.
func TestForwardShutdownEndsACallWaitingForADial(t *testing.T) {
	c := build(t, Config{URL: "ws://127.0.0.1:1"})
	c.mu.Lock()
	c.started = true
	c.mu.Unlock()
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	callErr := make(chan error, 1)
	go func() { callErr <- c.Call(ctx, "get_status", nil, nil) }()
	waitParked(t, "(*Client).apiLinkFor")
	require.NoError(t, c.Close())
	err := <-callErr
	var ue *onebot11.UnavailableError
	require.ErrorAs(t, err, &ue)
	require.ErrorIs(t, err, errClosed, "not the call's own deadline: %v", err)
}

// droppingUpstream is a loopback WebSocket endpoint that accepts every
// handshake, sends the lifecycle connect frame an implementation sends,
// optionally one event, and closes: an implementation whose only socket
// another client keeps taking, or that rejects the token after upgrading.
func droppingUpstream(t *testing.T, withEvent bool) string {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	require.NoError(t, err)
	up := websocket.Upgrader{}
	srv := &http.Server{Handler: http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		conn, err := up.Upgrade(w, r, nil)
		if err != nil {
			return
		}
		defer conn.Close()
		_ = conn.WriteMessage(websocket.TextMessage, []byte(`{"time":1,"self_id":10001,"post_type":"meta_event","meta_event_type":"lifecycle","sub_type":"connect"}`))
		if withEvent {
			_ = conn.WriteMessage(websocket.TextMessage, []byte(`{"time":1,"self_id":10001,"post_type":"notice","notice_type":"friend_add","user_id":20002}`))
		}
		_ = conn.WriteMessage(websocket.CloseMessage, websocket.FormatCloseMessage(websocket.CloseNormalClosure, ""))
	})}
	go func() { _ = srv.Serve(ln) }()
	t.Cleanup(func() { _ = srv.Close() })
	return "ws://" + ln.Addr().String()
}

// TestForwardRedialAfterAnEmptyConnection: a connection that did no work
// (the lifecycle frame only) and lived under 10 s does not start the
// back-off over, so an upstream that accepts and drops at once is redialled
// ever later, up to MaxBackoff; one that delivered an event does, as
// milky/client's event stream does for both.
func TestForwardRedialAfterAnEmptyConnection(t *testing.T) {
	for _, tc := range []struct {
		name      string
		withEvent bool
		want      []int
	}{
		{"lifecycle only", false, []int{1, 2, 3, 4}},
		{"an event", true, []int{1, 1, 1, 1}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			obs := newObserver()
			c := build(t, Config{URL: droppingUpstream(t, tc.withEvent), Observer: obs, Handler: newCollector(),
				MinBackoff: time.Millisecond, MaxBackoff: 4 * time.Millisecond})
			c.rand = func() float64 { return 0.5 }
			require.NoError(t, c.Start())
			require.Eventually(t, func() bool { return obs.reconnectCount() >= len(tc.want) }, 10*time.Second, time.Millisecond)
			attempts, _ := obs.schedule()
			require.Equal(t, tc.want, attempts[:len(tc.want)])
		})
	}
}
