package main

import (
	"bytes"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// runIn runs the command in-process with env as its whole environment.
func runIn(t *testing.T, env map[string]string, args ...string) (stdout, stderr string, code int) {
	t.Helper()
	old := environ
	environ = func() []string {
		var kv []string
		for k, v := range env {
			kv = append(kv, k+"="+v)
		}
		return kv
	}
	t.Cleanup(func() { environ = old })
	var out, errOut bytes.Buffer
	code = run(args, func(k string) string { return env[k] }, &out, &errOut)
	return out.String(), errOut.String(), code
}

// TestCheckConfigRejectsWhatRunRejects: check-config and the run go through
// one validation, so whatever the run refuses, check-config refuses with the
// same message and exit code, before anything listens.
func TestCheckConfigRejectsWhatRunRejects(t *testing.T) {
	dir := t.TempDir()
	for name, c := range map[string]struct {
		args []string
		env  map[string]string
	}{
		"bad value":       {args: []string{"--heartbeat", "soon"}},
		"unknown flag":    {args: []string{"--listn", "127.0.0.1:1"}},
		"bad env":         {env: map[string]string{"GATEWAY_EVENT_BUFFER": "0"}},
		"listen on milky": {args: []string{"--upstream-listen", "127.0.0.1:1", "--listen", "127.0.0.1:0", "--metrics-listen", "", "--data", dir}},
		"secret on milky": {args: []string{"--upstream-secret", "s", "--listen", "127.0.0.1:0", "--metrics-listen", "", "--data", dir}},
	} {
		t.Run(name, func(t *testing.T) {
			_, runErr, runCode := runIn(t, c.env, c.args...)
			checkOut, checkErr, checkCode := runIn(t, c.env, append([]string{"check-config"}, c.args...)...)
			assert.Equal(t, 2, runCode, "run: %s", runErr)
			assert.Equal(t, runCode, checkCode)
			assert.Equal(t, runErr, checkErr, "same message in the same format")
			assert.True(t, strings.HasPrefix(checkErr, "gateway: "), checkErr)
			assert.Empty(t, checkOut)
		})
	}
}

func TestUnknownEnvIsWarned(t *testing.T) {
	dir := t.TempDir()
	out, errOut, code := runIn(t, map[string]string{"GATEWAY_LISTN": "127.0.0.1:1", "GATEWAY_DATA": dir}, "check-config")
	require.Equal(t, 0, code, errOut)
	assert.Equal(t, "gateway: warning: unknown environment variable GATEWAY_LISTN (did you mean GATEWAY_LISTEN?)\n", errOut)
	assert.Contains(t, out, "configuration is valid")

	_, errOut, code = runIn(t, map[string]string{"GATEWAY_SIMULATE_LISTN": "x"}, "simulate", "--listen", "bad")
	assert.Equal(t, 2, code)
	assert.Contains(t, errOut, "gateway: warning: unknown environment variable GATEWAY_SIMULATE_LISTN (did you mean GATEWAY_SIMULATE_LISTEN?)\n")
}

func TestBinary_HelpListsSubcommands(t *testing.T) {
	out, _, code := runBinary(t, nil, "--help")
	require.Equal(t, 0, code)
	for _, s := range []string{"gateway simulate", "gateway check-config", "gateway healthcheck", "gateway --version"} {
		assert.Contains(t, out, s)
	}
}

// The shipped example passes check-config as documented in its header.
func TestCheckConfigExample(t *testing.T) {
	out, errOut, code := runIn(t, nil, "check-config", "--config", "../../config/example.yaml")
	require.Equal(t, 0, code, errOut)
	assert.Empty(t, errOut)
	assert.Contains(t, out, "upstream: http://127.0.0.1:3000")
}

// The reverse direction's example passes check-config too.
func TestCheckConfigExampleMilky(t *testing.T) {
	out, errOut, code := runIn(t, nil, "check-config", "--config", "../../config/example-milky.yaml")
	require.Equal(t, 0, code, errOut)
	assert.Empty(t, errOut)
	assert.Contains(t, out, "upstream_protocol: onebot11")
	assert.Contains(t, out, "downstream: milky")
	assert.Contains(t, out, "listen: 127.0.0.1:3010")
}
