package client

import (
	"os"
	"sync"

	"github.com/goccy/go-json"
)

// ConformanceLogEnv names the environment variable that, when set to a file
// path, makes every Milky request the gateway sends (milky.Client.Call, and
// the translation tests' fake upstream) be appended to it as one JSON line
// {"api":..., "body":...}. The test command then validates each line against
// the official schema (@saltify/milky-types, zod). Read once at start-up, so
// production pays one branch per call.
const ConformanceLogEnv = "GATEWAY_CONFORMANCE_LOG"

var (
	conformanceMu   sync.Mutex
	conformancePath = os.Getenv(ConformanceLogEnv)
)

// DisableConformanceLog stops logging for the rest of the process. Tests of
// the transport itself call it from TestMain: they send deliberately invalid
// requests, which are not requests of the gateway.
func DisableConformanceLog() {
	conformanceMu.Lock()
	conformancePath = ""
	conformanceMu.Unlock()
}

// LogConformance appends one request to the conformance log if enabled.
func LogConformance(api string, body []byte) {
	if conformancePath == "" {
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
