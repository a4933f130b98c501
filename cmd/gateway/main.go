// Command gateway translates between OneBot 11 and Milky 1.2: it connects to
// one QQ implementation upstream and serves the other protocol to bots.
//
//	gateway [flags]                 run (no --upstream: against the built-in simulator)
//	gateway simulate [flags]        serve the simulator alone
//	gateway check-config [flags]    validate the configuration and print it, secrets masked
//	gateway healthcheck [--url U]   exit 0 when the gateway's /healthz answers (container HEALTHCHECK)
//	gateway --version
package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"os"
	"os/signal"
	"syscall"

	"github.com/qqbridge/gateway/config"
)

// version is set at build time with -ldflags "-X main.version=...".
var version = "dev"

func main() {
	os.Exit(run(os.Args[1:], os.Getenv, os.Stdout, os.Stderr))
}

func run(args []string, getenv func(string) string, stdout, stderr io.Writer) int {
	if len(args) > 0 {
		switch args[0] {
		case "--version", "-version", "version":
			fmt.Fprintf(stdout, "gateway %s (OneBot 11 <-> Milky %s)\n", version, milkyVersion)
			return 0
		case "simulate":
			return runSimulate(args[1:], getenv, stdout, stderr)
		case "check-config":
			return runCheckConfig(args[1:], getenv, stdout, stderr)
		case "healthcheck":
			return runHealthcheck(args[1:], getenv, stdout, stderr)
		}
	}
	cfg, err := loadConfig(args, getenv, stderr)
	if errors.Is(err, config.ErrHelp) {
		return 0
	}
	if err != nil {
		return configFailed(stderr, err)
	}
	log := newLogger(cfg.LogLevel, cfg.LogFormat, stderr)
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	// The first signal starts the drain; restoring the default handling
	// then lets a second one end the process at once.
	go func() { <-ctx.Done(); stop() }()
	if err := serve(ctx, cfg, log, stdout); err != nil {
		log.Error("gateway failed", "err", err)
		return 1
	}
	return 0
}

func newLogger(level, format string, w io.Writer) *slog.Logger {
	var lv slog.Level
	switch level {
	case "debug":
		lv = slog.LevelDebug
	case "warn":
		lv = slog.LevelWarn
	case "error":
		lv = slog.LevelError
	default:
		lv = slog.LevelInfo
	}
	opts := &slog.HandlerOptions{Level: lv}
	if format == "json" {
		return slog.New(slog.NewJSONHandler(w, opts))
	}
	return slog.New(slog.NewTextHandler(w, opts))
}
