package main

import (
	"bufio"
	"io"
	"net/http"
	"os"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/qqbridge/gateway/internal/gatewayproc"
)

// TestBinary_ReadmeMilkyExamples runs the curl calls of the README's "Milky
// bots on a OneBot 11 implementation" section, as written but on a free
// port, against the binary started as that section says (--downstream milky,
// the simulator upstream), then reads the SSE stream it names.
func TestBinary_ReadmeMilkyExamples(t *testing.T) {
	raw, err := os.ReadFile("../../README.md")
	require.NoError(t, err)
	readme := string(raw)
	start := strings.Index(readme, "## Milky bots on a OneBot 11 implementation")
	require.GreaterOrEqual(t, start, 0, "README section")
	section := readme[start:]
	if end := strings.Index(section[3:], "\n## "); end >= 0 {
		section = section[:end+3]
	}
	require.Contains(t, section, "go run ./cmd/gateway --downstream milky")
	section = strings.ReplaceAll(section, "\\\n", " ")
	calls := regexp.MustCompile(`curl -X POST -H 'Content-Type: application/json' -d '(\{.*?\})'\s+http://127\.0\.0\.1:3010/api/([a-z_]+)`).FindAllStringSubmatch(section, -1)
	require.GreaterOrEqual(t, len(calls), 2, "the section's curl calls")

	p := startProc(t, gatewayproc.MilkyAPI, false, "--downstream", "milky", "--listen", "127.0.0.1:0", "--metrics-listen", "127.0.0.1:0", "--data", t.TempDir())
	addr, stderr := p.API, p.Stderr

	// The SSE stream the section shows with curl -N.
	require.Contains(t, section, "curl -N http://127.0.0.1:3010/event")
	var resp *http.Response
	require.Eventually(t, func() bool {
		r, err := http.Get("http://" + addr + "/event")
		if err != nil || r.StatusCode != http.StatusOK {
			if r != nil {
				r.Body.Close()
			}
			return false
		}
		resp = r
		return true
	}, 15*time.Second, 50*time.Millisecond, "GET /event; stderr: %s", stderr.String())
	defer resp.Body.Close()
	assert.Contains(t, resp.Header.Get("Content-Type"), "text/event-stream")

	client := &http.Client{Timeout: 10 * time.Second}
	for _, c := range calls {
		var body string
		require.Eventually(t, func() bool { // the upstream may still be connecting
			r, err := client.Post("http://"+addr+"/api/"+c[2], "application/json", strings.NewReader(c[1]))
			if err != nil {
				return false
			}
			b, _ := io.ReadAll(r.Body)
			r.Body.Close()
			body = string(b)
			return strings.Contains(body, `"retcode":0`)
		}, 15*time.Second, 50*time.Millisecond, "POST /api/%s %s: %s", c[2], c[1], body)
	}

	// The bot's own message, then the simulator's echo.
	events := bufio.NewScanner(resp.Body)
	var seen []string
	deadline := time.AfterFunc(10*time.Second, func() { resp.Body.Close() })
	defer deadline.Stop()
	for events.Scan() {
		if line, ok := strings.CutPrefix(events.Text(), "data: "); ok && strings.Contains(line, `"event_type":"message_receive"`) {
			seen = append(seen, line)
			if strings.Contains(line, "echo: hi") {
				break
			}
		}
	}
	require.NotEmpty(t, seen, "no message_receive on /event")
	assert.Contains(t, seen[len(seen)-1], "echo: hi", "the simulator's echo, as the README says")
}
