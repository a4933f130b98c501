package bridge_test

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/qqbridge/gateway/bridge"
	"github.com/qqbridge/gateway/milky/milkytest"
	"github.com/qqbridge/gateway/simulator"
)

// Scaffolding of the reverse direction's end-to-end suite (e2e_milky_*):
// the simulator seen through the first direction as a OneBot 11
// implementation (what cmd/gateway's startOneBotSim builds), a reverse
// gateway in front of it, and milkytest clients that play the Milky bot.

// obUpstream is a OneBot 11 implementation on loopback: a simulator whose
// peers echo, behind a first-direction runtime.
type obUpstream struct {
	t    *testing.T
	sim  *simulator.Sim
	rt   *bridge.Runtime
	opts bridge.Options
	http string // http://host:port: HTTP API, and the universal WS at /
	ws   string // ws://host:port/
}

// startOneBotUpstream serves a fresh echoing simulator as a OneBot 11
// implementation. opts carries what the OneBot side needs (AccessToken,
// ReverseWS, Webhooks, Secret; Listen defaults to 127.0.0.1:0). Stopped
// by t.Cleanup (before anything registered earlier).
func startOneBotUpstream(t *testing.T, opts bridge.Options) *obUpstream {
	t.Helper()
	sim, simURL := startSim(t, simulator.Options{Echo: true, EchoDelay: time.Millisecond})
	opts.UpstreamURL = simURL
	u := &obUpstream{t: t, sim: sim, opts: opts}
	u.start()
	return u
}

// start runs (or runs again, after stop) the OneBot side over the same
// simulator.
func (u *obUpstream) start() {
	u.t.Helper()
	opts := u.opts
	runtimeDefaults(&opts)
	if opts.ReconnectInterval == 0 {
		opts.ReconnectInterval = 50 * time.Millisecond
	}
	opts.Heartbeat = 5 * time.Second
	rt := bridge.NewOneBotOnMilky(opts, nil)
	require.NoError(u.t, rt.Start(context.Background()))
	u.rt = rt
	u.http = "http://" + rt.Addr()
	u.ws = "ws://" + rt.Addr() + "/"
	// Keep the bound port: a restart (start after stop) listens there again.
	u.opts.Listen = rt.Addr()
	u.t.Cleanup(u.stop)
}

// stop shuts the OneBot side down (the simulator stays); idempotent.
func (u *obUpstream) stop() {
	if u.rt == nil {
		return
	}
	ctx, cancel := context.WithTimeout(context.Background(), wait)
	defer cancel()
	_ = u.rt.Shutdown(ctx)
	u.rt = nil
}

// groupA is the simulator's first group and a member who is not the bot.
func (u *obUpstream) groupA() (groupID, member int64) { return simGroupA(u.sim) }

// mgw is a running reverse gateway: Milky bots downstream.
type mgw struct {
	running
	base  string // http://host:port of the Milky listener
	token string
	api   *milkytest.Client
}

// startMilkyGateway starts the reverse direction on 127.0.0.1:0 ports in
// front of opts.UpstreamURL / opts.UpstreamListen. Shutdown is registered
// with t.Cleanup. It waits for /readyz 200 when waitReady.
func startMilkyGateway(t *testing.T, opts bridge.Options, waitReady bool) *mgw {
	t.Helper()
	gatewayDefaults(&opts)
	r := startRuntime(t, "reverse gateway", bridge.NewMilkyOnOneBot(opts, nil))
	m := &mgw{running: r, base: "http://" + r.g.Addr(), token: opts.AccessToken}
	m.api = milkytest.NewClient(m.base, opts.AccessToken)
	if waitReady {
		m.waitReady()
	}
	return m
}

// call runs api and requires success, decoding data into out (nil: skip).
func (m *mgw) call(api string, params, out any) {
	m.t.Helper()
	require.NoError(m.t, m.api.Must(ctx(m.t), api, params, out))
}

// callResp runs api and returns the reply whatever it says.
func (m *mgw) callResp(api string, params any) *milkytest.Response {
	m.t.Helper()
	r, err := m.api.Call(ctx(m.t), api, params)
	require.NoError(m.t, err, api)
	return r
}

// events subscribes to /event over WebSocket with the Bearer header.
func (m *mgw) events() *milkytest.Stream {
	m.t.Helper()
	s, err := milkytest.DialWS(ctx(m.t), m.base, m.token, milkytest.AuthBearer)
	require.NoError(m.t, err)
	m.t.Cleanup(func() { _ = s.Close() })
	return s
}

// milkySeg is a Milky segment as a bot writes and reads it.
type milkySeg struct {
	Type string         `json:"type"`
	Data map[string]any `json:"data"`
}

func milkyText(s string) []milkySeg {
	return []milkySeg{{Type: "text", Data: map[string]any{"text": s}}}
}

// milkyMsg is a Milky incoming message as a bot decodes it.
type milkyMsg struct {
	MessageScene string     `json:"message_scene"`
	PeerID       int64      `json:"peer_id"`
	MessageSeq   int64      `json:"message_seq"`
	SenderID     int64      `json:"sender_id"`
	Time         int64      `json:"time"`
	Segments     []milkySeg `json:"segments"`
}

func (m milkyMsg) text() string {
	var b strings.Builder
	for _, s := range m.Segments {
		if s.Type == "text" {
			t, _ := s.Data["text"].(string)
			b.WriteString(t)
		}
	}
	return b.String()
}

type milkyEventSource interface {
	NextWhere(ctx context.Context, match func(milkytest.Event) bool) (milkytest.Event, error)
}

// nextMilkyMessage waits for a message_receive whose text contains substr.
func nextMilkyMessage(t *testing.T, src milkyEventSource, substr string) milkyMsg {
	t.Helper()
	c := ctx(t)
	for {
		e, err := src.NextWhere(c, func(e milkytest.Event) bool { return e.EventType == "message_receive" })
		require.NoError(t, err, "waiting for message_receive containing %q", substr)
		var m milkyMsg
		require.NoError(t, e.DecodeData(&m))
		if strings.Contains(m.text(), substr) {
			return m
		}
	}
}

// nextMilkyEvent waits for an event of eventType and decodes its data.
func nextMilkyEvent(t *testing.T, src milkyEventSource, eventType string) map[string]any {
	t.Helper()
	e, err := src.NextWhere(ctx(t), func(e milkytest.Event) bool { return e.EventType == eventType })
	require.NoError(t, err, "waiting for %s", eventType)
	var m map[string]any
	require.NoError(t, e.DecodeData(&m))
	return m
}

// sendGroup sends text to group and returns the message_seq.
func (m *mgw) sendGroup(group int64, text string) int64 {
	m.t.Helper()
	var out struct {
		MessageSeq int64 `json:"message_seq"`
		Time       int64 `json:"time"`
	}
	m.call("send_group_message", map[string]any{"group_id": group, "message": milkyText(text)}, &out)
	require.Positive(m.t, out.MessageSeq, "send_group_message message_seq")
	require.Positive(m.t, out.Time, "send_group_message time")
	return out.MessageSeq
}

// getMessage fetches a message by seq.
func (m *mgw) getMessage(scene string, peer, seq int64) milkyMsg {
	m.t.Helper()
	var out struct {
		Message milkyMsg `json:"message"`
	}
	m.call("get_message", map[string]any{"message_scene": scene, "peer_id": peer, "message_seq": seq}, &out)
	return out.Message
}
