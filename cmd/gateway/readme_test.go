package main

import (
	"io"
	"net/http"
	"os"
	"regexp"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/qqbridge/gateway/internal/gatewayproc"
)

// startBinary runs the built gateway on the built-in simulator with
// loopback ports picked by the system, and returns the API and metrics
// addresses from its banner once it is ready.
func startBinary(t *testing.T) (api, metricsAddr string) {
	t.Helper()
	p := startProc(t, gatewayproc.OneBotAPI, true, "--listen", "127.0.0.1:0", "--metrics-listen", "127.0.0.1:0", "--data", t.TempDir())
	p.WaitReady(t)
	return p.API, p.Metrics
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
