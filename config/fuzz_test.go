package config

import (
	"os"
	"path/filepath"
	"testing"

	"github.com/stretchr/testify/require"
)

// FuzzLoadYAML: any bytes as a config file give a config or an error, never
// a panic or a hang; an accepted file prints (YAML) to a file that loads to
// the same configuration.
func FuzzLoadYAML(f *testing.F) {
	seeds, _ := filepath.Glob("testdata/invalid-*.yaml")
	for _, p := range seeds {
		if b, err := os.ReadFile(p); err == nil {
			f.Add(b)
		}
	}
	for _, s := range []string{
		"", "~", "---\n", "listen: 127.0.0.1:1\n", "reverse_ws: [ws://a/, ws://b/]\n",
		"a: &x 1\nb: *x\n", "upstream_token: &t x\naccess_token: *t\n", "heartbeat: 0\nmax_body_bytes: 1KiB\n",
		"{listen: ':0', metrics_listen: ''}", "? [a]\n: b\n", "webhooks: *nope\n", "!!binary aGk=: 1\n",
	} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		c := baseDefaults()
		c.origin = map[string]origin{}
		if err := applyYAML("f.yaml", data, c.settings(), c.origin); err != nil {
			require.NotEmpty(t, err.Error())
			return
		}
		c.derive()
		if err := c.Validate(); err != nil {
			require.NotEmpty(t, err.Error())
			return
		}
		out, err := c.YAML()
		require.NoError(t, err)
		back := baseDefaults()
		back.origin = map[string]origin{}
		require.NoError(t, applyYAML("back.yaml", out, back.settings(), back.origin), "%s", out)
		back.derive()
		require.NoError(t, back.Validate())
		c.origin, back.origin = nil, nil
		require.Equal(t, c, back)
	})
}
