package main

import (
	"context"
	"fmt"
	"io"
	"log/slog"
	"strings"

	"github.com/qqbridge/gateway/bridge"
	"github.com/qqbridge/gateway/config"
	"github.com/qqbridge/gateway/metrics"
	"github.com/qqbridge/gateway/milky"
)

const milkyVersion = milky.Version

func options(cfg *config.Config, log *slog.Logger) bridge.Options {
	return bridge.Options{
		Version:           version,
		UpstreamURL:       cfg.Upstream,
		UpstreamListen:    cfg.UpstreamListen,
		UpstreamToken:     cfg.UpstreamToken,
		UpstreamSecret:    cfg.UpstreamSecret,
		UpstreamEvents:    cfg.UpstreamEvents,
		UpstreamTimeout:   cfg.UpstreamTimeout,
		Listen:            cfg.Listen,
		AccessToken:       cfg.AccessToken,
		ReverseWS:         cfg.ReverseWS,
		Webhooks:          cfg.Webhooks,
		Secret:            cfg.Secret,
		MessageFormat:     cfg.MessageFormat,
		Heartbeat:         cfg.Heartbeat,
		ReconnectInterval: cfg.ReconnectInterval,
		ReverseAuthScheme: cfg.ReverseAuthScheme,
		EventBuffer:       cfg.EventBuffer,
		EventBufferBytes:  cfg.EventBufferBytes,
		SpoolDir:          cfg.SpoolDir,
		SpoolMaxBytes:     cfg.SpoolMaxBytes,
		EventMaxAge:       cfg.EventMaxAge,
		MaxBodyBytes:      cfg.MaxBodyBytes,
		MediaLocalFiles:   cfg.MediaLocalFiles,
		Pprof:             cfg.Pprof == "on",
		MetricsListen:     cfg.MetricsListen,
		DataDir:           cfg.Data,
		IDRetention:       cfg.IDRetention,
		IDMaxEntries:      cfg.IDMaxEntries,
		GracePeriod:       cfg.GracePeriod,
		Logger:            log,
	}
}

// serve runs the configured direction until ctx ends; with no upstream
// configured it starts the built-in simulator first (for a OneBot 11
// upstream, the simulator seen through the first direction) and stops it
// last.
func serve(ctx context.Context, cfg *config.Config, log *slog.Logger, stdout io.Writer) error {
	opts := options(cfg, log)
	m := metrics.New(version)
	var rt *bridge.Runtime
	switch cfg.UpstreamProtocol {
	case config.OneBot11:
		if opts.UpstreamURL == "" && opts.UpstreamListen == "" {
			sim, err := startOneBotSim(ctx, "127.0.0.1:0", "", log)
			if err != nil {
				return err
			}
			defer sim.stop()
			opts.UpstreamURL = "ws://" + sim.rt.Addr() + "/"
		}
		rt = bridge.NewMilkyOnOneBot(opts, m)
	default:
		if opts.UpstreamURL == "" {
			sim, err := startMilkySim("127.0.0.1:0", "", log)
			if err != nil {
				return err
			}
			defer sim.stop()
			opts.UpstreamURL = sim.url
		}
		rt = bridge.NewOneBotOnMilky(opts, m)
	}
	return rt.Run(ctx, func(rt *bridge.Runtime) { printBanner(stdout, cfg, rt) })
}

// printBanner tells a person how to connect a bot.
func printBanner(w io.Writer, cfg *config.Config, g *bridge.Runtime) {
	addr := g.Addr()
	upstream := cfg.Upstream
	switch {
	case cfg.UpstreamListen != "":
		upstream = "accepting the implementation's reverse WebSocket on ws://" + cfg.UpstreamListen + "/"
	case upstream == "":
		upstream = "built-in simulator (a fake QQ account with friends and groups; its peers echo what your bot says)"
	}
	tokenHint := ""
	if cfg.AccessToken != "" {
		tokenHint = " (token: Authorization: Bearer <access-token> or ?access_token=)"
	}
	if cfg.Downstream == config.Milky {
		fmt.Fprintf(w, `gateway %s: Milky %s for bots, OneBot 11 upstream
  upstream:        %s
  API:             POST http://%s/api/<name>%s
  events:          ws://%s/event  (or SSE: GET http://%s/event with Accept: text/event-stream)
`, version, milkyVersion, upstream, addr, tokenHint, addr, addr)
		if strings.HasPrefix(cfg.Upstream, "http") {
			fmt.Fprintf(w, "  upstream posts:  http://%s/onebot/v11/post  (set this as the implementation's HTTP POST URL)\n", addr)
		}
	} else {
		fmt.Fprintf(w, `gateway %s: OneBot 11 for bots, Milky %s upstream
  upstream:        %s
  HTTP API:        http://%s/<action>%s
  forward WS:      ws://%s/  (also /api, /event)
`, version, milkyVersion, upstream, addr, tokenHint, addr)
		for _, u := range cfg.ReverseWS {
			fmt.Fprintf(w, "  reverse WS to:   %s\n", u)
		}
	}
	for _, u := range cfg.Webhooks {
		fmt.Fprintf(w, "  HTTP POST to:    %s\n", u)
	}
	if ma := g.MetricsAddr(); ma != "" {
		fmt.Fprintf(w, "  metrics/health:  http://%s/metrics  /healthz  /readyz\n", ma)
	}
	// The try line works as printed, so with a token it names where the
	// token goes (never the token itself).
	if cfg.Downstream == config.Milky {
		auth := ""
		if cfg.AccessToken != "" {
			auth = "-H 'Authorization: Bearer <access-token>' "
		}
		fmt.Fprintf(w, "  try:             curl -X POST -H 'Content-Type: application/json' %s-d '{}' http://%s/api/get_login_info\n", auth, addr)
		return
	}
	query := ""
	if cfg.AccessToken != "" {
		query = "?access_token=<access-token>"
	}
	fmt.Fprintf(w, "  try:             curl 'http://%s/get_login_info%s'\n", addr, query)
}
