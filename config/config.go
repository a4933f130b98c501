package config

import (
	"errors"
	"fmt"
	"io"
	"log/slog"
	"os"
	"time"
)

// Config is the gateway's effective configuration. Field comments give the
// flag; defaults are in Default.
type Config struct {
	Upstream          string        // --upstream: implementation URL; empty = built-in simulator
	UpstreamProtocol  string        // --upstream-protocol: milky|onebot11
	UpstreamListen    string        // --upstream-listen: OneBot 11 upstream connects to us (reverse WS) on ADDR
	UpstreamToken     string        // --upstream-token
	UpstreamSecret    string        // --upstream-secret: OneBot 11 upstream only: X-Signature key of the events it POSTs
	UpstreamEvents    string        // --upstream-events: ws|sse (Milky upstream)
	Downstream        string        // --downstream: onebot11|milky; default: the protocol upstream is not
	Listen            string        // --listen: 127.0.0.1:5700 (onebot11) or 127.0.0.1:3010 (milky)
	AccessToken       string        // --access-token: downstream token
	ReverseWS         []string      // --reverse-ws (repeatable)
	Webhooks          []string      // --webhook (repeatable)
	Secret            string        // --secret: OneBot 11 HTTP POST signature key
	MessageFormat     string        // --message-format: array|string
	Heartbeat         time.Duration // --heartbeat: 0 disables
	MetricsListen     string        // --metrics-listen: empty disables the metrics/health server
	Data              string        // --data: durable state directory
	LogLevel          string        // --log-level: debug|info|warn|error
	LogFormat         string        // --log-format: text|json
	ConfigFile        string        // --config: the YAML file that was read, if any
	UpstreamTimeout   time.Duration // --upstream-timeout: per upstream API call
	ReconnectInterval time.Duration // --reconnect-interval: first reverse WS retry
	ReverseAuthScheme string        // --reverse-auth-scheme: Bearer|Token
	EventBuffer       int           // --event-buffer: events held in memory per downstream target
	EventBufferBytes  int64         // --event-buffer-bytes: bytes held in memory per downstream target
	SpoolDir          string        // --spool-dir: on-disk overflow for webhook/reverse-WS targets; "" = none
	SpoolMaxBytes     int64         // --spool-max-bytes: bound of each target's spool
	EventMaxAge       time.Duration // --event-max-age: drop events older than this; 0 = no limit
	IDRetention       time.Duration // --id-retention: how long message ids stay resolvable
	IDMaxEntries      int           // --id-max-entries: message id map capacity
	GracePeriod       time.Duration // --grace-period: shutdown drain time
	MaxBodyBytes      int64         // --max-body-bytes: HTTP body / WS message / upstream event limit
	MediaLocalFiles   string        // --media-local-files: allow|deny|DIR (absolute): which local files bots may send
	Pprof             string        // --pprof: on|off: Go's /debug/pprof/ on the metrics listener

	// origin records where each explicitly set value came from, to name it
	// in validation errors; nil for a Config built in code.
	origin map[string]origin
}

// origin is an error prefix for one setting, and for list items when the
// source knows their individual positions (the YAML file).
type origin struct {
	label string
	items []string
}

// Protocol names.
const (
	Milky    = "milky"
	OneBot11 = "onebot11"
)

// --media-local-files values other than a directory.
const (
	MediaLocalAllow = "allow"
	MediaLocalDeny  = "deny"
)

// Default listen addresses.
const (
	DefaultOneBot11Listen = "127.0.0.1:5700"
	DefaultMilkyListen    = "127.0.0.1:3010"
)

// ErrHelp is returned by Load and LoadSimulate after they printed the usage
// for -h/--help; the caller should exit 0.
var ErrHelp = errors.New("help requested")

// helpOutput receives the usage text; tests replace it.
var helpOutput io.Writer = os.Stdout

// Default is the configuration with no flags, environment or file: a Milky
// upstream (the built-in simulator) served to OneBot 11 bots.
func Default() *Config {
	c := baseDefaults()
	c.derive()
	return c
}

// baseDefaults holds the defaults that do not depend on other settings.
func baseDefaults() *Config {
	return &Config{
		UpstreamProtocol:  Milky,
		UpstreamEvents:    "ws",
		MessageFormat:     "array",
		Heartbeat:         5 * time.Second,
		MetricsListen:     "127.0.0.1:9464",
		Data:              "./data",
		LogLevel:          "info",
		LogFormat:         "text",
		UpstreamTimeout:   30 * time.Second,
		ReconnectInterval: 3 * time.Second,
		ReverseAuthScheme: "Bearer",
		EventBuffer:       100_000,
		EventBufferBytes:  64 << 20,
		SpoolMaxBytes:     1 << 30,
		IDRetention:       720 * time.Hour,
		IDMaxEntries:      1_000_000,
		GracePeriod:       10 * time.Second,
		MaxBodyBytes:      16 << 20,
		MediaLocalFiles:   MediaLocalAllow,
		Pprof:             "off",
	}
}

// derive fills the defaults that depend on other settings, unless a source
// set them.
func (c *Config) derive() {
	// --downstream milky alone means a OneBot 11 upstream: the protocols
	// derive from each other in both directions.
	if _, set := c.origin["upstream-protocol"]; !set {
		if _, down := c.origin["downstream"]; down && c.Downstream == Milky {
			c.UpstreamProtocol = OneBot11
		}
	}
	if _, set := c.origin["downstream"]; !set && c.Downstream == "" {
		switch c.UpstreamProtocol {
		case Milky:
			c.Downstream = OneBot11
		case OneBot11:
			c.Downstream = Milky
		}
	}
	if _, set := c.origin["listen"]; !set && c.Listen == "" {
		switch c.Downstream {
		case OneBot11:
			c.Listen = DefaultOneBot11Listen
		case Milky:
			c.Listen = DefaultMilkyListen
		}
	}
}

// Load builds the configuration from args (without the program name) and the
// environment (getenv; nil means an empty environment), reading the YAML file
// named by --config or GATEWAY_CONFIG, and validates it.
func Load(args []string, getenv func(string) string) (*Config, error) {
	c := baseDefaults()
	c.origin = map[string]origin{}
	set := c.settings()
	flags, err := parseArgs(args, set, usage)
	if err != nil {
		return nil, err
	}
	getenv = environment(getenv)
	path, label := "", ""
	for _, f := range flags {
		if f.s.flag == "config" {
			path, label = f.raw, "--"+f.s.flag
		}
	}
	if path == "" {
		if v := getenv(set[0].env); v != "" {
			path, label = v, set[0].env
		}
	}
	if path != "" {
		data, err := os.ReadFile(path)
		if err != nil {
			return nil, fmt.Errorf("%s: %w", label, err)
		}
		if err := applyYAML(path, data, set, c.origin); err != nil {
			return nil, err
		}
	}
	if err := applyEnv(getenv, set, c.origin); err != nil {
		return nil, err
	}
	if err := applyFlags(flags, c.origin); err != nil {
		return nil, err
	}
	c.derive()
	if err := c.Validate(); err != nil {
		return nil, err
	}
	return c, nil
}

// SlogLevel is LogLevel as a slog.Level (info for an unknown name).
func (c *Config) SlogLevel() slog.Level {
	switch c.LogLevel {
	case "debug":
		return slog.LevelDebug
	case "warn":
		return slog.LevelWarn
	case "error":
		return slog.LevelError
	}
	return slog.LevelInfo
}
