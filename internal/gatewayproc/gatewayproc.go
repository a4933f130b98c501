// Package gatewayproc runs the built gateway binary under a test, as an
// operator starts it: loopback ports picked by the kernel and read back
// from its banner, /readyz, SIGTERM. The binary's own tests (cmd/gateway)
// and the client-library compatibility tests (compat) share it.
package gatewayproc

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
	OneBotAPI = regexp.MustCompile(`HTTP API:\s+http://(127\.0\.0\.1:\d+)/`)
	MilkyAPI  = regexp.MustCompile(`API:\s+POST http://(127\.0\.0\.1:\d+)/api/<name>`)
	metricsRe = regexp.MustCompile(`metrics/health:\s+http://(127\.0\.0\.1:\d+)/metrics`)
)

// Proc is one running gateway process.
type Proc struct {
	Cmd     *exec.Cmd
	Stderr  *syncbuf.Buffer
	Exited  chan struct{} // closed when the process ended; WaitErr is then set
	WaitErr error
	API     string // host:port of the bots' listener, from the banner
	Metrics string // host:port of /metrics, /healthz, /readyz (when asked for)
}

// Start runs bin with args and env, kills it at cleanup if it still runs,
// and reads the banner until apiRe (and the metrics line, when
// wantMetrics) matched. The rest of stdout is drained.
func Start(t testing.TB, bin string, env []string, apiRe *regexp.Regexp, wantMetrics bool, args ...string) *Proc {
	t.Helper()
	p := &Proc{Cmd: exec.Command(bin, args...), Stderr: &syncbuf.Buffer{}, Exited: make(chan struct{})}
	p.Cmd.Env = env
	stdout, err := p.Cmd.StdoutPipe()
	require.NoError(t, err)
	p.Cmd.Stderr = p.Stderr
	require.NoError(t, p.Cmd.Start())
	go func() { p.WaitErr = p.Cmd.Wait(); close(p.Exited) }()
	t.Cleanup(func() {
		select {
		case <-p.Exited:
		default:
			_ = p.Cmd.Process.Kill()
			<-p.Exited
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
	for p.API == "" || (wantMetrics && p.Metrics == "") {
		select {
		case l, ok := <-lines:
			require.True(t, ok, "stdout ended before the banner; stderr:\n%s", p.Stderr)
			if m := apiRe.FindStringSubmatch(l); m != nil {
				p.API = m[1]
			}
			if m := metricsRe.FindStringSubmatch(l); m != nil {
				p.Metrics = m[1]
			}
		case <-deadline:
			t.Fatalf("no banner from the gateway; stderr:\n%s", p.Stderr)
		}
	}
	go func() {
		for range lines { //nolint:revive // drain so the gateway never blocks on stdout
		}
	}()
	return p
}

// WaitReady polls /readyz until it says 200.
func (p *Proc) WaitReady(t testing.TB) {
	t.Helper()
	client := &http.Client{Timeout: 2 * time.Second}
	require.Eventually(t, func() bool {
		resp, err := client.Get("http://" + p.Metrics + "/readyz")
		if err != nil {
			return false
		}
		resp.Body.Close()
		return resp.StatusCode == http.StatusOK
	}, 20*time.Second, 20*time.Millisecond, "gateway /readyz; stderr:\n%s", p.Stderr)
}

// SIGTERM asks the process to stop and returns when it was asked.
func (p *Proc) SIGTERM(t testing.TB) time.Time {
	t.Helper()
	start := time.Now()
	require.NoError(t, p.Cmd.Process.Signal(syscall.SIGTERM))
	return start
}

// RequireExitedInGrace requires a clean exit within the 10 s grace period
// counted from start.
func (p *Proc) RequireExitedInGrace(t testing.TB, start time.Time) {
	t.Helper()
	select {
	case <-p.Exited:
		assert.NoError(t, p.WaitErr, "exit status; stderr: %s", p.Stderr)
		assert.Less(t, time.Since(start), 12*time.Second, "exits within the 10s grace period")
	case <-time.After(20 * time.Second):
		t.Fatalf("the gateway did not exit after SIGTERM; stderr: %s", p.Stderr)
	}
}
