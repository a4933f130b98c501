package config

import (
	"os"
	"regexp"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// TestReferenceIsCurrent fails when config/README.md no longer matches the
// settings table; -update rewrites it.
func TestReferenceIsCurrent(t *testing.T) {
	want := reference()
	if *update {
		require.NoError(t, os.WriteFile("README.md", []byte(want), 0o644))
	}
	got, err := os.ReadFile("README.md")
	require.NoError(t, err, "config/README.md is missing: go test ./config -run TestReferenceIsCurrent -update")
	assert.Equal(t, want, string(got), "config/README.md is stale: go test ./config -run TestReferenceIsCurrent -update")
}

// TestExampleConfigLoads runs the loader, as check-config does, on the
// shipped example, and checks it mentions every key (set or commented out).
func TestExampleConfigLoads(t *testing.T) {
	_, err := Load([]string{"--config", "example.yaml"}, nil)
	require.NoError(t, err)
	raw, err := os.ReadFile("example.yaml")
	require.NoError(t, err)
	for _, s := range Default().settings() {
		if s.key == "" {
			continue
		}
		re := regexp.MustCompile(`(?m)^#? ?` + regexp.QuoteMeta(s.key) + `:`)
		assert.True(t, re.Match(raw), "example.yaml does not mention %s", s.key)
	}
	// Every commented-out key line, uncommented, must load too: a reader
	// copying one gets a valid file (values that need another setting are
	// loaded with it).
	for _, line := range strings.Split(string(raw), "\n") {
		if !regexp.MustCompile(`^# [a-z_]+: \S`).MatchString(line) {
			continue
		}
		body := strings.TrimPrefix(line, "# ")
		if strings.HasPrefix(body, "upstream_listen:") || strings.HasPrefix(body, "upstream_secret:") {
			body = "upstream_protocol: onebot11\n" + body
		}
		_, err := Load([]string{"--config", writeFile(t, body+"\n")}, nil)
		assert.NoError(t, err, "uncommented: %s", line)
	}
}

// TestExampleMilkyConfigLoads: the reverse direction's example loads as
// check-config would, says what it is for, and each commented-out key line,
// uncommented in its place, still loads.
func TestExampleMilkyConfigLoads(t *testing.T) {
	c, err := Load([]string{"--config", "example-milky.yaml"}, nil)
	require.NoError(t, err)
	assert.Equal(t, OneBot11, c.UpstreamProtocol)
	assert.Equal(t, Milky, c.Downstream)
	assert.Equal(t, DefaultMilkyListen, c.Listen)
	raw, err := os.ReadFile("example-milky.yaml")
	require.NoError(t, err)
	// Every setting this direction uses is shown; the others are named as
	// unused.
	unused := map[string]bool{"reverse_ws": true, "secret": true, "message_format": true, "heartbeat": true,
		"reconnect_interval": true, "reverse_auth_scheme": true, "upstream_events": true,
		"event_buffer_bytes": true, "spool_dir": true, "spool_max_bytes": true, "event_max_age": true}
	for _, s := range Default().settings() {
		if s.key == "" {
			continue
		}
		if unused[s.key] {
			assert.Regexp(t, `(?s)Not used in this direction.*\b`+regexp.QuoteMeta(s.key)+`\b`, string(raw))
			continue
		}
		re := regexp.MustCompile(`(?m)^#? ?` + regexp.QuoteMeta(s.key) + `:`)
		assert.True(t, re.Match(raw), "example-milky.yaml does not mention %s", s.key)
	}
	lines := strings.Split(string(raw), "\n")
	for i, line := range lines {
		if !regexp.MustCompile(`^# [a-z_]+: \S`).MatchString(line) {
			continue
		}
		edited := append([]string{}, lines...)
		edited[i] = strings.TrimPrefix(line, "# ")
		if strings.HasPrefix(edited[i], "upstream_listen:") {
			for j, l := range edited {
				if strings.HasPrefix(l, "upstream: ") {
					edited[j] = "" // dial or accept, not both
				}
			}
		}
		_, err := Load([]string{"--config", writeFile(t, strings.Join(edited, "\n"))}, nil)
		assert.NoError(t, err, "uncommented: %s", line)
	}
}
