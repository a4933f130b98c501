package fidelity

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/goccy/go-json"
	"github.com/gorilla/websocket"
	"github.com/stretchr/testify/require"

	"github.com/qqbridge/gateway/bridge"
	"github.com/qqbridge/gateway/internal/testkit"
	"github.com/qqbridge/gateway/simulator"
)

// The two worlds of the chain test: the same simulated account (same seed,
// same fixed clock) seen by a Milky bot directly (A) and through the
// gateway's first direction and then its reverse direction (B).

// clock is both simulators' fixed time, so their worlds and event times are
// identical.
var clock = time.Date(2026, 4, 6, 12, 0, 0, 0, time.UTC)

// wait bounds every wait of the test; it only guards against hangs.
const wait = 5 * time.Second

// testLogger discards logs unless FIDELITY_LOG=1.
func testLogger() *slog.Logger { return testkit.Logger("FIDELITY_LOG") }

// world is one side of the comparison: its simulator (for scripting what
// other users do), the Milky address the bot talks to, the bot's event
// stream, and the values the bot learnt from its own earlier answers.
type world struct {
	name   string
	sim    *simulator.Sim
	base   string // http://host:port of the Milky API and /event
	events chan map[string]any
	vars   map[string]any
}

// serveSimulator is the glue between the simulator and a Milky server on
// loopback: the one place that knows how the simulator is served.
func serveSimulator(t *testing.T) (*simulator.Sim, string) {
	t.Helper()
	// PublicURL stays the default in both worlds, so temp URLs and
	// download links are the same whatever the ports.
	sim := simulator.New(simulator.Options{Seed: 7, Now: func() time.Time { return clock }, Logger: testLogger()})
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	require.NoError(t, err)
	go func() { _ = sim.Serve(ln) }()
	t.Cleanup(sim.Close)
	return sim, "http://" + ln.Addr().String()
}

// directWorld is the simulator served as a Milky implementation.
func directWorld(t *testing.T) *world {
	sim, url := serveSimulator(t)
	return connect(t, &world{name: "direct", sim: sim, base: url})
}

// chainWorld is the same simulator behind the first direction (OneBot 11 on
// 127.0.0.1) behind the reverse direction (Milky on 127.0.0.1), connected to
// it by forward WebSocket.
func chainWorld(t *testing.T) *world {
	sim, url := serveSimulator(t)
	ob := start(t, bridge.NewOneBotOnMilky(bridge.Options{UpstreamURL: url, Listen: "127.0.0.1:0",
		Version: "fidelity", UpstreamTimeout: wait, Logger: testLogger()}, nil))
	rev := start(t, bridge.NewMilkyOnOneBot(bridge.Options{UpstreamURL: "ws://" + ob.Addr() + "/", Listen: "127.0.0.1:0",
		Version: "fidelity", UpstreamTimeout: wait, Logger: testLogger()}, nil))
	deadline := time.Now().Add(wait)
	for !(ob.Ready() && rev.Ready()) {
		require.True(t, time.Now().Before(deadline), "the chain did not become ready")
		time.Sleep(10 * time.Millisecond)
	}
	w := connect(t, &world{name: "chain", sim: sim, base: "http://" + rev.Addr()})
	// Extension APIs answer -501 until the reverse direction has detected
	// its upstream (at a Probe); wait for that rather than compare a
	// half-started chain. get_custom_face_url_list needs an extension and
	// changes nothing.
	deadline = time.Now().Add(15 * time.Second)
	for w.call("get_custom_face_url_list", []byte(`{}`)).Retcode == -501 {
		require.True(t, time.Now().Before(deadline), "the reverse direction never detected its upstream")
		time.Sleep(20 * time.Millisecond)
	}
	return w
}

// start starts rt and registers its shutdown (before the simulator's close,
// since cleanups run last-registered first).
func start(t *testing.T, rt *bridge.Runtime) *bridge.Runtime {
	t.Helper()
	require.NoError(t, rt.Start(context.Background()))
	t.Cleanup(func() {
		ctx, cancel := context.WithTimeout(context.Background(), wait)
		defer cancel()
		_ = rt.Shutdown(ctx)
	})
	return rt
}

// connect opens the bot's WebSocket event stream; its reader decodes each
// event onto w.events until the socket closes.
func connect(t *testing.T, w *world) *world {
	t.Helper()
	conn, resp, err := websocket.DefaultDialer.Dial("ws"+strings.TrimPrefix(w.base, "http")+"/event", nil)
	require.NoError(t, err, "%s: /event", w.name)
	resp.Body.Close()
	w.events = make(chan map[string]any, 1024)
	w.vars = map[string]any{}
	done := make(chan struct{})
	go func() {
		defer close(done)
		defer close(w.events)
		for {
			_, b, err := conn.ReadMessage()
			if err != nil {
				return
			}
			var ev map[string]any
			if json.Unmarshal(b, &ev) == nil {
				w.events <- ev
			}
		}
	}()
	t.Cleanup(func() {
		_ = conn.Close()
		<-done
	})
	return w
}

// reply is a Milky API response envelope.
type reply struct {
	Status  string `json:"status"`
	Retcode int    `json:"retcode"`
	Data    any    `json:"data"`
	Message string `json:"message"`
}

var httpClient = &http.Client{Timeout: wait}

// call posts one Milky API call, as a bot does.
func (w *world) call(api string, body []byte) reply {
	resp, err := httpClient.Post(w.base+"/api/"+api, "application/json", bytes.NewReader(body))
	if err != nil {
		return reply{Status: "failed", Retcode: -1000, Message: err.Error()}
	}
	defer resp.Body.Close()
	raw, _ := io.ReadAll(resp.Body)
	var r reply
	if err := json.Unmarshal(raw, &r); err != nil {
		return reply{Status: "failed", Retcode: -1000 - resp.StatusCode, Message: fmt.Sprintf("HTTP %d: %.200s", resp.StatusCode, raw)}
	}
	return r
}
