package config

import (
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func TestUnknownEnvWarnsWithSuggestion(t *testing.T) {
	got := UnknownEnv([]string{
		"PATH=/usr/bin",
		"GATEWAY_LISTEN=127.0.0.1:1",          // a setting
		"GATEWAY_SIMULATE_LISTEN=127.0.0.1:2", // a simulate setting
		"GATEWAY_CONFORMANCE_LOG=/tmp/x",      // the test suite's own
		"GATEWAY_UPSTREAM_TOKN=secret-value",  // typo
		"GATEWAY_WEBHOOKS=http://x/",          // the YAML key's plural
		"GATEWAY_NONSENSE=1",                  // nothing near
		"GATEWAY_=1",
	})
	assert.Equal(t, []string{
		"unknown environment variable GATEWAY_UPSTREAM_TOKN (did you mean GATEWAY_UPSTREAM_TOKEN?)",
		"unknown environment variable GATEWAY_WEBHOOKS (did you mean GATEWAY_WEBHOOK?)",
		"unknown environment variable GATEWAY_NONSENSE (see gateway --help)",
		"unknown environment variable GATEWAY_ (see gateway --help)",
	}, got)
	for _, w := range got {
		assert.NotContains(t, w, "secret-value", "values are never echoed: they may be secrets")
	}
}

func TestHelpListsEverySubcommand(t *testing.T) {
	buf := captureHelp(t)
	_, err := Load([]string{"--help"}, nil)
	require.ErrorIs(t, err, ErrHelp)
	for _, s := range []string{"gateway [flags]", "gateway simulate", "gateway check-config", "gateway healthcheck", "gateway --version", "--upstream-secret"} {
		assert.Contains(t, buf.String(), s)
	}
}

func TestUpstreamSecret(t *testing.T) {
	c, err := Load([]string{"--upstream-protocol", "onebot11", "--upstream", "ws://127.0.0.1:3001", "--upstream-secret", "s3cret"}, nil)
	require.NoError(t, err)
	assert.Equal(t, "s3cret", c.UpstreamSecret)
	assert.Equal(t, Mask, c.Masked().UpstreamSecret, "check-config masks it")
	out, err := c.Masked().YAML()
	require.NoError(t, err)
	assert.NotContains(t, string(out), "s3cret")

	c, err = Load([]string{"--upstream-protocol", "onebot11"}, env(map[string]string{"GATEWAY_UPSTREAM_SECRET": "from-env"}))
	require.NoError(t, err)
	assert.Equal(t, "from-env", c.UpstreamSecret)

	c, err = Load([]string{"--config", writeFile(t, "upstream_protocol: onebot11\nupstream_secret: from-file\n")}, nil)
	require.NoError(t, err)
	assert.Equal(t, "from-file", c.UpstreamSecret)

	_, err = Load([]string{"--upstream-secret", "x"}, nil)
	assert.EqualError(t, err, "--upstream-secret: only a onebot11 upstream POSTs events (signed with X-Signature); a milky upstream is authenticated by --upstream-token")

	_, err = Load([]string{"--upstream-protocol", "onebot11"}, env(map[string]string{"GATEWAY_UPSTREAM_SECRET": "line\n"}))
	assert.EqualError(t, err, "GATEWAY_UPSTREAM_SECRET: must not contain spaces or control characters (a trailing newline from a secrets file?)")
}
