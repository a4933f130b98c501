// Package compat runs real third-party OneBot 11 client libraries from npm,
// unchanged, against the built gateway binary on its built-in simulator:
// node-napcat-ts (one /event socket for events and calls), cq-websocket
// (split /api + /event sockets, query-string token, CQ strings) and Koishi's
// OneBot adapter (forward WS on /, and reverse WS dialled by the gateway).
// Each library is driven by a small Node script in this directory that
// exits 0 when all its checks passed (see README.md).
package compat

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"runtime/debug"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/qqbridge/gateway/internal/conformance"
	"github.com/qqbridge/gateway/internal/gatewayproc"
	"github.com/qqbridge/gateway/internal/syncbuf"

	"github.com/goccy/go-json"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// compatToken is URL-safe because node-napcat-ts puts it into the query
// string without encoding it.
const compatToken = "compat-token-7f3a"

// TestRealClients builds the gateway once and runs each client script
// against its own gateway process, in parallel.
func TestRealClients(t *testing.T) {
	node := nodeTools(t)
	ensureModules(t)
	bin := buildGateway(t)

	t.Run("node-napcat-ts", func(t *testing.T) {
		t.Parallel()
		gw := startGateway(t, bin, "--message-format", "array")
		runScript(t, node, gw, "napcat.mjs", "COMPAT_WS_URL=ws://"+gw.addr)
	})
	t.Run("cq-websocket", func(t *testing.T) {
		t.Parallel()
		gw := startGateway(t, bin, "--message-format", "string")
		host, port, err := net.SplitHostPort(gw.addr)
		require.NoError(t, err)
		runScript(t, node, gw, "cqwebsocket.mjs", "COMPAT_HOST="+host, "COMPAT_PORT="+port)
	})
	t.Run("koishi-ws", func(t *testing.T) {
		t.Parallel()
		gw := startGateway(t, bin)
		runScript(t, node, gw, "koishi.mjs", "COMPAT_HTTP_URL=http://"+gw.addr, "COMPAT_KOISHI_PROTOCOL=ws")
	})
	t.Run("koishi-ws-reverse", func(t *testing.T) {
		t.Parallel()
		// Koishi listens on a port picked here; the gateway dials it, retrying
		// quickly until the script is up.
		port := freePort(t)
		gw := startGateway(t, bin, "--reverse-ws", "ws://127.0.0.1:"+port+"/onebot/v11/ws", "--reconnect-interval", "200ms")
		runScript(t, node, gw, "koishi.mjs", "COMPAT_HTTP_URL=http://"+gw.addr,
			"COMPAT_KOISHI_PROTOCOL=ws-reverse", "COMPAT_KOISHI_PORT="+port)
	})
}

// freePort returns a loopback port that was free a moment ago.
func freePort(t *testing.T) string {
	t.Helper()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	require.NoError(t, err)
	_, port, err := net.SplitHostPort(l.Addr().String())
	require.NoError(t, err)
	require.NoError(t, l.Close())
	return port
}

// TestPinnedVersions: the clients are pinned exactly, and the lock file
// agrees, so every run tests the same library code. Needs no Node.
func TestPinnedVersions(t *testing.T) {
	pkg := readJSON[struct {
		Dependencies map[string]string `json:"dependencies"`
	}](t, "package.json")
	lock := readJSON[struct {
		Packages map[string]struct {
			Version string `json:"version"`
		} `json:"packages"`
	}](t, "package-lock.json")
	exact := regexp.MustCompile(`^\d+\.\d+\.\d+$`)
	for _, name := range []string{"node-napcat-ts", "cq-websocket", "koishi", "koishi-plugin-adapter-onebot"} {
		require.Contains(t, pkg.Dependencies, name)
	}
	for name, version := range pkg.Dependencies {
		assert.Regexp(t, exact, version, "%s must be pinned to an exact version", name)
		assert.Equal(t, version, lock.Packages["node_modules/"+name].Version, "package-lock.json version of %s", name)
	}
}

func readJSON[T any](t *testing.T, file string) T {
	t.Helper()
	var v T
	b, err := os.ReadFile(file)
	require.NoError(t, err)
	require.NoError(t, json.Unmarshal(b, &v), file)
	return v
}

// nodeTools finds node (≥ 20) and npm. Without them the test skips, except
// under CI, where a missing tool is a failure.
func nodeTools(t *testing.T) string {
	t.Helper()
	missing := func(format string, args ...any) {
		msg := fmt.Sprintf(format, args...) + "; install Node.js ≥ 20 with npm to run the real-client compatibility tests"
		if os.Getenv("CI") != "" {
			t.Fatal(msg + " (CI is set, so this is a failure)")
		}
		t.Skip(msg)
	}
	node, err := exec.LookPath("node")
	if err != nil {
		missing("node not found")
	}
	if _, err := exec.LookPath("npm"); err != nil {
		missing("npm not found")
	}
	out, err := exec.Command(node, "--version").Output()
	if err != nil {
		missing("node --version: %v", err)
	}
	v := strings.TrimPrefix(strings.TrimSpace(string(out)), "v")
	major, _ := strconv.Atoi(strings.SplitN(v, ".", 2)[0])
	if major < 20 {
		missing("node %s is too old", v)
	}
	return node
}

// ensureModules runs `npm ci` when node_modules is missing or holds other
// versions than package.json pins (npm ci installs exactly the lock file).
// Install scripts are not needed: the clients' optional native WebSocket
// addons fall back to JavaScript.
func ensureModules(t *testing.T) {
	t.Helper()
	pkg := readJSON[struct {
		Dependencies map[string]string `json:"dependencies"`
	}](t, "package.json")
	installed := func() bool {
		for name, version := range pkg.Dependencies {
			b, err := os.ReadFile(filepath.Join("node_modules", name, "package.json"))
			if err != nil {
				return false
			}
			var p struct {
				Version string `json:"version"`
			}
			if json.Unmarshal(b, &p) != nil || p.Version != version {
				return false
			}
		}
		return true
	}
	if installed() {
		return
	}
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Minute)
	defer cancel()
	cmd := exec.CommandContext(ctx, "npm", "ci", "--ignore-scripts", "--no-audit", "--no-fund", "--loglevel=error")
	out, err := cmd.CombinedOutput()
	require.NoError(t, err, "npm ci in compat/:\n%s", out)
	require.True(t, installed(), "npm ci did not install the pinned versions")
}

// buildGateway builds ./cmd/gateway into the test's temporary directory,
// with the race detector when this test runs with it, so the real clients'
// traffic is checked for data races inside the gateway too.
func buildGateway(t *testing.T) string {
	t.Helper()
	goBin, err := exec.LookPath("go")
	if err != nil {
		goBin = "go" // not on PATH: let exec report it
	}
	bin := filepath.Join(t.TempDir(), "gateway")
	args := []string{"build", "-o", bin}
	if raceEnabled() {
		args = append(args, "-race")
	}
	cmd := exec.Command(goBin, append(args, "./cmd/gateway")...)
	cmd.Dir = ".." // the repository root
	out, err := cmd.CombinedOutput()
	require.NoError(t, err, "go %s:\n%s", strings.Join(cmd.Args[1:], " "), out)
	return bin
}

// raceEnabled reports whether this test binary was built with -race.
func raceEnabled() bool {
	info, ok := debug.ReadBuildInfo()
	if !ok {
		return false
	}
	for _, s := range info.Settings {
		if s.Key == "-race" {
			return s.Value == "true"
		}
	}
	return false
}

type gateway struct {
	addr   string // OneBot 11 listener, host:port
	stderr *syncbuf.Buffer
}

// startGateway runs the binary on the built-in simulator with loopback
// ports picked by the kernel (read back from its banner), waits for
// /readyz, and stops it with SIGTERM when the test ends.
func startGateway(t *testing.T, bin string, extra ...string) *gateway {
	t.Helper()
	args := append([]string{
		"--listen", "127.0.0.1:0", "--metrics-listen", "127.0.0.1:0",
		"--access-token", compatToken, "--data", t.TempDir(), "--heartbeat", "1s", "--log-format", "text",
	}, extra...)
	p := gatewayproc.Start(t, bin, baseEnv(), gatewayproc.OneBotAPI, true, args...)
	gw := &gateway{addr: p.API, stderr: p.Stderr}
	t.Cleanup(func() { // before Start's own cleanup, which kills
		_ = p.Cmd.Process.Signal(syscall.SIGTERM)
		select {
		case <-p.Exited:
			assert.NoError(t, p.WaitErr, "gateway exit after SIGTERM; stderr:\n%s", gw.stderr)
		case <-time.After(15 * time.Second):
			_ = p.Cmd.Process.Kill()
			<-p.Exited
			t.Errorf("the gateway did not exit after SIGTERM; stderr:\n%s", gw.stderr)
		}
	})
	p.WaitReady(t)
	return gw
}

// runScript runs one client script with node (bounded) and fails the test
// with its output and the gateway's log when it exits non-zero.
func runScript(t *testing.T, node string, gw *gateway, script string, env ...string) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	defer cancel()
	cmd := exec.CommandContext(ctx, node, script)
	cmd.Env = append(baseEnv(), append(env, "COMPAT_TOKEN="+compatToken, "NO_COLOR=1")...)
	cmd.WaitDelay = 5 * time.Second
	var out bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &out
	start := time.Now()
	err := cmd.Run()
	if ctx.Err() != nil {
		t.Fatalf("%s did not finish within 60s; output:\n%s\ngateway stderr:\n%s", script, out.String(), gw.stderr)
	}
	var ee *exec.ExitError
	if errors.As(err, &ee) {
		t.Fatalf("%s exited %d; output:\n%s\ngateway stderr:\n%s", script, ee.ExitCode(), out.String(), gw.stderr)
	}
	require.NoError(t, err, "run %s", script)
	// Expected refusals (unknown actions) log at WARN; nothing a real client
	// did may make the gateway log an error, recover a panic or race.
	log := gw.stderr.String()
	assert.NotContains(t, log, "level=ERROR", "gateway log:\n%s", log)
	assert.NotContains(t, log, "panic", "gateway log:\n%s", log)
	assert.NotContains(t, log, "DATA RACE", "gateway log:\n%s", log)
	t.Logf("%s (%s):\n%s", script, time.Since(start).Round(time.Millisecond), strings.TrimSpace(out.String()))
	assert.Contains(t, out.String(), "PASS [", "the script reports its checks")
}

// baseEnv keeps the caller's environment minus GATEWAY_* (which would
// configure the gateway under test) and COMPAT_* (set per script). The
// conformance log stays: the Milky requests these clients cause are then
// checked against the official schema by scripts/test.sh like all others.
func baseEnv() []string {
	var env []string
	for _, kv := range os.Environ() {
		if strings.HasPrefix(kv, conformance.Env+"=") ||
			!strings.HasPrefix(kv, "GATEWAY_") && !strings.HasPrefix(kv, "COMPAT_") {
			env = append(env, kv)
		}
	}
	return env
}
