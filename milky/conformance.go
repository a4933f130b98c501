package milky

import (
	"os"
	"sync"

	"github.com/goccy/go-json"
)

// ConformanceLogEnv names the environment variable that, when set to a file
// path, makes every Milky request seen in tests (by the server side and by
// test fakes) be appended to it as one JSON line {"api":..., "body":...}.
// The test command then validates each line against the official schema
// (@saltify/milky-types, zod).
const ConformanceLogEnv = "GATEWAY_CONFORMANCE_LOG"

var conformanceMu sync.Mutex

// LogConformance appends one request to the conformance log if enabled. It
// is for tests and the simulator; it does nothing in production.
func LogConformance(api string, body []byte) {
	path := os.Getenv(ConformanceLogEnv)
	if path == "" {
		return
	}
	if len(body) == 0 {
		body = []byte("{}")
	}
	line, err := json.Marshal(struct {
		API  string          `json:"api"`
		Body json.RawMessage `json:"body"`
	}{api, json.RawMessage(body)})
	if err != nil {
		return
	}
	conformanceMu.Lock()
	defer conformanceMu.Unlock()
	f, err := os.OpenFile(path, os.O_APPEND|os.O_CREATE|os.O_WRONLY, 0o644)
	if err != nil {
		return
	}
	_, _ = f.Write(append(line, '\n'))
	_ = f.Close()
}
