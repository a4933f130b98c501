package config

import (
	"strconv"
	"strings"
	"time"
)

// setting describes one configurable value once for every source: flag,
// environment twin, YAML key, usage line and the field it fills.
type setting struct {
	flag  string   // flag name without dashes
	key   string   // YAML key; "" = not settable from the file
	env   string   // environment twin
	arg   string   // value placeholder in the usage text
	usage string   // one line for the usage text
	enum  []string // allowed values, canonical spelling (string fields)
	ptr   any      // *string, *[]string, *time.Duration, *int or *int64 (a byte size)
}

// settings binds the table to c's fields. The first entry is --config.
func (c *Config) settings() []*setting {
	protocols := []string{Milky, OneBot11}
	return finish("GATEWAY_", []*setting{
		{flag: "config", key: "-", arg: "FILE", usage: "YAML file with settings; keys are the flag names in snake_case (the --webhook list is webhooks)", ptr: &c.ConfigFile},
		{flag: "upstream", arg: "URL", usage: "implementation to connect to (Milky: http(s)://host:port; OneBot 11: ws(s):// or http(s)://); empty: built-in simulator", ptr: &c.Upstream},
		{flag: "upstream-protocol", arg: "PROTO", usage: "protocol the upstream speaks", enum: protocols, ptr: &c.UpstreamProtocol},
		{flag: "upstream-listen", arg: "ADDR", usage: "OneBot 11 upstream only: accept its reverse WS on ADDR instead of dialing", ptr: &c.UpstreamListen},
		{flag: "upstream-token", arg: "T", usage: "access token sent upstream (Authorization: Bearer); a OneBot 11 upstream connecting in (--upstream-listen) must present it", ptr: &c.UpstreamToken},
		{flag: "upstream-secret", arg: "S", usage: "OneBot 11 upstream only: verify the X-Signature (HMAC-SHA1) of events it POSTs to /onebot/v11/post", ptr: &c.UpstreamSecret},
		{flag: "upstream-events", arg: "ws|sse", usage: "Milky upstream only: event transport", enum: []string{"ws", "sse"}, ptr: &c.UpstreamEvents},
		{flag: "downstream", arg: "PROTO", usage: "protocol served to bots (default: the one upstream is not; --downstream milky alone means a onebot11 upstream)", enum: protocols, ptr: &c.Downstream},
		{flag: "listen", arg: "ADDR", usage: "one port for every downstream endpoint (default 127.0.0.1:5700 for onebot11, 127.0.0.1:3010 for milky)", ptr: &c.Listen},
		{flag: "access-token", arg: "T", usage: "downstream token (Authorization: Bearer/Token, or ?access_token=)", ptr: &c.AccessToken},
		{flag: "reverse-ws", arg: "URL", usage: ob11DownstreamOnly + ", repeatable; universal reverse WS to URL (ws:// or wss://)", ptr: &c.ReverseWS},
		{flag: "webhook", key: "webhooks", arg: "URL", usage: "repeatable; HTTP POST events to URL (http:// or https://): OneBot 11 HTTP POST, or Milky WebHook with a milky downstream", ptr: &c.Webhooks},
		{flag: "secret", arg: "S", usage: ob11DownstreamOnly + ": HTTP POST X-Signature key (HMAC-SHA1)", ptr: &c.Secret},
		{flag: "message-format", arg: "FMT", usage: ob11DownstreamOnly + ": event message format", enum: []string{"array", "string"}, ptr: &c.MessageFormat},
		{flag: "heartbeat", arg: "DURATION", usage: ob11DownstreamOnly + ": heartbeat interval; 0 disables", ptr: &c.Heartbeat},
		{flag: "metrics-listen", arg: "ADDR", usage: "/metrics, /healthz, /readyz; empty disables", ptr: &c.MetricsListen},
		{flag: "data", arg: "DIR", usage: "durable state (message-id map, request flags; use one directory per gateway)", ptr: &c.Data},
		{flag: "log-level", arg: "LEVEL", usage: "log threshold", enum: []string{"debug", "info", "warn", "error"}, ptr: &c.LogLevel},
		{flag: "log-format", arg: "FMT", usage: "log line format", enum: []string{"text", "json"}, ptr: &c.LogFormat},
		{flag: "upstream-timeout", arg: "DURATION", usage: "limit for one upstream API call", ptr: &c.UpstreamTimeout},
		{flag: "reconnect-interval", arg: "DURATION", usage: ob11DownstreamOnly + ": first reverse WS reconnect delay (then exponential backoff)", ptr: &c.ReconnectInterval},
		{flag: "reverse-auth-scheme", arg: "SCHEME", usage: ob11DownstreamOnly + ": Authorization scheme the reverse WS client sends", enum: []string{"Bearer", "Token"}, ptr: &c.ReverseAuthScheme},
		{flag: "event-buffer", arg: "N", usage: "events held in memory per downstream target; beyond it (or --event-buffer-bytes) events spool (--spool-dir) or the oldest are dropped", ptr: &c.EventBuffer},
		{flag: "event-buffer-bytes", arg: "SIZE", usage: ob11DownstreamOnly + ": bytes of events held in memory per downstream target (e.g. 64MiB)", ptr: &c.EventBufferBytes},
		{flag: "spool-dir", arg: "DIR", usage: "OneBot 11 webhook and reverse WS targets spool what memory cannot hold here, in order, kept across restarts; empty: no spool", ptr: &c.SpoolDir},
		{flag: "spool-max-bytes", arg: "SIZE", usage: ob11DownstreamOnly + ": on-disk spool bound per target; beyond it events are dropped", ptr: &c.SpoolMaxBytes},
		{flag: "event-max-age", arg: "DURATION", usage: ob11DownstreamOnly + ": drop events older than this instead of delivering them late; 0: no limit", ptr: &c.EventMaxAge},
		{flag: "id-retention", arg: "DURATION", usage: "how long message ids stay resolvable", ptr: &c.IDRetention},
		{flag: "id-max-entries", arg: "N", usage: "message-id map capacity", ptr: &c.IDMaxEntries},
		{flag: "grace-period", arg: "DURATION", usage: "shutdown drain time", ptr: &c.GracePeriod},
		{flag: "max-body-bytes", arg: "SIZE", usage: "limit per HTTP body, WS message and upstream event (e.g. 16MiB)", ptr: &c.MaxBodyBytes},
		{flag: "pprof", arg: "on|off", usage: "serve Go's /debug/pprof/ on the metrics listener, to profile a live gateway (keep that port private)", enum: []string{"off", "on"}, ptr: &c.Pprof},
		{flag: "media-local-files", arg: "allow|deny|DIR", usage: "local files (file://, absolute paths) bots may send as media: any, none, or only under the absolute directory DIR", ptr: &c.MediaLocalFiles},
	})
}

// finish fills the derived names: env twin and YAML key ("-" = none).
func finish(envPrefix string, set []*setting) []*setting {
	for _, s := range set {
		s.env = envPrefix + strings.ToUpper(strings.ReplaceAll(s.flag, "-", "_"))
		switch s.key {
		case "":
			s.key = strings.ReplaceAll(s.flag, "-", "_")
		case "-":
			s.key = ""
		}
	}
	return set
}

// isList reports whether s holds a list.
func (s *setting) isList() bool {
	_, ok := s.ptr.(*[]string)
	return ok
}

// set parses one scalar value into the field. Enumerations are only
// canonicalised here; Validate rejects values outside the set so that code
// building a Config gets the same checks.
func (s *setting) set(raw string) error {
	switch p := s.ptr.(type) {
	case *string:
		*p = canonical(raw, s.enum)
	case *time.Duration:
		d, err := parseDuration(raw)
		if err != nil {
			return err
		}
		*p = d
	case *int:
		n, err := parseInt(raw)
		if err != nil {
			return err
		}
		*p = n
	case *int64:
		n, err := parseSize(raw)
		if err != nil {
			return err
		}
		*p = n
	case *[]string:
		*p = append(*p, raw)
	}
	return nil
}

// value is the field's current value in a form YAML can carry.
func (s *setting) value() any {
	switch p := s.ptr.(type) {
	case *string:
		return *p
	case *time.Duration:
		return formatDuration(*p)
	case *int:
		return *p
	case *int64:
		if f := formatSize(*p); f != strconv.FormatInt(*p, 10) {
			return f
		}
		return *p
	case *[]string:
		return *p
	}
	return nil
}

// record notes that label's source set s; items are per-item labels (nil
// when all items share label).
func record(origins map[string]origin, s *setting, label string, items []string) {
	if origins != nil {
		origins[s.flag] = origin{label: label, items: items}
	}
}

// ob11DownstreamOnly begins the usage line of every setting that only a
// OneBot 11 downstream reads; Inapplicable finds them by it, so the usage
// text and the warning cannot disagree.
const ob11DownstreamOnly = "OneBot 11 downstream only"
