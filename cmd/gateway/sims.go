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
)

// Simulators are started here, by the command, never by the runtime: a
// gateway always runs against an upstream URL, which is the built-in
// simulator's own loopback address when none is configured.

// milkySim is the simulator served as a Milky implementation.
type milkySim struct {
	sim *simulator.Sim
	url string
}

// startMilkySim serves the simulator's Milky API and event stream on listen
// (127.0.0.1:0 for an internal one). Its peers echo what bots say.
// Its temp_url and file download links point at the bound address (the
// simulator's default, http://127.0.0.1, is port 80: links bots could not
// open).
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
	go func() { _ = sim.Serve(ln) }()
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

// startOneBotSim serves the simulator as a OneBot 11 implementation on
// listen, guarded by token.
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
	return &oneBotSim{milky: ms, rt: rt}, nil
}

func (s *oneBotSim) stop() {
	sctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	_ = s.rt.Shutdown(sctx)
	s.milky.stop()
}
