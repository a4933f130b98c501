package idstore

import (
	"errors"
	"log/slog"
	"time"

	"github.com/qqbridge/gateway/idmap"
)

// Recommended settings; the config layer applies them (a zero MaxAge means
// "no age limit", so it is not defaulted here).
const (
	DefaultMaxEntries    = idmap.DefaultMaxEntries
	DefaultMaxAge        = idmap.DefaultMaxAge
	DefaultFlushInterval = 200 * time.Millisecond

	// compactMinSize: a log smaller than this is never compacted.
	compactMinSize = 4 << 20
)

// ErrClosed is returned by Flush on a closed store.
var ErrClosed = errors.New("idstore: store is closed")

// Options configure a Store. Zero values take the defaults above, except
// MaxAge where 0 disables the age limit.
type Options struct {
	// MaxEntries bounds the message mappings (and, separately, the request
	// flags); the oldest go first.
	MaxEntries int
	// MaxAge expires entries older than this (by insertion or last
	// refresh); 0 or negative = no age limit. See DefaultMaxAge. The
	// resolution is one second (idmap.Options.MaxAge): a message mapping
	// lives at least MaxAge and less than MaxAge + 1 s.
	MaxAge time.Duration
	// FlushInterval is how often written records are fsynced, bounding what
	// a power loss can take (a crash of the process loses nothing).
	FlushInterval time.Duration
	// Now is the clock for insertion times and expiry; nil = the system
	// clock read every FlushInterval (lookups then never read the clock).
	Now func() time.Time
	// Logger receives store errors; nil = slog.Default().
	Logger *slog.Logger

	// hash replaces the id derivation; tests use it to force collisions.
	hash func(idmap.Ref) int32
	// compactMin overrides compactMinSize in tests.
	compactMin int64
	// noMmap makes the writer use one pwrite per record (tests).
	noMmap bool
}

// DefaultOptions returns the recommended retention (1M entries, 30 days).
func DefaultOptions() Options {
	return Options{MaxEntries: DefaultMaxEntries, MaxAge: DefaultMaxAge}
}

func (o Options) withDefaults() Options {
	if o.MaxEntries <= 0 {
		o.MaxEntries = DefaultMaxEntries
	}
	if o.MaxAge < 0 {
		o.MaxAge = 0
	}
	if o.FlushInterval <= 0 {
		o.FlushInterval = DefaultFlushInterval
	}
	if o.Now == nil {
		o.Now = time.Now
	}
	if o.Logger == nil {
		o.Logger = slog.Default()
	}
	if o.compactMin <= 0 {
		o.compactMin = compactMinSize
	}
	return o
}
