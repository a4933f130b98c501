package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"maps"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"slices"
	"strings"
	"sync/atomic"
	"time"
)

// target is one path under test, gateway or relay, with its own fake
// upstream and its own bot connection.
type target struct {
	name    string
	p       *proc
	addr    string
	metrics string // gateway only: its /metrics URL
	up      upstream
	ev      *eventPath
	httpURL string
	wsURL   string // empty: no WebSocket API on this direction
	events  int64  // events delivered through it so far (probes excluded)
	calls   int64  // send-group-message calls made on it
}

const (
	gw = iota
	rl
)

func runBench(ctx context.Context, o options) (*report, error) {
	dir, ok := directions[o.direction]
	if !ok {
		return nil, fmt.Errorf("unknown -direction %q (ob11milky or milkyob11)", o.direction)
	}
	tmp, err := os.MkdirTemp("", "gateway-bench-")
	if err != nil {
		return nil, err
	}
	defer os.RemoveAll(tmp)
	bin := o.gateway
	if bin == "" {
		if bin, err = buildGateway(ctx, tmp); err != nil {
			return nil, err
		}
	}
	if err := available(ctx, bin, dir, tmp); err != nil {
		return nil, err
	}
	rep := &report{opts: o, dir: dir, loadBefore: loadAvg(), cpus: runtime.NumCPU(), started: time.Now(), syscall: syscallCost()}
	next := &atomic.Int64{}

	var t [2]*target
	defer func() {
		for _, x := range t {
			if x == nil {
				continue
			}
			if x.ev != nil && x.ev.bot != nil {
				x.ev.bot.close()
			}
			if x.p != nil {
				x.p.terminate(15 * time.Second)
			}
			x.up.close()
		}
	}()
	var log io.Writer
	if o.gatewayLog != "" {
		f, err := os.Create(o.gatewayLog)
		if err != nil {
			return nil, err
		}
		defer f.Close()
		log = f
	}
	if t[gw], err = startGateway(ctx, bin, dir, o.groups, filepath.Join(tmp, "data"), log, o.gatewayArgs); err != nil {
		return nil, err
	}
	if o.progress != nil {
		fmt.Fprintf(o.progress, "gateway pid %d, metrics %s\n", t[gw].p.pid(), t[gw].metrics)
	}
	if t[rl], err = startRelay(ctx, dir, o.groups); err != nil {
		return nil, err
	}
	for _, x := range t {
		if err := x.ev.connect(ctx, dir, x, next); err != nil {
			return nil, fmt.Errorf("%s: %w", x.name, err)
		}
	}
	progress(o, "bench: %s, gateway pid %d, relay pid %d; warming up", dir.title, t[gw].p.pid(), t[rl].p.pid())

	// Warm-up: connection pools, the id store's first pages, the runtime's
	// heap; not measured.
	for _, x := range t {
		if _, err := x.eventRound(ctx, min(o.events, 20_000), o.window, 0); err != nil {
			return nil, fmt.Errorf("%s warm-up: %w", x.name, err)
		}
		if _, err := x.callRound(ctx, dir, false, 1, min(o.calls, 200)); err != nil {
			return nil, fmt.Errorf("%s warm-up: %w", x.name, err)
		}
	}

	for r := range o.rounds {
		// Alternate which path goes first, so drift in the machine's load
		// does not favour one.
		order := [2]int{gw, rl}
		if r%2 == 1 {
			order = [2]int{rl, gw}
		}
		for _, i := range order {
			if err := rep.round(ctx, i, t[i], dir, o); err != nil {
				return nil, fmt.Errorf("round %d, %s: %w", r+1, t[i].name, err)
			}
		}
		progress(o, "bench: round %d/%d: events/s gateway %.0f relay %.0f; paced p99 gateway %s relay %s; gateway has seen %d events", r+1, o.rounds,
			rep.rate[gw][r], rep.rate[rl][r], ms(rep.roundP99[gw][r]), ms(rep.roundP99[rl][r]), t[gw].events)
	}

	// Memory after everything went through.
	rep.gwEvents = t[gw].events
	rep.gwPeak = t[gw].p.peakMem()
	if m, err := readMem(t[gw].p.pid()); err == nil {
		rep.gwEnd = m
		rep.gwPeak.HWM = max(rep.gwPeak.HWM, m.HWM)
	}
	if h, err := scrapeGauge(t[gw].metrics, "go_memstats_heap_inuse_bytes"); err == nil {
		rep.heapEnd = int64(h)
		rep.heapPeak = max(rep.heapPeak, rep.heapEnd)
	}
	if m, err := readMem(t[rl].p.pid()); err == nil {
		rep.relayHWM = m.HWM
	}
	// One upstream call per bot call, nothing else on the way.
	for _, x := range t {
		miss := x.up.unknown()
		for _, name := range slices.Sorted(maps.Keys(miss)) {
			n := miss[name]
			rep.problems = append(rep.problems, fmt.Sprintf("%s: the fake upstream could not answer %q %d times", x.name, name, n))
		}
		if got := x.up.sends(); got != x.calls {
			rep.problems = append(rep.problems, fmt.Sprintf("%s: %d send calls upstream for %d bot calls", x.name, got, x.calls))
		}
		if n := x.up.readBacks(); n > 0 {
			rep.notes = append(rep.notes, fmt.Sprintf("%s read %d sent messages back (get_msg, for their seq) for %d send calls", x.name, n, x.up.sends()))
		}
	}
	rep.loadAfter = loadAvg()
	rep.elapsed = time.Since(rep.started)
	// The gateway's upstream watcher probes get_login_info every few
	// seconds, and the reverse direction looks each group and its sender
	// up once; more than that is something else.
	if n := t[gw].up.others(); n > int64(rep.elapsed.Seconds())+5+3*int64(o.groups) {
		rep.problems = append(rep.problems, fmt.Sprintf("gateway made %d upstream calls other than sends in %s", n, rep.elapsed.Round(time.Second)))
	}
	return rep, nil
}

func progress(o options, format string, args ...any) {
	if o.progress != nil {
		fmt.Fprintf(o.progress, format+"\n", args...)
	}
}

// buildGateway builds ./cmd/gateway of the module this tool belongs to.
func buildGateway(ctx context.Context, tmp string) (string, error) {
	root, err := moduleRoot()
	if err != nil {
		return "", err
	}
	bin := filepath.Join(tmp, "gateway")
	cmd := exec.CommandContext(ctx, "go", "build", "-o", bin, "./cmd/gateway")
	cmd.Dir = root
	if out, err := cmd.CombinedOutput(); err != nil {
		return "", fmt.Errorf("go build ./cmd/gateway: %v\n%s", err, out)
	}
	return bin, nil
}

// moduleRoot is the nearest directory above the working directory with
// this module's go.mod.
func moduleRoot() (string, error) {
	d, err := os.Getwd()
	if err != nil {
		return "", err
	}
	for {
		if b, err := os.ReadFile(filepath.Join(d, "go.mod")); err == nil && strings.Contains(string(b), "module github.com/qqbridge/gateway\n") {
			return d, nil
		}
		up := filepath.Dir(d)
		if up == d {
			return "", errors.New("run from inside the gateway's module (go run ./bench at the repository root)")
		}
		d = up
	}
}

// available asks the binary whether it runs the direction at all.
func available(ctx context.Context, bin string, dir *direction, tmp string) error {
	args := append([]string{"check-config", "--upstream", "ws://127.0.0.1:1", "--data", filepath.Join(tmp, "check")}, dir.gatewayArgs...)
	if dir.gatewayArgs == nil {
		args[2] = "http://127.0.0.1:1"
	}
	cmd := exec.CommandContext(ctx, bin, args...)
	cmd.Env = childEnv()
	out, err := cmd.CombinedOutput()
	if err != nil || strings.Contains(string(out), "not available") {
		return fmt.Errorf("direction %s (%s) is not available in this gateway: %s", dir.name, dir.title, reason(string(out), err))
	}
	return nil
}

// reason is the line of the gateway's output that says why, else its first.
func reason(out string, err error) string {
	lines := strings.Split(strings.TrimSpace(out), "\n")
	for _, l := range lines {
		if strings.Contains(l, "not available") {
			return l
		}
	}
	if lines[0] == "" && err != nil {
		return err.Error()
	}
	return lines[0]
}

func startGateway(ctx context.Context, bin string, dir *direction, groups int, data string, log io.Writer, extra []string) (*target, error) {
	up, err := dir.newUpstream()
	if err != nil {
		return nil, err
	}
	listen, err1 := freeAddr()
	metrics, err2 := freeAddr()
	if err := errors.Join(err1, err2); err != nil {
		up.close()
		return nil, err
	}
	args := append([]string{bin, "--upstream", up.gatewayURL(), "--data", data, "--listen", listen,
		"--metrics-listen", metrics, "--log-level", "warn"}, dir.gatewayArgs...)
	args = append(args, extra...)
	p, err := startProc(ctx, "gateway", log, childEnv(), args...)
	if err != nil {
		up.close()
		return nil, err
	}
	t := &target{name: "gateway", p: p, addr: listen, metrics: "http://" + metrics + "/metrics", up: up,
		ev: &eventPath{up: up, tpl: dir.template(groups)}, httpURL: "http://" + listen + dir.httpPath}
	if dir.wsPath != "" {
		t.wsURL = "ws://" + listen + dir.wsPath
	}
	if err := waitHTTP(ctx, p, "http://"+metrics+"/readyz", 30*time.Second); err != nil {
		p.terminate(5 * time.Second)
		up.close()
		return nil, err
	}
	return t, nil
}

func startRelay(ctx context.Context, dir *direction, groups int) (*target, error) {
	self, err := os.Executable()
	if err != nil {
		return nil, err
	}
	up, err := dir.newUpstream()
	if err != nil {
		return nil, err
	}
	listen, err := freeAddr()
	if err != nil {
		up.close()
		return nil, err
	}
	args := []string{self, "-listen", listen, "-events-from", up.relayEvents(), "-actions-to", up.relayActions()}
	if dir.relayWrap != "" {
		args = append(args, "-wrap-action", dir.relayWrap)
	}
	// A test binary runs the relay from TestMain; its own flags must not
	// reach the relay's flag set, hence the env variable, not an argument.
	p, err := startProc(ctx, "relay", nil, append(childEnv(), relayEnv+"=1"), args...)
	if err != nil {
		up.close()
		return nil, err
	}
	t := &target{name: "raw relay", p: p, addr: listen, up: up,
		ev: &eventPath{up: up, tpl: dir.template(groups)}, httpURL: "http://" + listen + dir.httpPath}
	if dir.wsPath != "" {
		t.wsURL = "ws://" + listen + "/api"
	}
	if err := waitHTTP(ctx, p, "http://"+listen+"/healthz", 30*time.Second); err != nil {
		p.terminate(5 * time.Second)
		up.close()
		return nil, err
	}
	return t, nil
}

// childEnv is this process's environment without GATEWAY_* settings, which
// would change the gateway's configuration behind the command line.
func childEnv() []string {
	var env []string
	for _, kv := range os.Environ() {
		if !strings.HasPrefix(kv, "GATEWAY_") {
			env = append(env, kv)
		}
	}
	return env
}

// connect opens the target's bot event connection and primes the path.
func (p *eventPath) connect(ctx context.Context, dir *direction, t *target, next *atomic.Int64) error {
	path := "/event"
	if t.name == "gateway" {
		path = dir.botEvents
	}
	bot, err := dialEventBot(ctx, "ws://"+t.addr+path)
	if err != nil {
		return err
	}
	p.bot, p.next = bot, next
	return p.prime(ctx)
}

// eventRound runs one event measurement and counts what went through.
func (t *target) eventRound(ctx context.Context, n, window int, rate float64) (eventResult, error) {
	if err := t.p.exited(); err != nil {
		return eventResult{}, err
	}
	res, err := t.ev.measure(ctx, n, window, rate)
	if err == nil {
		t.events += int64(n)
	}
	return res, err
}

// callRound runs one action measurement over HTTP or WebSocket.
func (t *target) callRound(ctx context.Context, dir *direction, ws bool, callers, perCaller int) (callResult, error) {
	if err := t.p.exited(); err != nil {
		return callResult{}, err
	}
	cs := make([]caller, 0, callers)
	defer func() {
		for _, c := range cs {
			c.close()
		}
	}()
	for range callers {
		if ws {
			c, err := newWSCaller(ctx, t.wsURL, dir.wsFrame)
			if err != nil {
				return callResult{}, err
			}
			cs = append(cs, c)
		} else {
			cs = append(cs, newHTTPCaller(t.httpURL, []byte(dir.httpBody)))
		}
	}
	res, err := measureCalls(cs, perCaller, t.p)
	if err == nil {
		t.calls += int64(res.calls + callers) // the warm-up call of each caller too
	}
	return res, err
}
