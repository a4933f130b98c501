package config

import (
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func TestInapplicableNamesOneBotSettingsUnderMilkyDownstream(t *testing.T) {
	env := map[string]string{"GATEWAY_HEARTBEAT": "10s"}
	c, err := Load([]string{"--downstream", "milky", "--secret", "s3cret", "--message-format", "string",
		"--event-max-age", "0"}, func(k string) string { return env[k] })
	require.NoError(t, err)
	got := c.Inapplicable()
	assert.Equal(t, []string{
		"--secret is ignored: OneBot 11 downstream only, and the downstream is milky",
		"--message-format is ignored: OneBot 11 downstream only, and the downstream is milky",
		"GATEWAY_HEARTBEAT is ignored: OneBot 11 downstream only, and the downstream is milky",
		"--event-max-age is ignored: OneBot 11 downstream only, and the downstream is milky",
	}, got)
	for _, w := range got {
		assert.NotContains(t, w, "s3cret", "values are never echoed: they may be secrets")
	}
}

func TestInapplicableIsEmptyWhenEverythingApplies(t *testing.T) {
	c, err := Load([]string{"--secret", "s", "--message-format", "string"}, func(string) string { return "" })
	require.NoError(t, err)
	assert.Empty(t, c.Inapplicable(), "a OneBot 11 downstream reads them all")

	c, err = Load([]string{"--downstream", "milky"}, func(string) string { return "" })
	require.NoError(t, err)
	assert.Empty(t, c.Inapplicable(), "defaults were not set by the operator")
}
