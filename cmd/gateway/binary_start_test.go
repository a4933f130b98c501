package main

import (
	"io"
	"net/http"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/qqbridge/gateway/internal/gatewayproc"
)

// TestBinary_FirstCallAfterBanner: on the built-in simulator, in both
// directions, the first call a bot makes once the banner is out is
// answered, and no upstream dial is refused on the way to ready. The
// gateway once dialled its in-process OneBot 11 simulator before that knew
// its account, had the handshake refused (HTTP 503), and answered bots
// -503 "upstream unreachable" until its redial backoff ended.
func TestBinary_FirstCallAfterBanner(t *testing.T) {
	client := &http.Client{Timeout: 10 * time.Second}
	for _, tc := range []struct {
		name  string
		apiRe *regexp.Regexp
		args  []string
		call  func(addr string) (*http.Response, error)
	}{
		{"onebot11", gatewayproc.OneBotAPI, nil, func(addr string) (*http.Response, error) {
			return client.Get("http://" + addr + "/get_login_info")
		}},
		{"milky", gatewayproc.MilkyAPI, []string{"--downstream", "milky"}, func(addr string) (*http.Response, error) {
			return client.Post("http://"+addr+"/api/get_login_info", "application/json", strings.NewReader("{}"))
		}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			p := startProc(t, tc.apiRe, true, append(tc.args,
				"--listen", "127.0.0.1:0", "--metrics-listen", "127.0.0.1:0", "--data", t.TempDir())...)
			resp, err := tc.call(p.API)
			require.NoError(t, err)
			body, _ := io.ReadAll(resp.Body)
			resp.Body.Close()
			assert.Contains(t, string(body), `"retcode":0`, "the first call after the banner")
			// Ready means the upstream API and event stream are up, so a
			// refused dial on the way there has been logged by now.
			p.WaitReady(t)
			assert.NotContains(t, p.Stderr.String(), "connect failed", "an upstream dial was refused")
		})
	}
}
