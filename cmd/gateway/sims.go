package main

import (
	"context"
	"fmt"
	"log/slog"
	"net"
	"strconv"
	"time"

	"github.com/qqbridge/gateway/bridge"
	"github.com/qqbridge/gateway/simulator"
	"github.com/qqbridge/gateway/transport"
)

// Simulators are started here, by the command, never by the runtime: a
// gateway always runs against an upstream URL, which is the built-in
// simulator's own loopback address when none is configured. Each start
// function returns only once its simulator takes a client's first dial:
// the gateway started next connects at once, instead of having its first
// dial refused and answering bots "upstream unreachable" until its redial
// backoff ends.

// milkySim is the simulator served as a Milky implementation.
type milkySim struct {
	sim *simulator.Sim
	url string
}

// startMilkySim serves the simulator's Milky API and event stream on listen
// (127.0.0.1:0 for an internal one). Its peers echo what bots say.
// Its temp_url and file download links point at the bound address (the
// simulator's default, http://127.0.0.1, is port 80: links bots could not
// open). It is ready on return: the listener is bound, so a first dial
// waits in its backlog until Serve takes it, and the simulator refuses
// none until it is closed.
func startMilkySim(listen, token string, log *slog.Logger) (*milkySim, error) {
	ln, err := net.Listen("tcp", listen)
	if err != nil {
		return nil, fmt.Errorf("simulator: listen %s: %w", listen, err)
	}
	url := "http://" + ln.Addr().String()
	if a, ok := ln.Addr().(*net.TCPAddr); ok && a.IP.IsUnspecified() {
		// Bound to every interface: links name loopback, which works from
		// this host (the gateway in front, a local bot).
		url = "http://" + net.JoinHostPort("127.0.0.1", strconv.Itoa(a.Port))
	}
	sim := simulator.New(simulator.Options{Token: token, Echo: true, Logger: log, PublicURL: url})
	sim.ServeInBackground(ln)
	return &milkySim{sim: sim, url: url}, nil
}

// stop ends the simulator after every gateway in front of it has drained,
// so nothing is left to flush: it closes at once.
func (s *milkySim) stop() { s.sim.Close() }

// oneBotSim is the simulator seen through the gateway's own first direction:
// a OneBot 11 implementation (HTTP API, universal WS at /) backed by the
// Milky simulator.
type oneBotSim struct {
	milky *milkySim
	rt    *bridge.Runtime
}

// simReadyTimeout bounds startOneBotSim's wait: the simulator is in this
// process and ready within milliseconds, so not being ready by then is a
// fault to report, not a wait to prolong.
const simReadyTimeout = 10 * time.Second

// simReadyPoll is how often startOneBotSim looks: readiness has no event
// to wait on, and the whole wait is a few milliseconds.
const simReadyPoll = time.Millisecond

// startOneBotSim serves the simulator as a OneBot 11 implementation on
// listen, guarded by token. It returns once that runtime is ready: until
// its first probe of the Milky simulator names the account, its OneBot 11
// server refuses an event socket's handshake (HTTP 503, retry later), and
// the gateway's upstream client, dialing right after, would take that
// refusal and wait out its redial backoff.
func startOneBotSim(ctx context.Context, listen, token string, log *slog.Logger) (*oneBotSim, error) {
	ms, err := startMilkySim("127.0.0.1:0", "", log)
	if err != nil {
		return nil, err
	}
	rt := bridge.NewOneBotOnMilky(bridge.Options{
		Version: version, UpstreamURL: ms.url, Listen: listen, AccessToken: token,
		Heartbeat: 5 * time.Second, Logger: log,
	}, nil)
	if err := rt.Start(ctx); err != nil {
		ms.stop()
		return nil, err
	}
	s := &oneBotSim{milky: ms, rt: rt}
	if err := waitReady(ctx, rt); err != nil {
		s.stop()
		return nil, err
	}
	return s, nil
}

// waitReady returns once rt is ready, or when ctx ends: a signal during
// start-up is no failure, the caller sees ctx ended and stops at once.
func waitReady(ctx context.Context, rt *bridge.Runtime) error {
	wctx, cancel := context.WithTimeout(ctx, simReadyTimeout)
	defer cancel()
	transport.PollUntil(wctx, nil, simReadyPoll, rt.Ready)
	if rt.Ready() || ctx.Err() != nil {
		return nil
	}
	return fmt.Errorf("simulator: not ready after %v", simReadyTimeout)
}

func (s *oneBotSim) stop() {
	sctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	_ = s.rt.Shutdown(sctx)
	s.milky.stop()
}
