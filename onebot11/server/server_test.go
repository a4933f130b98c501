package server

import (
	"context"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/goccy/go-json"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/qqbridge/gateway/internal/syncbuf"
	"github.com/qqbridge/gateway/internal/testkit"
	"github.com/qqbridge/gateway/onebot11"
	"github.com/qqbridge/gateway/onebot11/ob11test"
)

const testSelfID = 10001

// fakeBackend implements Backend with a few scripted actions:
//
//	echo_params        → data {"action": name, "params": <params as received>}
//	sleep {ms}         → waits ms (honours ctx), data "slept"
//	block              → waits for release() (honours ctx); started() signals entry
//	ignore_ctx {ms}    → sleeps ms ignoring ctx
//	bad                → 1400
//	fail               → 1500
//	panic              → panics
//	.handle_quick_operation → ok
//	anything else      → 1404
type fakeBackend struct {
	selfID atomic.Int64
	calls  atomic.Int64

	mu      sync.Mutex
	actions []string
	quick   []quickCall

	quickCh chan quickCall
	blockIn chan struct{}
	// validations counts ValidateAction calls.
	validations atomic.Int64
	blockGate   chan struct{}
	actionCh    chan string
}

type quickCall struct {
	event, op json.RawMessage
}

func newFakeBackend() *fakeBackend {
	b := &fakeBackend{
		quickCh:   make(chan quickCall, 100),
		blockIn:   make(chan struct{}, 100),
		blockGate: make(chan struct{}),
		actionCh:  make(chan string, 1000),
	}
	b.selfID.Store(testSelfID)
	return b
}

func (b *fakeBackend) release() { close(b.blockGate) }

func (b *fakeBackend) HandleAction(ctx context.Context, action string, params json.RawMessage) *onebot11.Response {
	b.calls.Add(1)
	b.mu.Lock()
	b.actions = append(b.actions, action)
	b.mu.Unlock()
	select {
	case b.actionCh <- action:
	default:
	}
	p, err := onebot11.ParseParams(params)
	if err != nil {
		return onebot11.Failed(onebot11.RetcodeBadRequest, err.Error())
	}
	switch action {
	case "echo_params", "get_status", ".handle_quick_operation":
		var raw any = json.RawMessage("null")
		if len(params) > 0 {
			raw = params
		}
		return onebot11.OK(map[string]any{"action": action, "params": raw})
	case "sleep":
		ms, _ := p.OptInt64(0, "ms")
		select {
		case <-time.After(time.Duration(ms) * time.Millisecond):
			return onebot11.OK("slept")
		case <-ctx.Done():
			return onebot11.Failed(onebot11.RetcodeUpstreamDown, ctx.Err().Error())
		}
	case "block":
		b.blockIn <- struct{}{}
		select {
		case <-b.blockGate:
			return onebot11.OK("released")
		case <-ctx.Done():
			return onebot11.Failed(onebot11.RetcodeUpstreamDown, ctx.Err().Error())
		}
	case "ignore_ctx":
		ms, _ := p.OptInt64(0, "ms")
		time.Sleep(time.Duration(ms) * time.Millisecond)
		return onebot11.OK("late")
	case "bad":
		return onebot11.Failed(onebot11.RetcodeBadRequest, "missing parameter user_id")
	case "fail":
		return onebot11.Failed(onebot11.RetcodeUpstream, "upstream said no")
	case "panic":
		panic("boom")
	}
	return onebot11.Failed(onebot11.RetcodeNotFound, "unknown action "+onebot11.Clip(action))
}

// ValidateAction mirrors translate.Validate: unknown names and the "bad"
// action's params are refused without running anything.
func (b *fakeBackend) ValidateAction(_ context.Context, action string, params json.RawMessage) *onebot11.Response {
	b.validations.Add(1)
	switch action {
	case "echo_params", "get_status", ".handle_quick_operation", "sleep", "block", "ignore_ctx", "fail", "panic":
		return nil
	case "bad":
		return onebot11.Failed(onebot11.RetcodeBadRequest, "missing parameter user_id")
	case "validate_panics":
		panic("validator bug")
	}
	return onebot11.Failed(onebot11.RetcodeNotFound, "unknown action "+onebot11.Clip(action))
}

func (b *fakeBackend) QuickOperation(_ context.Context, event, op json.RawMessage) error {
	q := quickCall{event: append(json.RawMessage(nil), event...), op: append(json.RawMessage(nil), op...)}
	b.mu.Lock()
	b.quick = append(b.quick, q)
	b.mu.Unlock()
	b.quickCh <- q
	return nil
}

func (b *fakeBackend) SelfID() int64 { return b.selfID.Load() }

func (b *fakeBackend) Status() onebot11.Status { return onebot11.Status{Online: true, Good: true} }

func (b *fakeBackend) seen() []string {
	b.mu.Lock()
	defer b.mu.Unlock()
	return append([]string(nil), b.actions...)
}

// recObserver records observer calls.
type recObserver struct {
	mu      sync.Mutex
	opened  map[string]int
	closed  map[string]int
	actions map[string]int
	drops   map[string]int // transport/reason
}

func newRecObserver() *recObserver {
	return &recObserver{opened: map[string]int{}, closed: map[string]int{}, actions: map[string]int{}, drops: map[string]int{}}
}

func (o *recObserver) ConnOpened(tr, _ string) {
	o.mu.Lock()
	o.opened[tr]++
	o.mu.Unlock()
}

func (o *recObserver) ConnClosed(tr, _ string, _ error) {
	o.mu.Lock()
	o.closed[tr]++
	o.mu.Unlock()
}

func (o *recObserver) ActionDone(tr, action string, retcode int, _ float64) {
	o.mu.Lock()
	o.actions[fmt.Sprintf("%s/%s/%d", tr, action, retcode)]++
	o.mu.Unlock()
}

func (o *recObserver) EventDropped(tr, reason string) {
	o.mu.Lock()
	o.drops[tr+"/"+reason]++
	o.mu.Unlock()
}

func (o *recObserver) QueueDepth(string, string, int) {}

func (o *recObserver) get(m *map[string]int, key string) int {
	o.mu.Lock()
	defer o.mu.Unlock()
	return (*m)[key]
}

type testEnv struct {
	s   *Server
	b   *fakeBackend
	obs *recObserver
	url string // http://127.0.0.1:port
}

func (e *testEnv) ws(path string) string { return "ws" + strings.TrimPrefix(e.url, "http") + path }

// newEnv starts a Server on loopback; cleanup shuts it down.
func newEnv(t *testing.T, cfg ServerConfig) *testEnv { return newBenchEnv(t, cfg) }

func newBenchEnv(t testing.TB, cfg ServerConfig) *testEnv {
	t.Helper()
	b := newFakeBackend()
	obs := newRecObserver()
	if cfg.Logger == nil {
		cfg.Logger = slog.New(slog.NewTextHandler(io.Discard, nil))
	}
	if cfg.Observer == nil {
		cfg.Observer = obs
	}
	s := NewServer(cfg, b)
	return &testEnv{s: s, b: b, obs: obs, url: serve(t, s)}
}

// serve runs s on a loopback port until the test ends; it returns the
// base URL http://127.0.0.1:PORT.
func serve(t testing.TB, s *Server) string {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	require.NoError(t, err)
	served := make(chan error, 1)
	go func() { served <- s.Serve(ln) }()
	t.Cleanup(func() {
		ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		defer cancel()
		_ = s.Shutdown(ctx)
		assert.NoError(t, <-served, "Serve returns nil after Shutdown")
	})
	return "http://" + ln.Addr().String()
}

// startEnv starts a server's outbound transports with a test-bounded ctx.
func startEnv(t *testing.T, cfg ServerConfig) (*testEnv, context.Context) {
	t.Helper()
	env := newEnv(t, cfg)
	ctx := testCtx(t)
	env.s.Start(ctx)
	return env, ctx
}

// startWebhookEnv starts a server posting to a fresh webhook receiver that
// checks cfg.Secret.
func startWebhookEnv(t *testing.T, cfg ServerConfig) (*testEnv, *ob11test.WebhookReceiver, context.Context) {
	t.Helper()
	wh := ob11test.NewWebhookReceiver(cfg.Secret)
	t.Cleanup(wh.Close)
	cfg.Webhooks = append([]string{wh.URL}, cfg.Webhooks...)
	env, ctx := startEnv(t, cfg)
	return env, wh, ctx
}

// startReverseEnv starts a server dialing a fresh reverse WebSocket server
// that wants no token.
func startReverseEnv(t *testing.T, cfg ServerConfig) (*testEnv, *ob11test.ReverseServer, context.Context) {
	t.Helper()
	rs := ob11test.NewReverseServer("")
	t.Cleanup(rs.Close)
	cfg.ReverseWS = append([]string{rs.URL}, cfg.ReverseWS...)
	env, ctx := startEnv(t, cfg)
	return env, rs, ctx
}

func testCtx(t *testing.T) context.Context {
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	t.Cleanup(cancel)
	return ctx
}

// eventually polls cond for up to 5s.
func eventually(t *testing.T, cond func() bool, msg string, args ...any) {
	t.Helper()
	require.Eventually(t, cond, 5*time.Second, 5*time.Millisecond, fmt.Sprintf(msg, args...))
}

// settleGoroutines waits until the goroutine count is at most limit,
// leaving out fasthttp's worker pools: a stopped server's pool cleaner and
// idle workers linger for seconds by fasthttp's design, whichever test
// started them, and are not the server's own.
func settleGoroutines(t *testing.T, limit int) {
	t.Helper()
	deadline := time.Now().Add(5 * time.Second)
	for {
		n := ownGoroutines()
		if n <= limit {
			return
		}
		if time.Now().After(deadline) {
			t.Fatalf("goroutines: %d, want <= %d\n%s", n, limit, testkit.GoroutineDump())
		}
		time.Sleep(10 * time.Millisecond)
	}
}

func testEvent(i int) []byte {
	return fmt.Appendf(nil, `{"time":1700000000,"self_id":%d,"post_type":"message","message_type":"private","sub_type":"friend","message_id":%d,"user_id":42,"message":"msg %d","raw_message":"msg %d","font":0,"sender":{"user_id":42,"nickname":"n"}}`, testSelfID, i, i, i)
}

func eventSeq(t *testing.T, raw []byte) int {
	t.Helper()
	var ev struct {
		MessageID int `json:"message_id"`
	}
	require.NoError(t, json.Unmarshal(raw, &ev), string(raw))
	return ev.MessageID
}

func TestShutdownFinishesInFlightThenClosesGoingAway(t *testing.T) {
	env, rs, ctx := startReverseEnv(t, ServerConfig{ReconnectInterval: 20 * time.Millisecond})

	cl, err := ob11test.DialForward(ctx, env.ws("/"), "")
	require.NoError(t, err)
	rc, err := rs.Accept(ctx)
	require.NoError(t, err)

	type result struct {
		r   *ob11test.Response
		err error
	}
	inflight := make(chan result, 1)
	go func() {
		r, err := cl.Call(ctx, "block", nil)
		inflight <- result{r, err}
	}()
	<-env.b.blockIn

	for i := 1; i <= 3; i++ {
		env.s.Publish(testEvent(i))
	}
	shutdownErr := make(chan error, 1)
	go func() { shutdownErr <- env.s.Shutdown(ctx) }()
	eventually(t, env.s.isClosing, "shutdown began")

	// New requests are refused while the old one is still running.
	res, err := ob11test.NewHTTPClient(env.url, "", ob11test.AuthNone).Get(ctx, "echo_params", nil)
	require.NoError(t, err)
	assert.Equal(t, http.StatusServiceUnavailable, res.StatusCode)
	select {
	case err := <-shutdownErr:
		t.Fatalf("Shutdown returned before the in-flight call finished: %v", err)
	case <-time.After(50 * time.Millisecond):
	}

	env.b.release()
	r := <-inflight
	require.NoError(t, r.err)
	assert.Equal(t, "ok", r.r.Status)
	require.NoError(t, <-shutdownErr)

	// Queued events were flushed before the close, then 1001.
	for _, c := range []*ob11test.Conn{cl.Conn, rc.Conn} {
		for i := 1; i <= 3; i++ {
			ev, err := c.NextEvent(ctx)
			require.NoError(t, err)
			assert.Equal(t, i, eventSeq(t, ev))
		}
		code, err := c.WaitClosed(ctx)
		require.NoError(t, err)
		assert.Equal(t, 1001, code)
	}
	_, err = ob11test.DialForward(ctx, env.ws("/"), "")
	require.Error(t, err, "the port is closed after Shutdown")
	env.s.Publish(testEvent(99)) // no panic, no effect after shutdown
	require.NoError(t, env.s.Shutdown(ctx), "second Shutdown is a no-op")
}

func TestShutdownHonoursDeadline(t *testing.T) {
	env := newEnv(t, ServerConfig{})
	ctx := testCtx(t)
	cl, err := ob11test.DialForward(ctx, env.ws("/"), "")
	require.NoError(t, err)
	go func() { _, _ = cl.Call(ctx, "block", nil) }()
	<-env.b.blockIn
	short, cancel := context.WithTimeout(ctx, 50*time.Millisecond)
	defer cancel()
	err = env.s.Shutdown(short)
	require.ErrorIs(t, err, context.DeadlineExceeded)
	env.b.release()
	code, err := cl.WaitClosed(ctx)
	require.NoError(t, err)
	assert.Equal(t, 1001, code)
}

func TestConnectionsAndObserver(t *testing.T) {
	rs := ob11test.NewReverseServer("")
	t.Cleanup(rs.Close)
	wh := ob11test.NewWebhookReceiver("")
	t.Cleanup(wh.Close)
	env := newEnv(t, ServerConfig{ReverseWS: []string{rs.URL}, Webhooks: []string{wh.URL}, ReconnectInterval: 20 * time.Millisecond})
	ctx := testCtx(t)
	assert.Equal(t, map[string]int{"ws_forward": 0, "ws_reverse": 0, "webhook": 1, "http": 0}, env.s.Connections())
	env.s.Start(ctx)
	_, err := rs.Accept(ctx)
	require.NoError(t, err)
	cl, err := ob11test.DialForward(ctx, env.ws("/event"), "")
	require.NoError(t, err)
	api, err := ob11test.DialForward(ctx, env.ws("/api"), "")
	require.NoError(t, err)
	eventually(t, func() bool {
		c := env.s.Connections()
		return c["ws_forward"] == 2 && c["ws_reverse"] == 1
	}, "connections counted: %v", env.s.Connections())

	_, err = api.Call(ctx, "echo_params", nil)
	require.NoError(t, err)
	_, err = api.Call(ctx, "nope", nil)
	require.NoError(t, err)
	assert.Equal(t, 1, env.obs.get(&env.obs.actions, "ws_forward/echo_params/0"))
	assert.Equal(t, 1, env.obs.get(&env.obs.actions, "ws_forward/_unknown/1404"), "unknown names are not metric labels")

	require.NoError(t, cl.Close())
	require.NoError(t, api.Close())
	eventually(t, func() bool { return env.s.Connections()["ws_forward"] == 0 }, "forward closed")
	eventually(t, func() bool { return env.obs.get(&env.obs.closed, "ws_forward") == 2 }, "ConnClosed reported")
	assert.Equal(t, 2, env.obs.get(&env.obs.opened, "ws_forward"))
	assert.Equal(t, 1, env.obs.get(&env.obs.opened, "ws_reverse"))
}

func TestLogsNeverContainSecrets(t *testing.T) {
	dead := httptest.NewServer(http.NotFoundHandler())
	deadURL := dead.URL
	dead.Close()
	rs := ob11test.NewReverseServer("other")
	t.Cleanup(rs.Close)
	var logs syncbuf.Buffer
	env := newEnv(t, ServerConfig{
		AccessToken:          "TOKSECRET",
		Secret:               "SIGSECRET",
		ReverseWS:            []string{rs.URL + "?access_token=QRYSECRET", "ws://user:PWSECRET@" + strings.TrimPrefix(deadURL, "http://") + "/ws"},
		Webhooks:             []string{deadURL + "/post?access_token=QRYSECRET"},
		ReconnectInterval:    5 * time.Millisecond,
		WebhookRetryInterval: time.Millisecond,
		Logger:               slog.New(slog.NewTextHandler(&logs, &slog.HandlerOptions{Level: slog.LevelDebug})),
	})
	env.s.Start(testCtx(t))
	env.s.Publish(testEvent(1))
	eventually(t, func() bool {
		s := logs.String()
		return strings.Contains(s, "webhook post failed; event kept queued") && strings.Contains(s, "reverse websocket dial failed") && len(rs.Rejections()) > 0
	}, "failures logged")
	out := logs.String()
	for _, secret := range []string{"TOKSECRET", "SIGSECRET", "QRYSECRET", "PWSECRET"} {
		assert.NotContains(t, out, secret)
	}
}

func TestShutdownWithStuckClientIsBounded(t *testing.T) {
	env := newEnv(t, ServerConfig{})
	stuck := rawDial(t, env.ws("/"))
	readFrame(t, stuck) // then never read again
	eventually(t, func() bool { return env.s.Connections()["ws_forward"] == 1 }, "connected")
	big := []byte(`{"post_type":"message","pad":"` + strings.Repeat("x", 1<<20) + `"}`)
	for range 64 {
		env.s.Publish(big)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 300*time.Millisecond)
	defer cancel()
	start := time.Now()
	err := env.s.Shutdown(ctx)
	assert.ErrorIs(t, err, context.DeadlineExceeded, "the flush could not finish")
	assert.Less(t, time.Since(start), 4*time.Second, "a peer that does not read cannot hold shutdown")
	eventually(t, func() bool { return env.s.Connections()["ws_forward"] == 0 }, "stuck connection closed")
}

// ownGoroutines counts the goroutines that are not fasthttp worker-pool
// goroutines.
func ownGoroutines() int { return testkit.GoroutinesBut("fasthttp.(*workerPool)") }
