package main

import (
	"bufio"
	"io"
	"net/http"
	"os"
	"os/exec"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/qqbridge/gateway/internal/syncbuf"
)

// startBinary runs the built gateway on the built-in simulator with
// loopback ports picked by the system, and returns the API and metrics
// addresses from its banner once it is ready.
func startBinary(t *testing.T) (api, metricsAddr string) {
	t.Helper()
	cmd := exec.Command(gatewayBinary(t), "--listen", "127.0.0.1:0", "--metrics-listen", "127.0.0.1:0", "--data", t.TempDir())
	cmd.Env = baseEnv()
	stdout, err := cmd.StdoutPipe()
	require.NoError(t, err)
	var stderr syncbuf.Buffer
	cmd.Stderr = &stderr
	require.NoError(t, cmd.Start())
	t.Cleanup(func() { _ = cmd.Process.Kill(); _ = cmd.Wait() })
	apiRe := regexp.MustCompile(`HTTP API:\s+http://(127\.0\.0\.1:\d+)/`)
	metricsRe := regexp.MustCompile(`metrics/health:\s+http://(127\.0\.0\.1:\d+)/metrics`)
	sc := bufio.NewScanner(stdout)
	for (api == "" || metricsAddr == "") && sc.Scan() {
		if m := apiRe.FindStringSubmatch(sc.Text()); m != nil {
			api = m[1]
		}
		if m := metricsRe.FindStringSubmatch(sc.Text()); m != nil {
			metricsAddr = m[1]
		}
	}
	require.NotEmpty(t, api, "no banner; stderr: %s", stderr.String())
	require.NotEmpty(t, metricsAddr, "no banner; stderr: %s", stderr.String())
	go func() { _, _ = io.Copy(io.Discard, stdout) }()
	require.Eventually(t, func() bool {
		resp, err := http.Get("http://" + metricsAddr + "/readyz")
		if err != nil {
			return false
		}
		resp.Body.Close()
		return resp.StatusCode == http.StatusOK
	}, 15*time.Second, 20*time.Millisecond, "readyz; stderr: %s", stderr.String())
	return api, metricsAddr
}

func get(t *testing.T, url string) (int, string) {
	t.Helper()
	resp, err := http.Get(url)
	require.NoError(t, err)
	defer resp.Body.Close()
	body, err := io.ReadAll(resp.Body)
	require.NoError(t, err)
	return resp.StatusCode, string(body)
}

// TestBinary_ReadmeExamples runs the README's HTTP examples, as written,
// against the binary on its built-in simulator.
func TestBinary_ReadmeExamples(t *testing.T) {
	raw, err := os.ReadFile("../../README.md")
	require.NoError(t, err)
	examples := regexp.MustCompile("`GET (/[^`]+)`").FindAllStringSubmatch(string(raw), -1)
	require.NotEmpty(t, examples)
	api, metricsAddr := startBinary(t)
	// Before any call: every series deploy/'s dashboard and alerts use.
	_, scrape := get(t, "http://"+metricsAddr+"/metrics")
	for _, name := range []string{"gateway_actions_total{", "gateway_action_duration_seconds_bucket{", "gateway_upstream_requests_total{", "gateway_upstream_errors_total{", "gateway_events_total{", "gateway_untranslated_total{", "gateway_upstream_reconnects_total{", "gateway_upstream_request_duration_seconds_bucket{"} {
		assert.Contains(t, scrape, "\n"+name, "fresh /metrics")
	}
	for _, path := range append([]string{"/get_login_info"}, func() (p []string) {
		for _, e := range examples {
			p = append(p, e[1])
		}
		return p
	}()...) {
		code, body := get(t, "http://"+api+path)
		assert.Equal(t, http.StatusOK, code, "GET %s: %s", path, body)
		assert.True(t, strings.Contains(body, `"retcode":0`), "GET %s: %s", path, body)
	}
}
