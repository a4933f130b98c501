package bridge_test

import (
	"context"
	"fmt"
	"log/slog"
	"net/http"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/goccy/go-json"
	"github.com/stretchr/testify/require"

	"github.com/qqbridge/gateway/bridge"
	"github.com/qqbridge/gateway/internal/testkit"
	"github.com/qqbridge/gateway/milky"
	"github.com/qqbridge/gateway/onebot11/ob11test"
	"github.com/qqbridge/gateway/simulator"
)

// Shared scaffolding of the end-to-end suite: a gateway on loopback ports
// in front of a simulator, and the ob11test clients that play the bot.

// wait bounds every wait in the suite; it only guards against hangs.
const wait = 10 * time.Second

// testLogger discards logs unless E2E_LOG=1.
func testLogger() *slog.Logger { return testkit.Logger("E2E_LOG") }

// running is what the gateways of both directions share in the suite: the
// running bridge.Runtime and its /metrics, /healthz, /readyz listener.
type running struct {
	t       *testing.T
	name    string // for failure messages: "gateway", "reverse gateway"
	g       *bridge.Runtime
	metrics string // http://host:port of /metrics, /healthz, /readyz
}

// gatewayDefaults fills what every gateway of the suite runs with:
// loopback ports, the test logger and a bounded upstream timeout.
func gatewayDefaults(opts *bridge.Options) {
	runtimeDefaults(opts)
	if opts.MetricsListen == "" {
		opts.MetricsListen = "127.0.0.1:0"
	}
	if opts.UpstreamTimeout == 0 {
		opts.UpstreamTimeout = 5 * time.Second
	}
}

// runtimeDefaults fills what every runtime of the suite (gateways and the
// OneBot 11 upstream of the reverse suite) runs with.
func runtimeDefaults(opts *bridge.Options) {
	if opts.Listen == "" {
		opts.Listen = "127.0.0.1:0"
	}
	if opts.Logger == nil {
		opts.Logger = testLogger()
	}
	opts.Version = "e2e"
}

// startRuntime starts g and registers its shutdown with t.Cleanup.
func startRuntime(t *testing.T, name string, g *bridge.Runtime) running {
	t.Helper()
	require.NoError(t, g.Start(context.Background()))
	r := running{t: t, name: name, g: g, metrics: "http://" + g.MetricsAddr()}
	t.Cleanup(r.shutdown)
	return r
}

// shutdown drains the gateway (idempotent: Runtime.Shutdown runs once).
func (r *running) shutdown() {
	ctx, cancel := context.WithTimeout(context.Background(), wait)
	defer cancel()
	if err := r.g.Shutdown(ctx); err != nil {
		r.t.Errorf("%s shutdown: %v", r.name, err)
	}
}

// readyz returns /readyz's status code and body.
func (r *running) readyz() (int, map[string]any) {
	resp, err := http.Get(r.metrics + "/readyz")
	if err != nil {
		return 0, nil
	}
	defer resp.Body.Close()
	var body map[string]any
	_ = json.NewDecoder(resp.Body).Decode(&body)
	return resp.StatusCode, body
}

// upstreamConnected is gateway_upstream_connected as the registry would
// expose it now (-1 if absent).
func (r *running) upstreamConnected() float64 {
	r.t.Helper()
	mfs, err := r.g.Metrics.Registry().Gather()
	require.NoError(r.t, err)
	for _, mf := range mfs {
		if mf.GetName() == "gateway_upstream_connected" && len(mf.GetMetric()) == 1 {
			return mf.GetMetric()[0].GetGauge().GetValue()
		}
	}
	return -1
}

func (r *running) waitReady() {
	r.t.Helper()
	eventually(r.t, r.name+" /readyz 200", func() bool {
		code, _ := r.readyz()
		return code == http.StatusOK
	})
}

// gw is a running gateway and the simulator behind it.
type gw struct {
	running
	sim  *simulator.Sim
	base string // http://host:port of the OneBot 11 listener
	ws   string // ws://host:port
}

// startGateway starts a gateway on 127.0.0.1:0 ports. With opts.UpstreamURL
// "" it starts a simulator of its own (as cmd/gateway does); otherwise pass
// the external one as sim.
// Shutdown is registered with t.Cleanup. It waits until /readyz says ready
// unless the upstream is expected to be down (waitReady false).
func startGateway(t *testing.T, opts bridge.Options, sim *simulator.Sim, waitReady bool) *gw {
	t.Helper()
	gatewayDefaults(&opts)
	if opts.ReconnectInterval == 0 {
		opts.ReconnectInterval = 100 * time.Millisecond
	}
	if opts.UpstreamURL == "" {
		sim, opts.UpstreamURL = startSim(t, simulator.Options{})
	}
	r := startRuntime(t, "gateway", bridge.NewOneBotOnMilky(opts, nil))
	e := &gw{running: r, sim: sim, base: "http://" + r.g.Addr(), ws: "ws://" + r.g.Addr()}
	if waitReady {
		e.waitReady()
	}
	return e
}

// startSim serves an external simulator on 127.0.0.1 (it outlives the
// gateways of one test) and returns its base URL. Register it before the
// gateway, so that cleanup shuts the gateway down first.
func startSim(t *testing.T, opts simulator.Options) (*simulator.Sim, string) {
	t.Helper()
	if opts.Logger == nil {
		opts.Logger = testLogger()
	}
	sim := simulator.New(opts)
	t.Cleanup(sim.Close)
	url, err := sim.Listen("127.0.0.1:0")
	require.NoError(t, err)
	return sim, url
}

// ctx is a context that ends after wait or with the test.
func ctx(t *testing.T) context.Context {
	c, cancel := context.WithTimeout(context.Background(), wait)
	t.Cleanup(cancel)
	return c
}

// eventually polls cond every 20ms until it holds or wait passes.
func eventually(t *testing.T, what string, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(wait)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("timed out waiting for %s", what)
		}
		time.Sleep(20 * time.Millisecond)
	}
}

// http returns an HTTP API client.
func (e *gw) http(token string, mode ob11test.AuthMode) *ob11test.HTTPClient {
	return ob11test.NewHTTPClient(e.base, token, mode)
}

// dial opens a forward WebSocket on path ("/", "/event", "/api").
func (e *gw) dial(path, token string, opts ...ob11test.Option) *ob11test.WSClient {
	e.t.Helper()
	c, err := ob11test.DialForward(ctx(e.t), e.ws+path, token, opts...)
	require.NoError(e.t, err)
	e.t.Cleanup(func() { _ = c.Close() })
	return c
}

// groupA is the simulator's first group (the bot is its owner); member is
// a member of it who is not the bot.
func (e *gw) groupA() (groupID, member int64) { return simGroupA(e.sim) }

func simGroupA(sim *simulator.Sim) (groupID, member int64) {
	g := sim.Groups()[0].GroupID
	return g, sim.Members(g)[1].UserID
}

func text(s string) []milky.IncomingSegment {
	return []milky.IncomingSegment{{Type: milky.SegText, Data: milky.IncomingSegmentData{Text: s}}}
}

// msgEvent is a OneBot 11 message event as a bot decodes it.
type msgEvent struct {
	Time        int64           `json:"time"`
	SelfID      int64           `json:"self_id"`
	PostType    string          `json:"post_type"`
	MessageType string          `json:"message_type"`
	SubType     string          `json:"sub_type"`
	MessageID   int64           `json:"message_id"`
	GroupID     int64           `json:"group_id"`
	UserID      int64           `json:"user_id"`
	RawMessage  string          `json:"raw_message"`
	Message     json.RawMessage `json:"message"`
	Sender      struct {
		UserID   int64  `json:"user_id"`
		Nickname string `json:"nickname"`
		Role     string `json:"role"`
	} `json:"sender"`
}

// segment is one element of a message array.
type segment struct {
	Type string         `json:"type"`
	Data map[string]any `json:"data"`
}

func (m msgEvent) segments(t *testing.T) []segment {
	t.Helper()
	var segs []segment
	require.NoError(t, json.Unmarshal(m.Message, &segs), "message %s", m.Message)
	return segs
}

// eventSource is anything that yields events: forward and reverse sockets.
type eventSource interface {
	NextEventWhere(ctx context.Context, match func(ob11test.Event) bool) (json.RawMessage, error)
}

func isPost(postType string) func(ob11test.Event) bool {
	return func(e ob11test.Event) bool { return e.PostType == postType }
}

// nextMessage waits for the next message event whose raw_message contains
// substr (post_type "message", or "message_sent" for the bot's own).
func nextMessage(t *testing.T, src eventSource, postType, substr string) msgEvent {
	t.Helper()
	c := ctx(t)
	for {
		raw, err := src.NextEventWhere(c, isPost(postType))
		require.NoError(t, err, "waiting for %s event containing %q", postType, substr)
		var m msgEvent
		require.NoError(t, json.Unmarshal(raw, &m))
		if strings.Contains(m.RawMessage, substr) || strings.Contains(string(m.Message), substr) {
			return m
		}
	}
}

// nextNotice waits for the next notice of noticeType and decodes it.
func nextNotice(t *testing.T, src eventSource, noticeType string) map[string]any {
	t.Helper()
	return nextDecoded(t, src, "notice "+noticeType, func(e ob11test.Event) bool {
		return e.PostType == "notice" && e.NoticeType == noticeType
	})
}

// nextRequest waits for the next request event of requestType.
func nextRequest(t *testing.T, src eventSource, requestType string) map[string]any {
	t.Helper()
	return nextDecoded(t, src, "request "+requestType, func(e ob11test.Event) bool {
		return e.PostType == "request" && e.RequestType == requestType
	})
}

func nextDecoded(t *testing.T, src eventSource, what string, match func(ob11test.Event) bool) map[string]any {
	t.Helper()
	raw, err := src.NextEventWhere(ctx(t), match)
	require.NoError(t, err, "waiting for %s", what)
	var m map[string]any
	require.NoError(t, json.Unmarshal(raw, &m))
	return m
}

// caller is a bot's way of calling actions: a forward or reverse socket,
// or httpCaller.
type caller interface {
	Call(ctx context.Context, action string, params any) (*ob11test.Response, error)
}

// call runs an action and requires status ok.
func call(t *testing.T, c caller, action string, params any) *ob11test.Response {
	t.Helper()
	r, err := c.Call(ctx(t), action, params)
	require.NoError(t, err, action)
	require.Equal(t, "ok", r.Status, "%s: %s", action, r.Raw)
	return r
}

// lastCall returns the body of the newest simulator call to api.
func lastCall(t *testing.T, sim *simulator.Sim, api string) json.RawMessage {
	t.Helper()
	calls := sim.Calls()
	for i := len(calls) - 1; i >= 0; i-- {
		if calls[i].API == api {
			return calls[i].Body
		}
	}
	t.Fatalf("the simulator received no %s call; calls: %v", api, callNames(calls))
	return nil
}

func callNames(calls []simulator.Call) []string {
	out := make([]string, len(calls))
	for i, c := range calls {
		out[i] = c.API
	}
	return out
}

// num formats an id the way form and query values carry it.
func num(n int64) string { return strconv.FormatInt(n, 10) }

// numbered is the text of the i-th message of a numbered batch.
func numbered(batch string, i int) string { return fmt.Sprintf("%s #%03d", batch, i) }
