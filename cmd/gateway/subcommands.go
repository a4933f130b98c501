package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"os/signal"
	"syscall"
	"time"

	"github.com/qqbridge/gateway/config"
)

// runSimulate serves the simulator alone: as a Milky implementation, or seen
// through the gateway's own Milky -> OneBot 11 path.
func runSimulate(args []string, getenv func(string) string, stdout, stderr io.Writer) int {
	warnUnknownEnv(stderr)
	sc, err := config.LoadSimulate(args, getenv)
	if errors.Is(err, config.ErrHelp) {
		return 0
	}
	if err != nil {
		fmt.Fprintln(stderr, "gateway simulate:", err)
		return 2
	}
	log := newLogger(getenv("GATEWAY_LOG_LEVEL"), getenv("GATEWAY_LOG_FORMAT"), stderr)
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()

	if sc.Protocol == "onebot11" {
		s, err := startOneBotSim(ctx, sc.Listen, sc.AccessToken, log)
		if err != nil {
			fmt.Fprintln(stderr, "gateway simulate:", err)
			return 1
		}
		fmt.Fprintf(stdout, "simulator (OneBot 11) on http://%s and ws://%s/, self_id %d\n", s.rt.Addr(), s.rt.Addr(), s.milky.sim.SelfID())
		<-ctx.Done()
		s.stop()
		return 0
	}

	s, err := startMilkySim(sc.Listen, sc.AccessToken, log)
	if err != nil {
		fmt.Fprintln(stderr, "gateway simulate:", err)
		return 1
	}
	fmt.Fprintf(stdout, "simulator (Milky %s) on %s  (API: POST /api/<name>, events: GET /event as WebSocket or SSE), self_id %d\n",
		milkyVersion, s.url, s.sim.SelfID())
	<-ctx.Done()
	s.stop()
	return 0
}

// runCheckConfig validates the configuration exactly as a run would and
// prints the effective configuration with secrets masked.
func runCheckConfig(args []string, getenv func(string) string, stdout, stderr io.Writer) int {
	cfg, err := loadConfig(args, getenv, stderr)
	if errors.Is(err, config.ErrHelp) {
		return 0
	}
	if err != nil {
		return configFailed(stderr, err)
	}
	out, err := cfg.Masked().YAML()
	if err != nil {
		fmt.Fprintln(stderr, "gateway check-config:", err)
		return 1
	}
	fmt.Fprintln(stdout, "# configuration is valid; effective values (secrets masked):")
	_, _ = stdout.Write(out)
	return 0
}

// runHealthcheck is the container HEALTHCHECK: distroless images have no curl.
// The default URL follows GATEWAY_METRICS_LISTEN, so a container that moves
// the metrics port needs no second setting.
func runHealthcheck(args []string, getenv func(string) string, stdout, stderr io.Writer) int {
	fs := flag.NewFlagSet("healthcheck", flag.ContinueOnError)
	fs.SetOutput(stderr)
	url := fs.String("url", healthURL(getenv("GATEWAY_METRICS_LISTEN")), "health endpoint to probe")
	timeout := fs.Duration("timeout", 3*time.Second, "give up after")
	if err := fs.Parse(args); err != nil {
		return 2
	}
	c := &http.Client{Timeout: *timeout}
	resp, err := c.Get(*url)
	if err != nil {
		fmt.Fprintln(stderr, "unhealthy:", err)
		return 1
	}
	_ = resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		fmt.Fprintln(stderr, "unhealthy: HTTP", resp.StatusCode)
		return 1
	}
	fmt.Fprintln(stdout, "healthy")
	return 0
}

// healthURL turns a metrics listen address into the URL to probe: a
// wildcard host is probed on loopback.
func healthURL(listen string) string {
	if listen == "" {
		return "http://127.0.0.1:9464/healthz"
	}
	host, port, err := net.SplitHostPort(listen)
	if err != nil {
		return "http://127.0.0.1:9464/healthz"
	}
	if host == "" || host == "0.0.0.0" || host == "::" {
		host = "127.0.0.1"
	}
	return "http://" + net.JoinHostPort(host, port) + "/healthz"
}
