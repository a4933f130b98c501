package config

import (
	"flag"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

var update = flag.Bool("update", false, "rewrite the expectations in testdata")

// caseFile is an invalid-*.yaml case: the YAML is the config file itself;
// comment lines "# args: ..." and "# env: K=V" at the top add flags and
// environment, and "# want: ..." lines at the end (so that they do not shift
// the line numbers the errors mention) hold the exact error, one line each.
type caseFile struct {
	body  []string // the file without its want lines
	args  []string
	env   map[string]string
	wants []string
}

func readCase(t *testing.T, path string) caseFile {
	data, err := os.ReadFile(path)
	require.NoError(t, err)
	c := caseFile{env: map[string]string{}}
	for _, line := range strings.Split(strings.TrimRight(string(data), "\n"), "\n") {
		switch {
		case strings.HasPrefix(line, "# want: "):
			c.wants = append(c.wants, strings.TrimPrefix(line, "# want: "))
			continue
		case strings.HasPrefix(line, "# args: "):
			c.args = append(c.args, strings.Fields(strings.TrimPrefix(line, "# args: "))...)
		case strings.HasPrefix(line, "# env: "):
			k, v, _ := strings.Cut(strings.TrimPrefix(line, "# env: "), "=")
			c.env[k] = v
		}
		c.body = append(c.body, line)
	}
	return c
}

// eachCase runs fn as a subtest, named by the file, for every file that
// matches pattern (there must be some).
func eachCase(t *testing.T, pattern string, fn func(t *testing.T, path string)) {
	files, err := filepath.Glob(pattern)
	require.NoError(t, err)
	require.NotEmpty(t, files)
	for _, path := range files {
		t.Run(strings.TrimSuffix(filepath.Base(path), filepath.Ext(path)), func(t *testing.T) { fn(t, path) })
	}
}

func TestInvalidConfigs(t *testing.T) {
	eachCase(t, "testdata/invalid-*.yaml", func(t *testing.T, path string) {
		c := readCase(t, path)
		args := append(append([]string{}, c.args...), "--config", path)
		cfg, err := Load(args, func(k string) string { return c.env[k] })
		require.Error(t, err, "the config was accepted: %+v", cfg)
		got := err.Error()
		if *update {
			var b strings.Builder
			for _, l := range c.body {
				b.WriteString(l + "\n")
			}
			for _, l := range strings.Split(got, "\n") {
				b.WriteString("# want: " + l + "\n")
			}
			require.NoError(t, os.WriteFile(path, []byte(b.String()), 0o644))
			return
		}
		require.NotEmpty(t, c.wants, "no '# want:' lines; run go test -run TestInvalidConfigs -update")
		assert.Equal(t, strings.Join(c.wants, "\n"), got)
	})
}

// Effective-config golden files: testdata/effective/<case>.txt holds
// "args: ..." and "env: K=V" lines, a line ----------, the config file (may
// be empty: then no --config), a line ----------, and the effective
// configuration as check-config prints it (Masked().YAML()).
func TestEffectiveConfigs(t *testing.T) {
	const sep = "----------\n"
	eachCase(t, "testdata/effective/*.txt", func(t *testing.T, path string) {
		data, err := os.ReadFile(path)
		require.NoError(t, err)
		parts := strings.SplitN(string(data), sep, 3)
		require.Len(t, parts, 3, "want: inputs, ----------, config file, ----------, effective config")
		var args []string
		env := map[string]string{}
		for _, line := range strings.Split(parts[0], "\n") {
			if a, ok := strings.CutPrefix(line, "args:"); ok {
				args = append(args, strings.Fields(a)...)
			} else if e, ok := strings.CutPrefix(line, "env:"); ok {
				k, v, _ := strings.Cut(strings.TrimSpace(e), "=")
				env[k] = v
			}
		}
		if strings.TrimSpace(parts[1]) != "" {
			file := filepath.Join(t.TempDir(), "gateway.yaml")
			require.NoError(t, os.WriteFile(file, []byte(parts[1]), 0o600))
			args = append(args, "--config", file)
		}
		cfg, err := Load(args, func(k string) string { return env[k] })
		require.NoError(t, err)
		cfg.ConfigFile = "" // a temporary path
		out, err := cfg.Masked().YAML()
		require.NoError(t, err)
		if *update {
			require.NoError(t, os.WriteFile(path, []byte(parts[0]+sep+parts[1]+sep+string(out)), 0o644))
			return
		}
		assert.Equal(t, parts[2], string(out))
	})
}
