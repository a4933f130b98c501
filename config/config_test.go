package config

import (
	"bytes"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func env(kv map[string]string) func(string) string {
	return func(k string) string { return kv[k] }
}

func writeFile(t *testing.T, body string) string {
	t.Helper()
	p := filepath.Join(t.TempDir(), "gateway.yaml")
	require.NoError(t, os.WriteFile(p, []byte(body), 0o600))
	return p
}

func TestDefaults(t *testing.T) {
	c, err := Load(nil, nil)
	require.NoError(t, err)
	want := Default()
	c.origin, want.origin = nil, nil
	assert.Equal(t, want, c)
	assert.Equal(t, "127.0.0.1:5700", c.Listen)
	assert.Equal(t, OneBot11, c.Downstream)
	assert.Equal(t, 5*time.Second, c.Heartbeat)
	assert.Equal(t, 100_000, c.EventBuffer)
	assert.Equal(t, int64(64<<20), c.EventBufferBytes)
	assert.Equal(t, "", c.SpoolDir, "no spool unless asked")
	assert.Equal(t, time.Duration(0), c.EventMaxAge)
	assert.Equal(t, int64(16<<20), c.MaxBodyBytes)
	assert.Equal(t, 720*time.Hour, c.IDRetention)
	assert.NoError(t, Default().Validate())
}

// TestPrecedence checks flag > env > file > default for several keys of
// each kind, one source removed at a time.
func TestPrecedence(t *testing.T) {
	type key struct {
		flag, env, file, def string // values per source, as text
		get                  func(*Config) string
	}
	keys := map[string]key{
		"listen":             {"127.0.0.1:1001", "127.0.0.1:1002", "127.0.0.1:1003", "127.0.0.1:5700", func(c *Config) string { return c.Listen }},
		"access-token":       {"flag", "env", "file", "", func(c *Config) string { return c.AccessToken }},
		"heartbeat":          {"1s", "2s", "3s", "5s", func(c *Config) string { return c.Heartbeat.String() }},
		"event-buffer":       {"11", "22", "33", "100000", func(c *Config) string { return strconv.Itoa(c.EventBuffer) }},
		"event-buffer-bytes": {"1MiB", "2MiB", "3MiB", "64MiB", func(c *Config) string { return formatSize(c.EventBufferBytes) }},
		"spool-dir":          {"/f", "/e", "/y", "", func(c *Config) string { return c.SpoolDir }},
		"event-max-age":      {"1m", "2m", "3m", "0s", func(c *Config) string { return formatDuration(c.EventMaxAge) }},
		"max-body-bytes":     {"1KiB", "2KiB", "3KiB", "16MiB", func(c *Config) string { return formatSize(c.MaxBodyBytes) }},
		"reverse-ws":         {"ws://f/", "ws://e/", "ws://y/", "", func(c *Config) string { return strings.Join(c.ReverseWS, ",") }},
		"message-format":     {"string", "array", "string", "array", func(c *Config) string { return c.MessageFormat }},
	}
	for name, k := range keys {
		envName := "GATEWAY_" + strings.ToUpper(strings.ReplaceAll(name, "-", "_"))
		yamlKey := strings.ReplaceAll(name, "-", "_")
		fileVal := k.file
		if name == "reverse-ws" {
			fileVal = "[" + k.file + "]"
		}
		file := writeFile(t, yamlKey+": "+fileVal+"\n")
		for _, tc := range []struct {
			name            string
			flag, env, file bool
			want            string
		}{
			{"all", true, true, true, k.flag},
			{"env+file", false, true, true, k.env},
			{"flag+file", true, false, true, k.flag},
			{"file", false, false, true, k.file},
			{"env", false, true, false, k.env},
			{"none", false, false, false, k.def},
		} {
			t.Run(name+"/"+tc.name, func(t *testing.T) {
				var args []string
				e := map[string]string{}
				if tc.flag {
					args = append(args, "--"+name, k.flag)
				}
				if tc.env {
					e[envName] = k.env
				}
				if tc.file {
					args = append(args, "--config", file)
				}
				c, err := Load(args, env(e))
				require.NoError(t, err)
				assert.Equal(t, tc.want, k.get(c))
			})
		}
	}
}

func TestConfigFileFromEnv(t *testing.T) {
	file := writeFile(t, "listen: 127.0.0.1:1234\n")
	c, err := Load(nil, env(map[string]string{"GATEWAY_CONFIG": file}))
	require.NoError(t, err)
	assert.Equal(t, "127.0.0.1:1234", c.Listen)
	assert.Equal(t, file, c.ConfigFile)

	// --config beats GATEWAY_CONFIG.
	other := writeFile(t, "listen: 127.0.0.1:4321\n")
	c, err = Load([]string{"--config=" + other}, env(map[string]string{"GATEWAY_CONFIG": file}))
	require.NoError(t, err)
	assert.Equal(t, "127.0.0.1:4321", c.Listen)

	_, err = Load(nil, env(map[string]string{"GATEWAY_CONFIG": "/nonexistent/gateway.yaml"}))
	assert.EqualError(t, err, "GATEWAY_CONFIG: open /nonexistent/gateway.yaml: no such file or directory")
	_, err = Load([]string{"--config", "/nonexistent/gateway.yaml"}, nil)
	assert.EqualError(t, err, "--config: open /nonexistent/gateway.yaml: no such file or directory")
}

func TestEnvLists(t *testing.T) {
	for _, tc := range []struct {
		raw  string
		want []string
	}{
		{"ws://a/", []string{"ws://a/"}},
		{"ws://a/,ws://b/", []string{"ws://a/", "ws://b/"}},
		{" ws://a/ , ws://b/ ", []string{"ws://a/", "ws://b/"}},
		{"ws://a/,,ws://b/,", []string{"ws://a/", "ws://b/"}},
		{",", nil}, // set, but to nothing: replaces the file's list
	} {
		t.Run(tc.raw, func(t *testing.T) {
			file := writeFile(t, "reverse_ws: [ws://file/]\nwebhooks: [http://file/]\n")
			c, err := Load([]string{"--config", file}, env(map[string]string{
				"GATEWAY_REVERSE_WS": tc.raw,
				"GATEWAY_WEBHOOK":    strings.ReplaceAll(tc.raw, "ws://", "http://"),
			}))
			require.NoError(t, err)
			assert.Equal(t, tc.want, c.ReverseWS)
			var hooks []string
			for _, u := range tc.want {
				hooks = append(hooks, strings.ReplaceAll(u, "ws://", "http://"))
			}
			assert.Equal(t, hooks, c.Webhooks)
		})
	}
}

func TestEveryFlagHasEnvTwinAndKey(t *testing.T) {
	c := Default()
	for _, s := range c.settings() {
		assert.Equal(t, "GATEWAY_"+strings.ToUpper(strings.ReplaceAll(s.flag, "-", "_")), s.env)
		switch s.flag {
		case "config":
			assert.Empty(t, s.key)
		case "webhook":
			assert.Equal(t, "webhooks", s.key)
		default:
			assert.Equal(t, strings.ReplaceAll(s.flag, "-", "_"), s.key)
		}
	}
	// The contract's flags all exist.
	names := map[string]bool{}
	for _, s := range c.settings() {
		names[s.flag] = true
	}
	for _, f := range []string{"upstream", "upstream-protocol", "upstream-listen", "upstream-token", "upstream-events",
		"downstream", "listen", "access-token", "reverse-ws", "webhook", "secret", "message-format", "heartbeat",
		"metrics-listen", "data", "log-level"} {
		assert.True(t, names[f], f)
	}
}

func TestFlagSyntax(t *testing.T) {
	for _, args := range [][]string{
		{"--listen", "127.0.0.1:1"},
		{"--listen=127.0.0.1:1"},
		{"-listen", "127.0.0.1:1"},
		{"-listen=127.0.0.1:1"},
		{"--listen", "127.0.0.1:9", "--listen", "127.0.0.1:1"}, // last wins
		{"--listen", "127.0.0.1:1", "--"},
	} {
		c, err := Load(args, nil)
		require.NoError(t, err, args)
		assert.Equal(t, "127.0.0.1:1", c.Listen, args)
	}
	// A value may start with a dash, and may be set empty with "=".
	c, err := Load([]string{"--access-token", "-abc", "--metrics-listen="}, nil)
	require.NoError(t, err)
	assert.Equal(t, "-abc", c.AccessToken)
	assert.Equal(t, "", c.MetricsListen)
}

func TestFlagErrors(t *testing.T) {
	for _, tc := range []struct {
		args []string
		want string
	}{
		{[]string{"--listn", "x"}, "unknown flag --listn (did you mean --listen?)"},
		{[]string{"--webhooks", "http://a/"}, "unknown flag --webhooks (did you mean --webhook?)"},
		{[]string{"--upstream_token", "x"}, "unknown flag --upstream_token (did you mean --upstream-token?)"},
		{[]string{"--zzzzzz"}, "unknown flag --zzzzzz (see --help)"},
		{[]string{"--version"}, "unknown flag --version (see --help)"},
		{[]string{"--listen"}, "flag --listen needs a value (ADDR)"},
		{[]string{"serve"}, `unexpected argument "serve" (settings are flags: --name value)`},
		{[]string{"--", "x"}, `unexpected argument "x" (settings are flags: --name value)`},
		{[]string{"--heartbeat", "5"}, `--heartbeat: "5" has no unit; write e.g. "5ms" or "5s"`},
		{[]string{"--heartbeat", "1d"}, `--heartbeat: "1d" is not a duration (e.g. "5s", "1m30s", "720h")`},
		{[]string{"--event-buffer", "1e3"}, `--event-buffer: "1e3" is not a whole number`},
		{[]string{"--max-body-bytes", "99999999999GiB"}, `--max-body-bytes: "99999999999GiB" is too large`},
		{[]string{"--upstream", "http://127.0.0.1:3000", "--upstream-protocol", "onebot11", "--downstream", "onebot11"},
			`--downstream: "onebot11" is also the upstream protocol; the gateway translates between milky and onebot11`},
		{[]string{"--reverse-ws", "ws://ok/", "--reverse-ws", "http://bad/"}, `--reverse-ws: "http://bad/" has scheme "http"; want ws:// or wss://`},
		{[]string{"--upstream", "http://:3000"}, `--upstream: "http://:3000" has no host`},
		{[]string{"--upstream", "http://h:port"}, `--upstream: "http://h:port" is not a URL: invalid port ":port" after host`},
		{[]string{"--listen", ":http"}, `--listen: ":http" has port "http"; want a number from 0 to 65535`},
		{[]string{"--upstream-token", "a b"}, `--upstream-token: must not contain spaces or control characters (a trailing newline from a secrets file?)`},
		{[]string{"--grace-period", "-1s", "--upstream-timeout", "0"}, "--upstream-timeout: \"0s\" must be positive\n--grace-period: \"-1s\" must not be negative"},
	} {
		t.Run(strings.Join(tc.args, " "), func(t *testing.T) {
			_, err := Load(tc.args, nil)
			require.Error(t, err)
			assert.Equal(t, tc.want, err.Error())
		})
	}
}

// captureHelp sends --help's text to the returned buffer for the test.
func captureHelp(t *testing.T) *bytes.Buffer {
	var buf bytes.Buffer
	old := helpOutput
	helpOutput = &buf
	t.Cleanup(func() { helpOutput = old })
	return &buf
}

func TestHelp(t *testing.T) {
	buf := captureHelp(t)

	for _, a := range []string{"-h", "--help", "-help"} {
		buf.Reset()
		_, err := Load([]string{"--listen", "127.0.0.1:1", a, "--bogus"}, nil)
		assert.ErrorIs(t, err, ErrHelp)
		out := buf.String()
		for _, s := range Default().settings() {
			assert.Contains(t, out, "--"+s.flag+" ")
		}
		assert.Contains(t, out, "GATEWAY_<FLAG_IN_UPPER_SNAKE>")
		assert.Contains(t, out, "(default 5s)")
	}
	buf.Reset()
	_, err := LoadSimulate([]string{"--help"}, nil)
	assert.ErrorIs(t, err, ErrHelp)
	assert.Contains(t, buf.String(), "--protocol PROTO")
	assert.Contains(t, buf.String(), "(default 127.0.0.1:3000)")
}

func TestValidateCodeBuilt(t *testing.T) {
	// A Config built in code has no origins: errors name the flag.
	err := (&Config{}).Validate()
	require.Error(t, err)
	assert.Equal(t, strings.Join([]string{
		`--upstream-protocol: "" is not one of milky, onebot11`,
		`--upstream-events: "" is not one of ws, sse`,
		`--listen: must not be empty (want host:port, e.g. "127.0.0.1:5700")`,
		`--message-format: "" is not one of array, string`,
		`--data: must name a directory`,
		`--log-level: "" is not one of debug, info, warn, error`,
		`--log-format: "" is not one of text, json`,
		`--upstream-timeout: "0s" must be positive`,
		`--reconnect-interval: "0s" must be positive`,
		`--reverse-auth-scheme: "" is not one of Bearer, Token`,
		`--event-buffer: 0 must be positive`,
		`--event-buffer-bytes: 0 must be positive`,
		`--spool-max-bytes: 0 must be positive`,
		`--id-retention: "0s" must be positive`,
		`--id-max-entries: 0 must be between 1 and 2147483647 (message ids are positive int32)`,
		`--max-body-bytes: 0 must be positive`,
		`--pprof: "" is not one of off, on`,
		`--media-local-files: "" is not allow, deny or an absolute directory`,
	}, "\n"), err.Error())

	c := Default()
	c.UpstreamProtocol, c.Downstream, c.Listen = OneBot11, Milky, DefaultMilkyListen
	for _, u := range []string{"ws://127.0.0.1:6700", "wss://h/", "http://127.0.0.1:5700", "https://h/"} {
		c.Upstream = u
		assert.NoError(t, c.Validate(), u)
	}
	c.Upstream, c.UpstreamListen = "", "0.0.0.0:6700"
	assert.NoError(t, c.Validate())
	c.Listen, c.MetricsListen = "127.0.0.1:0", "127.0.0.1:0" // ephemeral ports do not clash
	assert.NoError(t, c.Validate())
}

func TestMasked(t *testing.T) {
	c := Default()
	c.AccessToken, c.UpstreamToken, c.Secret = "a", "b", "c"
	c.Upstream = "http://u:p@h:3000/?access_token=t"
	c.ReverseWS = []string{"ws://h/?x=1&Token=t#frag"}
	c.Webhooks = []string{"http://h/"}
	m := c.Masked()
	assert.Equal(t, "***", m.AccessToken)
	assert.Equal(t, "***", m.UpstreamToken)
	assert.Equal(t, "***", m.Secret)
	assert.Equal(t, "http://u:***@h:3000/?access_token=***", m.Upstream)
	assert.Equal(t, []string{"ws://h/?x=1&Token=***#frag"}, m.ReverseWS)
	assert.Equal(t, []string{"http://h/"}, m.Webhooks)
	// The original is untouched.
	assert.Equal(t, "a", c.AccessToken)
	assert.Equal(t, "ws://h/?x=1&Token=t#frag", c.ReverseWS[0])
	// Unset secrets stay visibly unset.
	assert.Equal(t, "", Default().Masked().Secret)

	for in, want := range map[string]string{
		"":                          "",
		"ws://h/":                   "ws://h/",
		"ws://user@h/":              "ws://user@h/",
		"ws://u:p@h/p@x":            "ws://u:***@h/p@x",
		"not a url ?access_token=x": "not a url ?access_token=***",
		"http://h/?access_token":    "http://h/?access_token",
	} {
		assert.Equal(t, want, maskURL(in), in)
	}
}

// TestYAMLRoundTrip: the effective YAML is itself a config file that loads
// to the same configuration.
func TestYAMLRoundTrip(t *testing.T) {
	c, err := Load([]string{
		"--upstream", "http://127.0.0.1:3000", "--upstream-token", "x", "--access-token", "12345",
		"--reverse-ws", "ws://127.0.0.1:8080/ws", "--webhook", "http://127.0.0.1:8081/",
		"--secret", "true", "--heartbeat", "1m30s", "--metrics-listen=", "--max-body-bytes", "1000",
		"--id-retention", "1h0m1s", "--log-format", "json", "--upstream-events", "sse",
	}, nil)
	require.NoError(t, err)
	out, err := c.YAML()
	require.NoError(t, err)
	back, err := Load([]string{"--config", writeFile(t, string(out))}, nil)
	require.NoError(t, err)
	back.ConfigFile, back.origin, c.origin = "", nil, nil
	assert.Equal(t, c, back)
}

func TestLoadSimulate(t *testing.T) {
	sc, err := LoadSimulate(nil, nil)
	require.NoError(t, err)
	assert.Equal(t, &SimulateConfig{Listen: "127.0.0.1:3000", Protocol: Milky}, sc)

	sc, err = LoadSimulate([]string{"--protocol", "OneBot11", "--access-token=t"}, env(map[string]string{
		"GATEWAY_SIMULATE_LISTEN": "127.0.0.1:3999", "GATEWAY_SIMULATE_ACCESS_TOKEN": "envtoken",
		"GATEWAY_LISTEN": "127.0.0.1:5700", // the gateway's twin does not leak in
	}))
	require.NoError(t, err)
	assert.Equal(t, &SimulateConfig{Listen: "127.0.0.1:3999", Protocol: OneBot11, AccessToken: "t"}, sc)

	_, err = LoadSimulate([]string{"--protocol", "satori", "--listen", "3000"}, nil)
	assert.EqualError(t, err, "--listen: \"3000\" is not host:port (e.g. \"127.0.0.1:5700\"): missing port in address\n--protocol: \"satori\" is not one of milky, onebot11")
	_, err = LoadSimulate(nil, env(map[string]string{"GATEWAY_SIMULATE_PROTOCOL": "x"}))
	assert.EqualError(t, err, `GATEWAY_SIMULATE_PROTOCOL: "x" is not one of milky, onebot11`)
	_, err = LoadSimulate([]string{"--upstream", "x"}, nil)
	assert.EqualError(t, err, "unknown flag --upstream (see --help)")
}

func TestValues(t *testing.T) {
	for in, want := range map[string]int64{"0": 0, "1": 1, "1B": 1, "2KiB": 2048, "2kib": 2048, "3MB": 3e6, "1 GiB": 1 << 30, " 16MiB ": 16 << 20} {
		got, err := parseSize(in)
		require.NoError(t, err, in)
		assert.Equal(t, want, got, in)
	}
	for _, in := range []string{"", "B", "MiB", "1.5MiB", "1 TB", "-"} {
		_, err := parseSize(in)
		assert.Error(t, err, in)
	}
	for d, want := range map[time.Duration]string{0: "0s", 5 * time.Second: "5s", time.Minute: "1m", time.Hour: "1h",
		90 * time.Minute: "1h30m", 3601 * time.Second: "1h0m1s", 1500 * time.Millisecond: "1.5s"} {
		assert.Equal(t, want, formatDuration(d))
		back, err := parseDuration(want)
		require.NoError(t, err)
		assert.Equal(t, d, back)
	}
	for _, n := range []int64{0, 1, 1000, 1024, 16 << 20, 3 << 30, 1<<20 + 1} {
		back, err := parseSize(formatSize(n))
		require.NoError(t, err)
		assert.Equal(t, n, back)
	}
}

func TestFileLists(t *testing.T) {
	for body, want := range map[string][]string{
		"reverse_ws: []\n":                      nil, // found by FuzzLoadYAML: an empty list is nil, as from other sources
		"reverse_ws:\n":                         nil,
		"reverse_ws: [ws://a/, 'ws://b/']\n":    {"ws://a/", "ws://b/"},
		"reverse_ws:\n  - ws://a/\n  - ws://b/": {"ws://a/", "ws://b/"},
	} {
		c, err := Load([]string{"--config", writeFile(t, body)}, nil)
		require.NoError(t, err, body)
		assert.Equal(t, want, c.ReverseWS, body)
	}
	// Aliases work inside lists.
	c, err := Load([]string{"--config", writeFile(t, "access_token: &u ws://a/\nreverse_ws: [*u]\n")}, nil)
	require.NoError(t, err)
	assert.Equal(t, []string{"ws://a/"}, c.ReverseWS)
}

// --media-local-files takes allow, deny (any case) or an absolute
// directory, from every source.
func TestMediaLocalFiles(t *testing.T) {
	for _, v := range []string{"allow", "deny", "DENY", "/srv/bot-media", "/srv/../srv/media/"} {
		c, err := Load([]string{"--media-local-files", v}, nil)
		require.NoError(t, err, v)
		assert.Equal(t, v, c.MediaLocalFiles)
	}
	c, err := Load(nil, func(k string) string {
		if k == "GATEWAY_MEDIA_LOCAL_FILES" {
			return "deny"
		}
		return ""
	})
	require.NoError(t, err)
	assert.Equal(t, "deny", c.MediaLocalFiles)
	assert.Equal(t, MediaLocalAllow, Default().MediaLocalFiles)
	for _, v := range []string{"media", "./media", "yes"} {
		_, err := Load([]string{"--media-local-files=" + v}, nil)
		require.Error(t, err, v)
		assert.Contains(t, err.Error(), "--media-local-files: ")
		assert.Contains(t, err.Error(), "is not allow, deny or an absolute directory")
	}
}
