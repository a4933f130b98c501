package main

import (
	"context"
	"fmt"
	"io"
	"slices"
	"strings"
	"time"
)

// report collects every round of both paths and turns them into the
// figures of the performance table.
type report struct {
	opts                  options
	dir                   *direction
	cpus                  int
	loadBefore, loadAfter string
	started               time.Time
	syscall               time.Duration // syscallCost
	elapsed               time.Duration

	// Per round, by path (gw, rl).
	rate  [2][]float64 // events/s at full load
	cpuEv [2][]float64 // µs of the path's CPU per event at full load
	// kernelEv and kernelCall are the kernel's (system time's) part of
	// cpuEv and cpuCall: the syscalls and the socket work done in them,
	// which the machine prices more than the code does (dear in a VM).
	kernelEv [2][]float64
	paced    [2][]time.Duration
	// roundP99 is each paced round's own p99: tails that grow with the id
	// store show here.
	roundP99 [2][]time.Duration
	// slipped is the paced schedule time skipped (sender late), and
	// pacedTime the paced rounds' total length: their actual rate.
	slipped, pacedTime [2]time.Duration
	// settled is the longest wait for the path to go idle before a
	// measurement (leftover work of the previous one).
	settled [2]time.Duration
	// Actions by path and transport (0 HTTP, 1 WebSocket).
	lat        [2][2][]time.Duration // 1 caller, every call
	cpuCall    [2][2][]float64       // µs of the path's CPU per call, o.callers callers
	kernelCall [2][2][]float64

	gwEvents          int64
	gwPeak, gwEnd     memSample
	heapPeak, heapEnd int64
	relayHWM          int64
	// problems are what makes the figures suspect (an upstream call the
	// fake could not answer, a send too many or too few); notes only
	// inform. Both are printed.
	problems, notes []string
}

// round measures path i once: events at full load, events at the paced
// rate, then send-group-message with one caller and with several.
func (r *report) round(ctx context.Context, i int, t *target, dir *direction, o options) error {
	r.settled[i] = max(r.settled[i], t.p.settle(10*time.Second))
	c0, err := t.p.cpu()
	if err != nil {
		return err
	}
	res, err := t.eventRound(ctx, o.events, o.window, 0)
	if err != nil {
		return err
	}
	// Work the path deferred (the id store's batched commits) is part of
	// what the events cost: CPU is read once it has gone idle again.
	r.settled[i] = max(r.settled[i], t.p.settle(10*time.Second))
	c1, err := t.p.cpu()
	if err != nil {
		return err
	}
	r.rate[i] = append(r.rate[i], res.perSecond())
	d := c1.sub(c0)
	r.cpuEv[i] = append(r.cpuEv[i], float64(d.total())/float64(time.Microsecond)/float64(o.events))
	r.kernelEv[i] = append(r.kernelEv[i], kernelShare(d))

	n := max(1, int(o.rate*o.paced.Seconds()))
	r.settled[i] = max(r.settled[i], t.p.settle(10*time.Second))
	res, err = t.eventRound(ctx, n, 0, o.rate)
	if err != nil {
		return err
	}
	r.paced[i] = append(r.paced[i], res.latency...)
	r.roundP99[i] = append(r.roundP99[i], pct(res.latency, 0.99))
	r.slipped[i] += res.slipped
	r.pacedTime[i] += res.elapsed

	for tr, ws := range []bool{false, true} {
		if ws && t.wsURL == "" {
			continue
		}
		r.settled[i] = max(r.settled[i], t.p.settle(10*time.Second))
		one, err := t.callRound(ctx, dir, ws, 1, o.calls)
		if err != nil {
			return err
		}
		r.lat[i][tr] = append(r.lat[i][tr], one.latency...)
		r.settled[i] = max(r.settled[i], t.p.settle(10*time.Second))
		many, err := t.callRound(ctx, dir, ws, o.callers, o.calls)
		if err != nil {
			return err
		}
		r.cpuCall[i][tr] = append(r.cpuCall[i][tr], float64(many.cpu.total())/float64(time.Microsecond)/float64(many.calls))
		r.kernelCall[i][tr] = append(r.kernelCall[i][tr], kernelShare(many.cpu))
	}
	if t.metrics != "" {
		// Outside every measured window: a scrape costs the gateway CPU.
		if h, err := scrapeGauge(t.metrics, "go_memstats_heap_inuse_bytes"); err == nil {
			r.heapPeak = max(r.heapPeak, int64(h))
		}
	}
	return nil
}

// row is one line of the table.
type row struct {
	figure, gateway, relay, result, target string
	ok                                     bool
	// unresolved: the relay's figure came out above the gateway's, so the
	// difference is the machine's noise, not a measurement.
	unresolved bool
}

func (r *report) rows() []row {
	o := r.opts
	var rows []row
	ratios := make([]float64, len(r.rate[gw]))
	for k := range ratios {
		ratios[k] = r.rate[gw][k] / r.rate[rl][k]
	}
	ratio := median(ratios)
	rows = append(rows, row{
		figure:  "event throughput / raw relay's",
		gateway: fmt.Sprintf("%.0f events/s", median(r.rate[gw])), relay: fmt.Sprintf("%.0f events/s", median(r.rate[rl])),
		result: fmt.Sprintf("%.2f", ratio), target: "≥ 0.5", ok: ratio >= 0.5,
	})
	p99 := pct(r.paced[gw], 0.99)
	rows = append(rows, row{
		figure:  fmt.Sprintf("event latency p99 at a steady %.0f events/s", o.rate),
		gateway: fmt.Sprintf("%s (p50 %s)", ms(p99), ms(pct(r.paced[gw], 0.5))),
		relay:   fmt.Sprintf("%s (p50 %s)", ms(pct(r.paced[rl], 0.99)), ms(pct(r.paced[rl], 0.5))),
		result:  ms(p99), target: "≤ 0.5 ms", ok: p99 <= 500*time.Microsecond,
	})
	cpuEv := median(r.cpuEv[gw])
	rows = append(rows, row{
		figure:  "CPU per event, full load",
		gateway: cpuCell(cpuEv, r.kernelEv[gw]), relay: cpuCell(median(r.cpuEv[rl]), r.kernelEv[rl]),
		result: fmt.Sprintf("%.1f µs", cpuEv), target: "≤ 15 µs", ok: cpuEv <= 15,
	})
	transports := []struct {
		name             string
		p50, p99, cpuMax float64
	}{{"HTTP", 100, 300, 50}, {"forward WS", 80, 250, 40}}
	if r.dir.wsPath == "" {
		transports = transports[:1]
	}
	for tr, x := range transports {
		g50, g99 := pct(r.lat[gw][tr], 0.5), pct(r.lat[gw][tr], 0.99)
		r50, r99 := pct(r.lat[rl][tr], 0.5), pct(r.lat[rl][tr], 0.99)
		a50, a99 := us(g50-r50), us(g99-r99)
		rows = append(rows, row{
			figure:  fmt.Sprintf("%s added latency, 1 caller, p50 / p99 (%s)", r.dir.action, x.name),
			gateway: fmt.Sprintf("%.0f / %.0f µs", us(g50), us(g99)), relay: fmt.Sprintf("%.0f / %.0f µs", us(r50), us(r99)),
			result: fmt.Sprintf("%+.0f / %+.0f µs", a50, a99), target: fmt.Sprintf("≤ +%.0f / +%.0f µs", x.p50, x.p99),
			ok: a50 <= x.p50 && a99 <= x.p99, unresolved: a50 < 0 || a99 < 0,
		})
	}
	for tr, x := range transports {
		c := median(r.cpuCall[gw][tr])
		rows = append(rows, row{
			figure:  fmt.Sprintf("CPU per call, %d callers (%s)", o.callers, x.name),
			gateway: cpuCell(c, r.kernelCall[gw][tr]), relay: cpuCell(median(r.cpuCall[rl][tr]), r.kernelCall[rl][tr]),
			result: fmt.Sprintf("%.1f µs", c), target: fmt.Sprintf("≤ %.0f µs", x.cpuMax), ok: c <= x.cpuMax,
		})
	}
	rows = append(rows, row{
		figure: fmt.Sprintf("peak RSS after %s events", count(r.gwEvents)),
		gateway: fmt.Sprintf("%s (anon %s, file %s; Go heap in use %s)", mib(r.gwPeak.HWM),
			mib(r.gwPeak.Anon), mib(r.gwPeak.File), mib(r.heapPeak)),
		relay:  mib(r.relayHWM),
		result: mib(r.gwPeak.HWM), target: "≤ 64 MiB", ok: r.gwPeak.HWM <= 64<<20,
	})
	return rows
}

// kernelShare is the part of d spent in the kernel, 0 for no CPU at all.
func kernelShare(d cpuTime) float64 {
	if d.total() <= 0 {
		return 0
	}
	return float64(d.sys) / float64(d.total())
}

// cpuCell is a CPU figure with the median kernel part of its rounds.
func cpuCell(us float64, kernel []float64) string {
	return fmt.Sprintf("%.1f µs (%.0f %% kernel)", us, 100*median(kernel))
}

func (r *report) header() string {
	o := r.opts
	return fmt.Sprintf("direction %s (%s); %d rounds × (%d events at full load, %d in flight; %s at %.0f events/s; %d calls × 1 and × %d callers per transport); "+
		"%d CPUs, one getppid(2) %.2f µs, load average %s before, %s after; %s",
		r.dir.name, r.dir.title, o.rounds, o.events, o.window, o.paced, o.rate, o.calls, o.callers,
		r.cpus, us(r.syscall), r.loadBefore, r.loadAfter, r.elapsed.Round(time.Second))
}

func (r *report) footnotes() []string {
	var n []string
	for i, name := range []string{"gateway", "relay"} {
		if r.slipped[i] > 0 {
			n = append(n, fmt.Sprintf("paced rounds, %s: the sender was late by %s in all (a busy machine) and moved its schedule on instead of sending a burst; actual rate %.0f events/s",
				name, r.slipped[i].Round(time.Millisecond), float64(len(r.paced[i]))/r.pacedTime[i].Seconds()))
		}
	}
	n = append(n, fmt.Sprintf("before each measurement the tool waits for the path to go idle (under 5 %% of a CPU): up to %s for the gateway, %s for the relay",
		r.settled[gw].Round(100*time.Millisecond), r.settled[rl].Round(100*time.Millisecond)))
	n = append(n, fmt.Sprintf("gateway at the end: RSS %s (anon %s, file %s), Go heap in use %s",
		mib(r.gwEnd.RSS), mib(r.gwEnd.Anon), mib(r.gwEnd.File), mib(r.heapEnd)))
	n = append(n, r.problems...)
	return append(n, r.notes...)
}

func (r *report) text(w io.Writer) {
	fmt.Fprintln(w, r.header())
	rows := r.rows()
	tw := [5]int{len("figure"), len("gateway"), len("raw relay"), len("result"), len("target")}
	for _, x := range rows {
		for k, s := range []string{x.figure, x.gateway, x.relay, x.result, x.target} {
			tw[k] = max(tw[k], len([]rune(s)))
		}
	}
	line := func(cells ...string) {
		for k, s := range cells {
			if k < 5 {
				fmt.Fprint(w, s, strings.Repeat(" ", tw[k]-len([]rune(s))), "  ")
			} else {
				fmt.Fprint(w, s)
			}
		}
		fmt.Fprintln(w)
	}
	line("figure", "gateway", "raw relay", "result", "target", "")
	for _, x := range rows {
		line(x.figure, x.gateway, x.relay, x.result, x.target, x.verdict())
	}
	for _, n := range r.footnotes() {
		fmt.Fprintln(w, "note:", n)
	}
}

func (r *report) markdown(w io.Writer) {
	fmt.Fprintln(w, "| figure | gateway | raw relay | result | target | |")
	fmt.Fprintln(w, "|---|---:|---:|---:|---:|---|")
	for _, x := range r.rows() {
		fmt.Fprintf(w, "| %s | %s | %s | %s | %s | %s |\n", x.figure, x.gateway, x.relay, x.result, x.target, x.verdict())
	}
	fmt.Fprintln(w)
	fmt.Fprintln(w, r.header()+".")
	for _, n := range r.footnotes() {
		fmt.Fprintln(w, "Note: "+n+".")
	}
}

func (x row) verdict() string {
	switch {
	case x.unresolved && x.ok:
		return "met? (negative: noise)"
	case x.unresolved:
		return "MISSED (negative: noise)"
	case x.ok:
		return "met"
	}
	return "MISSED"
}

func median(v []float64) float64 {
	if len(v) == 0 {
		return 0
	}
	s := slices.Clone(v)
	slices.Sort(s)
	if len(s)%2 == 1 {
		return s[len(s)/2]
	}
	return (s[len(s)/2-1] + s[len(s)/2]) / 2
}

// pct is the q-quantile (nearest rank) of d.
func pct(d []time.Duration, q float64) time.Duration {
	if len(d) == 0 {
		return 0
	}
	s := slices.Clone(d)
	slices.Sort(s)
	k := int(q*float64(len(s))+0.5) - 1
	return s[min(max(k, 0), len(s)-1)]
}

func us(d time.Duration) float64 { return float64(d) / float64(time.Microsecond) }

func ms(d time.Duration) string { return fmt.Sprintf("%.2f ms", float64(d)/float64(time.Millisecond)) }

func mib(b int64) string { return fmt.Sprintf("%.1f MiB", float64(b)/(1<<20)) }

func count(n int64) string {
	switch {
	case n >= 1_000_000:
		return fmt.Sprintf("%.2fM", float64(n)/1e6)
	case n >= 1000:
		return fmt.Sprintf("%.0fk", float64(n)/1e3)
	}
	return fmt.Sprint(n)
}
