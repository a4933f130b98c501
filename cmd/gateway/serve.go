package main

import (
	"context"
	"fmt"
	"io"
	"log/slog"

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
		UpstreamToken:     cfg.UpstreamToken,
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
		MetricsListen:     cfg.MetricsListen,
		DataDir:           cfg.Data,
		IDRetention:       cfg.IDRetention,
		IDMaxEntries:      cfg.IDMaxEntries,
		GracePeriod:       cfg.GracePeriod,
		Logger:            log,
	}
}

// serve runs the configured direction until ctx ends; with no upstream
// configured it starts the built-in simulator first and stops it last.
func serve(ctx context.Context, cfg *config.Config, log *slog.Logger, stdout io.Writer) error {
	opts := options(cfg, log)
	if opts.UpstreamURL == "" {
		sim, err := startMilkySim("127.0.0.1:0", "", log)
		if err != nil {
			return err
		}
		defer sim.stop()
		opts.UpstreamURL = sim.url
	}
	rt := bridge.NewOneBotOnMilky(opts, metrics.New(version))
	return rt.Run(ctx, func(rt *bridge.Runtime) { printBanner(stdout, cfg, rt) })
}

// printBanner tells a person how to connect a bot.
func printBanner(w io.Writer, cfg *config.Config, g *bridge.Runtime) {
	addr := g.Addr()
	upstream := cfg.Upstream
	if upstream == "" {
		upstream = "built-in simulator (a fake QQ account with friends and groups; its peers echo what your bot says)"
	}
	tokenHint := ""
	if cfg.AccessToken != "" {
		tokenHint = " (token: Authorization: Bearer <access-token> or ?access_token=)"
	}
	fmt.Fprintf(w, `gateway %s: OneBot 11 for bots, Milky %s upstream
  upstream:        %s
  HTTP API:        http://%s/<action>%s
  forward WS:      ws://%s/  (also /api, /event)
`, version, milkyVersion, upstream, addr, tokenHint, addr)
	for _, u := range cfg.ReverseWS {
		fmt.Fprintf(w, "  reverse WS to:   %s\n", u)
	}
	for _, u := range cfg.Webhooks {
		fmt.Fprintf(w, "  HTTP POST to:    %s\n", u)
	}
	if ma := g.MetricsAddr(); ma != "" {
		fmt.Fprintf(w, "  metrics/health:  http://%s/metrics  /healthz  /readyz\n", ma)
	}
	fmt.Fprintf(w, "  try:             curl 'http://%s/get_login_info'\n", addr)
}
