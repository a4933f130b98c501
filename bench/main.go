// Command bench measures the built gateway against a raw relay, side by
// side in one run, and prints the figures of the README's performance
// table with their targets.
//
//	go run ./bench [-events N] [-rate R] [-rounds 5] [-groups 1] [-direction ob11milky|milkyob11] [-quick] [-markdown]
//
// It builds ./cmd/gateway, starts it with a real --data directory (the
// on-disk id store) against a fake upstream served by this process, starts a
// raw relay (this program re-executed) against a second instance of the
// same fake, and drives both with the same bot code: events from upstream
// to bot, and send-group-message calls from bot to upstream. Rounds
// alternate between the two so load on a shared machine hits both alike.
// CPU and memory are the child processes' own, read from /proc. Everything
// listens on 127.0.0.1 and the run ends by itself.
package main

import (
	"context"
	"flag"
	"fmt"
	"io"
	"os"
	"os/signal"
	"syscall"
	"time"
)

func main() {
	if os.Getenv(relayEnv) != "" {
		os.Exit(relayMain(os.Args[1:]))
	}
	os.Exit(cli(os.Args[1:], os.Stdout, os.Stderr))
}

// options is one run's configuration.
type options struct {
	direction string
	events    int           // events per throughput round and path
	window    int           // events in flight in the throughput rounds
	rate      float64       // events/s of the paced rounds
	paced     time.Duration // length of each paced round
	calls     int           // calls per caller per action round
	callers   int           // callers of the CPU-per-call rounds
	rounds    int
	groups    int    // groups the events are spread over, round robin
	gateway   string // prebuilt gateway binary; empty: build ./cmd/gateway
	// gatewayLog receives the gateway's stderr (e.g. with GODEBUG=gctrace=1
	// in the environment, which the children inherit).
	gatewayLog string
	// gatewayArgs are appended to the gateway's command line (e.g.
	// --pprof on, to profile it while the tool drives it).
	gatewayArgs []string
	markdown    bool
	progress    io.Writer // per-round lines; nil: none
}

func defaults() options {
	return options{
		direction: "ob11milky", events: 200_000, window: 256, rate: 2000, paced: 5 * time.Second,
		calls: 2000, callers: 4, rounds: 5, groups: 1,
	}
}

// quick is a smoke run of about 20 seconds: the numbers are too few to
// quote, the paths and the report are all exercised.
func quick(o options) options {
	o.events, o.paced, o.calls, o.rounds = 5000, time.Second, 300, 2
	return o
}

func cli(args []string, stdout, stderr io.Writer) int {
	o := defaults()
	fs := flag.NewFlagSet("bench", flag.ContinueOnError)
	fs.SetOutput(stderr)
	fs.StringVar(&o.direction, "direction", o.direction, "ob11milky (OneBot 11 bots, Milky upstream) or milkyob11 (Milky bots, OneBot 11 upstream)")
	fs.IntVar(&o.events, "events", o.events, "events per throughput round and path (rounds × events ≈ what the gateway has seen at the RSS reading)")
	fs.IntVar(&o.window, "window", o.window, "events in flight in the throughput rounds")
	fs.Float64Var(&o.rate, "rate", o.rate, "events/s of the paced latency rounds")
	fs.DurationVar(&o.paced, "paced", o.paced, "length of each paced latency round")
	fs.IntVar(&o.calls, "calls", o.calls, "calls per caller per action round")
	fs.IntVar(&o.callers, "callers", o.callers, "parallel callers of the CPU-per-call rounds")
	fs.IntVar(&o.rounds, "rounds", o.rounds, "rounds, each measuring gateway and relay")
	fs.IntVar(&o.groups, "groups", o.groups, fmt.Sprintf("groups the events are spread over, round robin (at most %d)", maxGroups))
	fs.StringVar(&o.gateway, "gateway", "", "gateway binary to run (default: go build ./cmd/gateway into a temp dir)")
	fs.StringVar(&o.gatewayLog, "gateway-log", "", "write the gateway's stderr to this file (the children inherit the environment: GODEBUG=gctrace=1 works)")
	fs.Func("gateway-arg", "append one argument to the gateway's command line (repeatable; -gateway-arg=--pprof -gateway-arg=on serves /debug/pprof/ on the metrics address the tool prints)", func(v string) error {
		o.gatewayArgs = append(o.gatewayArgs, v)
		return nil
	})
	fs.BoolVar(&o.markdown, "markdown", false, "print the table as Markdown (the README's)")
	q := fs.Bool("quick", false, "smoke run of ~20 s (5000 events, 1 s paced, 300 calls, 2 rounds); overrides the count flags")
	if err := fs.Parse(args); err != nil {
		return 2
	}
	if fs.NArg() > 0 {
		fmt.Fprintf(stderr, "bench: unexpected argument %q\n", fs.Arg(0))
		return 2
	}
	if *q {
		o = quick(o)
	}
	if o.events < 1 || o.window < 1 || o.rate <= 0 || o.paced <= 0 || o.calls < 1 || o.callers < 1 || o.rounds < 1 || o.groups < 1 {
		fmt.Fprintln(stderr, "bench: counts, rate and durations must be positive")
		return 2
	}
	if o.groups > maxGroups {
		fmt.Fprintf(stderr, "bench: -groups %d: at most %d\n", o.groups, maxGroups)
		return 2
	}
	o.progress = stderr
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	rep, err := runBench(ctx, o)
	if err != nil {
		fmt.Fprintln(stderr, "bench:", err)
		return 1
	}
	if o.markdown {
		rep.markdown(stdout)
	} else {
		rep.text(stdout)
	}
	return 0
}
