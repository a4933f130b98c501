package server

import (
	"os"
	"sync"

	"github.com/goccy/go-json"

	"github.com/qqbridge/gateway/milky"
)

// When the environment variable milky.ConformanceLogEnv names a file, every
// envelope this server answers with 200 and every event it publishes is
// appended to it as one JSON line, {"kind":"response","api":...,"body":...}
// or {"kind":"event","body":...}, next to the requests milky.Client logs.
// conformance/check.mjs validates all three kinds against the official
// schema. Read once at start-up: production pays one branch.
var (
	conformanceMu   sync.Mutex
	conformancePath = os.Getenv(milky.ConformanceLogEnv)
)

const (
	recordResponse = "response"
	recordEvent    = "event"
)

// DisableConformanceLog stops logging for the rest of the process; tests
// that emit deliberately invalid data call it from TestMain.
func DisableConformanceLog() {
	conformanceMu.Lock()
	conformancePath = ""
	conformanceMu.Unlock()
}

func logConformance(kind, api string, body []byte) {
	line, err := json.Marshal(struct {
		Kind string          `json:"kind"`
		API  string          `json:"api,omitempty"`
		Body json.RawMessage `json:"body"`
	}{kind, api, json.RawMessage(body)})
	if err != nil {
		return
	}
	conformanceMu.Lock()
	defer conformanceMu.Unlock()
	if conformancePath == "" {
		return
	}
	f, err := os.OpenFile(conformancePath, os.O_APPEND|os.O_CREATE|os.O_WRONLY, 0o644)
	if err != nil {
		return
	}
	_, _ = f.Write(append(line, '\n'))
	_ = f.Close()
}
