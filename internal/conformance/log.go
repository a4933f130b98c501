// Package conformance records what the gateway says in Milky, so that the
// test command can validate every line against the official schema
// (@saltify/milky-types, zod; conformance/check.mjs). When the environment
// variable Env names a file, each Milky request the gateway sends, each
// envelope its Milky server answers with 200 and each event it publishes is
// appended to it as one JSON line: {"api":...,"body":...} for a request,
// {"kind":"response","api":...,"body":...}, {"kind":"event","body":...}.
// Read once at start-up: production pays one branch per call.
package conformance

import (
	"os"
	"sync"

	"github.com/goccy/go-json"
)

// Env names the log file's environment variable.
const Env = "GATEWAY_CONFORMANCE_LOG"

// Record kinds.
const (
	Request  = ""
	Response = "response"
	Event    = "event"
)

var (
	mu   sync.Mutex
	path = os.Getenv(Env)
)

// Disable stops logging for the rest of the process. Tests of transports
// call it from TestMain: they send deliberately invalid data, which is not
// the gateway's.
func Disable() {
	mu.Lock()
	path = ""
	mu.Unlock()
}

// RunWithoutLog is a transport package's TestMain body: it disables the log
// (Disable), runs the tests and exits with their status. m is a *testing.M;
// the interface keeps package testing out of the production import graph.
func RunWithoutLog(m interface{ Run() int }) {
	Disable()
	os.Exit(m.Run())
}

// Enabled says whether records are being kept (callers skip building one
// otherwise).
func Enabled() bool {
	mu.Lock()
	defer mu.Unlock()
	return path != ""
}

// SetPath redirects the log (tests of the log itself).
func SetPath(p string) {
	mu.Lock()
	path = p
	mu.Unlock()
}

// Log appends one record if logging is enabled. An empty request body is
// logged as {} (what an API with no input receives).
func Log(kind, api string, body []byte) {
	if !Enabled() {
		return
	}
	if len(body) == 0 {
		body = []byte("{}")
	}
	line, err := json.Marshal(struct {
		Kind string          `json:"kind,omitempty"`
		API  string          `json:"api,omitempty"`
		Body json.RawMessage `json:"body"`
	}{kind, api, json.RawMessage(body)})
	if err != nil {
		return
	}
	mu.Lock()
	defer mu.Unlock()
	if path == "" {
		return
	}
	f, err := os.OpenFile(path, os.O_APPEND|os.O_CREATE|os.O_WRONLY, 0o644)
	if err != nil {
		return
	}
	_, _ = f.Write(append(line, '\n'))
	_ = f.Close()
}
