package bridge

import (
	"log/slog"
	"time"
)

// Options configure a gateway run. cmd/gateway fills them from config.Config.
type Options struct {
	Version string

	// Upstream.
	UpstreamURL     string // the implementation (cmd/gateway starts the simulator when none is configured)
	UpstreamListen  string // OneBot 11 upstream: accept its reverse WS here instead of dialing
	UpstreamToken   string
	UpstreamSecret  string // OneBot 11 upstream over HTTP: X-Signature key of its event POSTs
	UpstreamEvents  string // ws | sse
	UpstreamTimeout time.Duration

	// Downstream.
	Listen            string
	AccessToken       string
	ReverseWS         []string
	Webhooks          []string
	Secret            string
	MessageFormat     string // array | string
	Heartbeat         time.Duration
	ReconnectInterval time.Duration
	ReverseAuthScheme string
	EventBuffer       int
	EventBufferBytes  int64
	SpoolDir          string
	SpoolMaxBytes     int64
	EventMaxAge       time.Duration
	MaxBodyBytes      int64
	// MediaLocalFiles is --media-local-files: "allow" (or ""), "deny", or
	// an absolute directory bots' local media files must lie under.
	MediaLocalFiles string
	// Pprof serves Go's /debug/pprof/ handlers on the metrics listener.
	Pprof bool

	// Operations.
	MetricsListen string // "" disables the metrics/health listener
	DataDir       string // "" keeps ids in memory only
	IDRetention   time.Duration
	IDMaxEntries  int
	GracePeriod   time.Duration
	Logger        *slog.Logger
}

func (o *Options) defaults() {
	if o.UpstreamEvents == "" {
		o.UpstreamEvents = "ws"
	}
	if o.UpstreamTimeout <= 0 {
		o.UpstreamTimeout = 30 * time.Second
	}
	if o.MessageFormat == "" {
		o.MessageFormat = "array"
	}
	if o.EventBuffer <= 0 {
		o.EventBuffer = 100_000
	}
	if o.GracePeriod <= 0 {
		o.GracePeriod = 10 * time.Second
	}
	if o.Logger == nil {
		o.Logger = slog.Default()
	}
}
