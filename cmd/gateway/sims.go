package main

import (
	"context"
	"log/slog"
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
func startMilkySim(listen, token string, log *slog.Logger) (*milkySim, error) {
	sim := simulator.New(simulator.Options{Token: token, Echo: true, Logger: log})
	url, err := sim.Listen(listen)
	if err != nil {
		sim.Close()
		return nil, err
	}
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
