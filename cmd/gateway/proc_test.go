package main

import (
	"bufio"
	"net/http"
	"os/exec"
	"regexp"
	"syscall"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/qqbridge/gateway/internal/syncbuf"
)

// What the banner says, by direction.
var (
	ob11APIRe  = regexp.MustCompile(`HTTP API:\s+http://(127\.0\.0\.1:\d+)/`)
	milkyAPIRe = regexp.MustCompile(`API:\s+POST http://(127\.0\.0\.1:\d+)/api/<name>`)
	metricsRe  = regexp.MustCompile(`metrics/health:\s+http://(127\.0\.0\.1:\d+)/metrics`)
)

// proc is the built gateway running under a test, as an operator starts it.
type proc struct {
	cmd     *exec.Cmd
	stderr  *syncbuf.Buffer
	exited  chan struct{} // closed when the process ended; waitErr is then set
	waitErr error
	api     string // host:port of the bots' listener, from the banner
	metrics string // host:port of /metrics, /healthz, /readyz (when asked for)
}

// startProc runs the binary with args, kills it at cleanup if it still
// runs, and reads the banner until apiRe (and metricsRe, when wantMetrics)
// matched. The rest of stdout is drained.
func startProc(t *testing.T, apiRe *regexp.Regexp, wantMetrics bool, args ...string) *proc {
	t.Helper()
	p := &proc{cmd: exec.Command(gatewayBinary(t), args...), stderr: &syncbuf.Buffer{}, exited: make(chan struct{})}
	p.cmd.Env = baseEnv()
	stdout, err := p.cmd.StdoutPipe()
	require.NoError(t, err)
	p.cmd.Stderr = p.stderr
	require.NoError(t, p.cmd.Start())
	go func() { p.waitErr = p.cmd.Wait(); close(p.exited) }()
	t.Cleanup(func() {
		select {
		case <-p.exited:
		default:
			_ = p.cmd.Process.Kill()
			<-p.exited
		}
	})

	lines := make(chan string, 64)
	go func() {
		sc := bufio.NewScanner(stdout)
		for sc.Scan() {
			lines <- sc.Text()
		}
		close(lines)
	}()
	deadline := time.After(30 * time.Second)
	for p.api == "" || (wantMetrics && p.metrics == "") {
		select {
		case l, ok := <-lines:
			require.True(t, ok, "stdout ended before the banner; stderr: %s", p.stderr.String())
			if m := apiRe.FindStringSubmatch(l); m != nil {
				p.api = m[1]
			}
			if m := metricsRe.FindStringSubmatch(l); m != nil {
				p.metrics = m[1]
			}
		case <-deadline:
			t.Fatalf("no banner; stderr: %s", p.stderr.String())
		}
	}
	go func() {
		for range lines { //nolint:revive // drain
		}
	}()
	return p
}

// waitReady polls /readyz until it says 200.
func (p *proc) waitReady(t *testing.T) {
	t.Helper()
	require.Eventually(t, func() bool {
		resp, err := http.Get("http://" + p.metrics + "/readyz")
		if err != nil {
			return false
		}
		resp.Body.Close()
		return resp.StatusCode == http.StatusOK
	}, 15*time.Second, 20*time.Millisecond, "readyz; stderr: %s", p.stderr.String())
}

// sigterm asks the process to stop and returns when it was asked.
func (p *proc) sigterm(t *testing.T) time.Time {
	t.Helper()
	start := time.Now()
	require.NoError(t, p.cmd.Process.Signal(syscall.SIGTERM))
	return start
}

// requireExitedInGrace requires a clean exit within the 10 s grace period
// counted from start.
func (p *proc) requireExitedInGrace(t *testing.T, start time.Time) {
	t.Helper()
	select {
	case <-p.exited:
		assert.NoError(t, p.waitErr, "exit status; stderr: %s", p.stderr.String())
		assert.Less(t, time.Since(start), 12*time.Second, "exits within the 10s grace period")
	case <-time.After(20 * time.Second):
		t.Fatalf("the gateway did not exit after SIGTERM; stderr: %s", p.stderr.String())
	}
}
