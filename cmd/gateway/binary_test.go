package main

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/qqbridge/gateway/internal/gatewayproc"
	"github.com/qqbridge/gateway/onebot11/ob11test"
)

// Tests of the built binary, as an operator and a container runtime use it:
// --version, check-config, a run against the built-in simulator ended by
// SIGTERM, healthcheck, and a bad flag.

const binVersion = "e2e-binary"

var (
	buildOnce sync.Once
	binPath   string
	buildErr  error
	buildDir  string
)

func TestMain(m *testing.M) {
	code := m.Run()
	if buildDir != "" {
		_ = os.RemoveAll(buildDir)
	}
	os.Exit(code)
}

// gatewayBinary builds ./cmd/gateway once per test run.
func gatewayBinary(t *testing.T) string {
	t.Helper()
	buildOnce.Do(func() {
		goBin, err := exec.LookPath("go")
		if err != nil {
			goBin = "go" // not on PATH: let exec report it
		}
		buildDir, buildErr = os.MkdirTemp("", "gateway-bin-")
		if buildErr != nil {
			return
		}
		binPath = filepath.Join(buildDir, "gateway")
		cmd := exec.Command(goBin, "build", "-o", binPath, "-ldflags", "-X main.version="+binVersion, ".")
		out, err := cmd.CombinedOutput()
		if err != nil {
			buildErr = fmt.Errorf("go build: %v\n%s", err, out)
		}
	})
	if buildErr != nil {
		t.Fatal(buildErr)
	}
	return binPath
}

// runBinary runs the binary to completion (bounded) with a clean environment.
func runBinary(t *testing.T, env []string, args ...string) (stdout, stderr string, exit int) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	cmd := exec.CommandContext(ctx, gatewayBinary(t), args...)
	cmd.Env = append(baseEnv(), env...)
	var o, e bytes.Buffer
	cmd.Stdout, cmd.Stderr = &o, &e
	err := cmd.Run()
	var ee *exec.ExitError
	switch {
	case err == nil:
	case errors.As(err, &ee):
		exit = ee.ExitCode()
	default:
		t.Fatalf("run %v: %v", args, err)
	}
	return o.String(), e.String(), exit
}

// baseEnv keeps only what a process needs, so no GATEWAY_* variable of the
// developer's shell leaks into the configuration under test.
func baseEnv() []string {
	var env []string
	for _, kv := range os.Environ() {
		if !strings.HasPrefix(kv, "GATEWAY_") {
			env = append(env, kv)
		}
	}
	return env
}

func TestBinary_Version(t *testing.T) {
	out, errOut, code := runBinary(t, nil, "--version")
	require.Equal(t, 0, code, errOut)
	assert.Contains(t, out, "gateway "+binVersion)
	assert.Contains(t, out, "Milky 1.2")
}

func TestBinary_CheckConfigMasksSecrets(t *testing.T) {
	dir := t.TempDir()
	file := filepath.Join(dir, "gateway.yaml")
	require.NoError(t, os.WriteFile(file, []byte(strings.Join([]string{
		"listen: 127.0.0.1:5711",
		"access_token: file-token-123",
		"secret: hook-secret-456",
		"webhooks:",
		"  - http://127.0.0.1:8080/onebot",
		"reverse_ws:",
		"  - ws://127.0.0.1:8081/onebot/v11/ws?access_token=url-token-789",
		"heartbeat: 15s",
		"",
	}, "\n")), 0o600))

	out, errOut, code := runBinary(t, []string{"GATEWAY_UPSTREAM_TOKEN=env-token-000"},
		"check-config", "--config", file, "--access-token", "flag-token-abc", "--data", dir)
	require.Equal(t, 0, code, "stderr: %s", errOut)
	for _, secret := range []string{"file-token-123", "flag-token-abc", "hook-secret-456", "url-token-789", "env-token-000"} {
		assert.NotContains(t, out, secret)
		assert.NotContains(t, errOut, secret)
	}
	assert.Contains(t, out, "***")
	assert.Contains(t, out, "127.0.0.1:5711", "non-secret values are shown")
	assert.Contains(t, out, "http://127.0.0.1:8080/onebot")
	assert.Contains(t, out, "15s")

	// A bad value fails with exit 2 naming the setting.
	_, errOut, code = runBinary(t, nil, "check-config", "--heartbeat", "soon")
	assert.Equal(t, 2, code)
	assert.Contains(t, errOut, "heartbeat")
}

func TestBinary_BadFlag(t *testing.T) {
	out, errOut, code := runBinary(t, nil, "--listn", "127.0.0.1:1")
	assert.Equal(t, 2, code, "stdout: %s stderr: %s", out, errOut)
	assert.Contains(t, errOut, "--listn")
	assert.Contains(t, errOut, "--listen", "the error suggests the right flag")
}

// TestBinary_RunSIGTERM: the gateway runs against the built-in simulator,
// a bot connects, SIGTERM closes the bot's socket with 1001 and the
// process exits 0 within the grace period.
func TestBinary_RunSIGTERM(t *testing.T) {
	// The banner names the bound addresses.
	p := startProc(t, gatewayproc.OneBotAPI, true,
		"--listen", "127.0.0.1:0", "--metrics-listen", "127.0.0.1:0",
		"--data", t.TempDir(), "--heartbeat", "1s", "--log-format", "json")
	apiAddr, metricsAddr, stderr := p.API, p.Metrics, p.Stderr

	// Ready: the built-in simulator answers and its stream is up.
	p.WaitReady(t)

	// The container healthcheck subcommand agrees.
	out, errOut, code := runBinary(t, nil, "healthcheck", "--url", "http://"+metricsAddr+"/healthz")
	assert.Equal(t, 0, code, "healthcheck: %s %s", out, errOut)

	ctx, cancel := context.WithTimeout(context.Background(), 15*time.Second)
	defer cancel()
	bot, err := ob11test.DialForward(ctx, "ws://"+apiAddr+"/", "")
	require.NoError(t, err)
	assert.Positive(t, bot.SelfID)
	r, err := bot.Call(ctx, "get_login_info", nil)
	require.NoError(t, err)
	assert.Equal(t, "ok", r.Status)

	start := p.SIGTERM(t)
	closeCode, err := bot.WaitClosed(ctx)
	require.NoError(t, err, "the bot's socket was not closed")
	assert.Equal(t, 1001, closeCode, "close code on shutdown")
	p.RequireExitedInGrace(t, start)
	assert.Contains(t, stderr.String(), "shutting down")

	// Gone: the healthcheck now fails.
	_, _, code = runBinary(t, nil, "healthcheck", "--url", "http://"+metricsAddr+"/healthz", "--timeout", "2s")
	assert.Equal(t, 1, code)
}
