package main

import (
	"errors"
	"io"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/gorilla/websocket"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/qqbridge/gateway/internal/gatewayproc"
)

// The reverse direction's operations, as TestBinary_RunSIGTERM and
// TestBinary_CheckConfigMasksSecrets check the first direction's.

// TestBinary_MilkyRunSIGTERM: --downstream milky on the built-in simulator,
// a Milky bot on /event (WebSocket, token), SIGTERM closes its socket with
// 1001 and the process exits 0 within the grace period; the JSON log never
// holds the token.
func TestBinary_MilkyRunSIGTERM(t *testing.T) {
	const token = "milky-bot-token-4711"
	p := startProc(t, gatewayproc.MilkyAPI, true, "--downstream", "milky", "--access-token", token,
		"--listen", "127.0.0.1:0", "--metrics-listen", "127.0.0.1:0",
		"--data", t.TempDir(), "--log-format", "json")
	addr, metricsAddr, stderr := p.API, p.Metrics, p.Stderr
	p.WaitReady(t)
	out, errOut, code := runBinary(t, nil, "healthcheck", "--url", "http://"+metricsAddr+"/healthz")
	assert.Equal(t, 0, code, "healthcheck: %s %s", out, errOut)

	// Without the token: 401 before the upgrade.
	_, resp, err := websocket.DefaultDialer.Dial("ws://"+addr+"/event", nil)
	require.Error(t, err)
	require.NotNil(t, resp)
	assert.Equal(t, http.StatusUnauthorized, resp.StatusCode)

	ws, _, err := websocket.DefaultDialer.Dial("ws://"+addr+"/event", http.Header{"Authorization": {"Bearer " + token}})
	require.NoError(t, err)
	defer ws.Close()
	req, err := http.NewRequest(http.MethodPost, "http://"+addr+"/api/get_login_info", strings.NewReader("{}"))
	require.NoError(t, err)
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("Authorization", "Bearer "+token)
	r, err := http.DefaultClient.Do(req)
	require.NoError(t, err)
	body, _ := io.ReadAll(r.Body)
	r.Body.Close()
	assert.Contains(t, string(body), `"retcode":0`)
	// A failed call is one log line naming the API (and never the token).
	req, err = http.NewRequest(http.MethodPost, "http://"+addr+"/api/no_such_api", strings.NewReader("{}"))
	require.NoError(t, err)
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("Authorization", "Bearer "+token)
	r, err = http.DefaultClient.Do(req)
	require.NoError(t, err)
	r.Body.Close()
	assert.Equal(t, http.StatusNotFound, r.StatusCode)
	require.Eventually(t, func() bool { return strings.Contains(stderr.String(), `"api":"no_such_api"`) },
		5*time.Second, 20*time.Millisecond, "no log line for the failed call; stderr: %s", stderr.String())

	start := p.SIGTERM(t)
	require.NoError(t, ws.SetReadDeadline(time.Now().Add(15*time.Second)))
	var closeErr *websocket.CloseError
	for {
		if _, _, err := ws.ReadMessage(); err != nil {
			require.True(t, errors.As(err, &closeErr), "the bot's socket ended without a close frame: %v", err)
			break
		}
	}
	assert.Equal(t, websocket.CloseGoingAway, closeErr.Code, "close code on shutdown")
	p.RequireExitedInGrace(t, start)
	logs := stderr.String()
	assert.Contains(t, logs, "shutting down")
	assert.NotContains(t, logs, token)
	for _, line := range strings.Split(strings.TrimSpace(logs), "\n") {
		assert.True(t, strings.HasPrefix(line, "{"), "a JSON log line: %s", line)
	}
}

// TestBinary_MilkyCheckConfigMasksSecrets: check-config of the reverse
// direction masks the upstream token and secret and the bots' token.
func TestBinary_MilkyCheckConfigMasksSecrets(t *testing.T) {
	out, errOut, code := runBinary(t, nil, "check-config", "--upstream-protocol", "onebot11",
		"--upstream", "http://127.0.0.1:3000", "--upstream-token", "up-token-111",
		"--upstream-secret", "post-secret-222", "--access-token", "bot-token-333", "--data", t.TempDir())
	require.Equal(t, 0, code, "stderr: %s", errOut)
	for _, secret := range []string{"up-token-111", "post-secret-222", "bot-token-333"} {
		assert.NotContains(t, out, secret)
		assert.NotContains(t, errOut, secret)
	}
	assert.Contains(t, out, "downstream: milky")
	assert.Contains(t, out, "listen: 127.0.0.1:3010")

	// A OneBot 11 downstream setting with a milky downstream is refused, naming it.
	_, errOut, code = runBinary(t, nil, "check-config", "--downstream", "milky", "--reverse-ws", "ws://127.0.0.1:8080/")
	assert.Equal(t, 2, code)
	assert.Contains(t, errOut, "reverse-ws")
}
