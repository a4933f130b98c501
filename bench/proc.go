package main

import (
	"bufio"
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"os/exec"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"time"
)

// What the tool reads about a process it started: CPU time from
// /proc/PID/stat (utime+stime of every thread, dead ones included), memory
// from /proc/PID/status, and the Go heap from the gateway's /metrics.

// clockTick is USER_HZ, the unit of utime/stime: 100 on every Linux ABI Go
// supports (the kernel converts whatever HZ it runs at).
const clockTick = 10 * time.Millisecond

// proc is a child process the tool started and watches.
type proc struct {
	name    string
	cmd     *exec.Cmd
	stderr  *tailBuffer
	done    chan struct{}
	waitErr error

	mu   sync.Mutex
	peak memSample // highest of each field seen by the sampler
	stop chan struct{}
	wg   sync.WaitGroup
}

// startProc starts argv with its stderr kept (last lines only, for error
// messages; all of it also to log when not nil) and its stdout discarded;
// it is killed when ctx ends.
func startProc(ctx context.Context, name string, log io.Writer, env []string, argv ...string) (*proc, error) {
	cmd := exec.CommandContext(ctx, argv[0], argv[1:]...)
	cmd.Env = env
	cmd.Stdout = io.Discard
	p := &proc{name: name, cmd: cmd, stderr: &tailBuffer{max: 8 << 10}, done: make(chan struct{}), stop: make(chan struct{})}
	cmd.Stderr = p.stderr
	if log != nil {
		cmd.Stderr = io.MultiWriter(p.stderr, log)
	}
	cmd.WaitDelay = 2 * time.Second
	if err := cmd.Start(); err != nil {
		return nil, fmt.Errorf("%s: start: %w", name, err)
	}
	go func() { p.waitErr = cmd.Wait(); close(p.done) }()
	p.wg.Add(1)
	go p.sample(100 * time.Millisecond)
	return p, nil
}

func (p *proc) pid() int { return p.cmd.Process.Pid }

// exited is non-nil once the process has ended, with its last stderr lines.
func (p *proc) exited() error {
	select {
	case <-p.done:
		return fmt.Errorf("%s exited (%v); stderr:\n%s", p.name, p.waitErr, p.stderr.String())
	default:
		return nil
	}
}

// terminate asks the process to stop (SIGTERM: the gateway drains) and
// kills it if it has not ended within grace.
func (p *proc) terminate(grace time.Duration) {
	close(p.stop)
	p.wg.Wait()
	_ = p.cmd.Process.Signal(os.Interrupt)
	select {
	case <-p.done:
	case <-time.After(grace):
		_ = p.cmd.Process.Kill()
		<-p.done
	}
}

// cpuTime is a process's CPU time so far, split as the kernel counts it.
type cpuTime struct{ user, sys time.Duration }

func (c cpuTime) total() time.Duration { return c.user + c.sys }

// sub is the CPU spent between b and c.
func (c cpuTime) sub(b cpuTime) cpuTime { return cpuTime{c.user - b.user, c.sys - b.sys} }

// cpu is the process's CPU time so far.
func (p *proc) cpu() (cpuTime, error) { return cpuOf(p.pid()) }

func cpuOf(pid int) (cpuTime, error) {
	raw, err := os.ReadFile(fmt.Sprintf("/proc/%d/stat", pid))
	if err != nil {
		return cpuTime{}, err
	}
	// The command name (field 2) may hold spaces: fields count from the
	// closing parenthesis, which is field 2's end.
	k := bytes.LastIndexByte(raw, ')')
	if k < 0 {
		return cpuTime{}, errors.New("bad /proc stat")
	}
	f := strings.Fields(string(raw[k+1:]))
	// f[0] is field 3 (state); utime is field 14, stime 15.
	if len(f) < 13 {
		return cpuTime{}, errors.New("short /proc stat")
	}
	ut, err1 := strconv.ParseInt(f[11], 10, 64)
	st, err2 := strconv.ParseInt(f[12], 10, 64)
	if err1 != nil || err2 != nil {
		return cpuTime{}, errors.New("bad utime/stime in /proc stat")
	}
	return cpuTime{time.Duration(ut) * clockTick, time.Duration(st) * clockTick}, nil
}

// memSample is one reading of /proc/PID/status, in bytes.
type memSample struct {
	HWM, RSS, Anon, File int64
}

func readMem(pid int) (memSample, error) {
	f, err := os.Open(fmt.Sprintf("/proc/%d/status", pid))
	if err != nil {
		return memSample{}, err
	}
	defer f.Close()
	var m memSample
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		key, val, ok := strings.Cut(sc.Text(), ":")
		if !ok {
			continue
		}
		var dst *int64
		switch key {
		case "VmHWM":
			dst = &m.HWM
		case "VmRSS":
			dst = &m.RSS
		case "RssAnon":
			dst = &m.Anon
		case "RssFile":
			dst = &m.File
		default:
			continue
		}
		kb, err := strconv.ParseInt(strings.TrimSuffix(strings.TrimSpace(val), " kB"), 10, 64)
		if err != nil {
			return m, fmt.Errorf("/proc status %s: %v", key, err)
		}
		*dst = kb << 10
	}
	return m, sc.Err()
}

// sample records the highest anonymous and file-backed RSS until stop: the
// kernel keeps only the peak of their sum (VmHWM).
func (p *proc) sample(every time.Duration) {
	defer p.wg.Done()
	t := time.NewTicker(every)
	defer t.Stop()
	for {
		if m, err := readMem(p.pid()); err == nil {
			p.mu.Lock()
			p.peak.HWM = max(p.peak.HWM, m.HWM)
			p.peak.RSS = max(p.peak.RSS, m.RSS)
			p.peak.Anon = max(p.peak.Anon, m.Anon)
			p.peak.File = max(p.peak.File, m.File)
			p.mu.Unlock()
		}
		select {
		case <-p.stop:
			return
		case <-p.done:
			return
		case <-t.C:
		}
	}
}

func (p *proc) peakMem() memSample {
	p.mu.Lock()
	defer p.mu.Unlock()
	return p.peak
}

// scrapeGauge reads one unlabelled sample from a Prometheus text page.
func scrapeGauge(url, name string) (float64, error) {
	c := http.Client{Timeout: 5 * time.Second}
	resp, err := c.Get(url)
	if err != nil {
		return 0, err
	}
	defer resp.Body.Close()
	sc := bufio.NewScanner(resp.Body)
	sc.Buffer(make([]byte, 64<<10), 1<<20)
	for sc.Scan() {
		line := sc.Text()
		if v, ok := strings.CutPrefix(line, name+" "); ok {
			return strconv.ParseFloat(strings.TrimSpace(v), 64)
		}
	}
	if err := sc.Err(); err != nil {
		return 0, err
	}
	return 0, fmt.Errorf("%s not in %s", name, url)
}

// freeAddr picks a loopback port the system considers free. Another
// process may take it before the child binds it; startup then fails
// visibly and the run can be repeated.
func freeAddr() (string, error) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return "", err
	}
	defer ln.Close()
	return ln.Addr().String(), nil
}

// waitHTTP polls url until it answers 200, the process ends or ctx ends.
func waitHTTP(ctx context.Context, p *proc, url string, limit time.Duration) error {
	c := http.Client{Timeout: time.Second}
	deadline := time.Now().Add(limit)
	for {
		if err := p.exited(); err != nil {
			return err
		}
		resp, err := c.Get(url)
		if err == nil {
			_, _ = io.Copy(io.Discard, resp.Body)
			resp.Body.Close()
			if resp.StatusCode == http.StatusOK {
				return nil
			}
		}
		if time.Now().After(deadline) {
			return fmt.Errorf("%s: %s not ready after %s (last error %v); stderr:\n%s", p.name, url, limit, err, p.stderr.String())
		}
		select {
		case <-ctx.Done():
			return ctx.Err()
		case <-time.After(20 * time.Millisecond):
		}
	}
}

// tailBuffer keeps the last max bytes written to it.
type tailBuffer struct {
	mu  sync.Mutex
	max int
	b   []byte
}

func (t *tailBuffer) Write(p []byte) (int, error) {
	t.mu.Lock()
	defer t.mu.Unlock()
	t.b = append(t.b, p...)
	if over := len(t.b) - t.max; over > 0 {
		t.b = append(t.b[:0], t.b[over:]...)
	}
	return len(p), nil
}

func (t *tailBuffer) String() string {
	t.mu.Lock()
	defer t.mu.Unlock()
	return string(t.b)
}

// loadAvg is /proc/loadavg's first three fields: how busy the machine was.
func loadAvg() string {
	raw, err := os.ReadFile("/proc/loadavg")
	if err != nil {
		return "?"
	}
	f := strings.Fields(string(raw))
	if len(f) < 3 {
		return "?"
	}
	return strings.Join(f[:3], " ")
}

// syscallCost is what the cheapest syscall, getppid(2), costs on this
// machine: the best of five runs of 20 000. Every event and call costs
// several syscalls in the gateway and the relay alike; in a VM that traps
// them, or whose kernel empties the TLB on each (page-table isolation
// without PCID), it is dear, and the CPU figures grow with it. The report
// prints it so figures from two machines can be compared.
func syscallCost() time.Duration {
	const n = 20_000
	best := time.Duration(1<<63 - 1)
	for range 5 {
		start := time.Now()
		for range n {
			syscall.Getppid()
		}
		best = min(best, time.Since(start)/n)
	}
	return best
}

// settle waits until the process is close to idle (under 5 % of one CPU
// over 200 ms), at most limit: work left over from the previous
// measurement (the id store's batched commits after a burst) must not be
// charged to the next one. It returns how long it waited.
func (p *proc) settle(limit time.Duration) time.Duration {
	const step = 200 * time.Millisecond
	start := time.Now()
	prev, err := p.cpu()
	for err == nil && time.Since(start) < limit {
		time.Sleep(step)
		var c cpuTime
		if c, err = p.cpu(); err == nil && c.sub(prev).total() < step/20 {
			break
		}
		prev = c
	}
	return time.Since(start)
}
