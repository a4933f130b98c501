package idstore

import (
	"errors"
	"log/slog"
	"time"
)

// Recommended settings; the config layer applies them (a zero MaxAge means
// "no age limit", so it is not defaulted here).
const (
	DefaultMaxEntries    = 1_000_000
	DefaultMaxAge        = 30 * 24 * time.Hour
	DefaultFlushInterval = 200 * time.Millisecond
	DefaultMaxPending    = 1024
	DefaultCacheSize     = 100_000

	// maxEntriesCap keeps at least half of the id space free, so the linear
	// probe for a free id always ends quickly.
	maxEntriesCap = 1 << 30
	// sweepEvery is how often an idle store checks for expired entries.
	sweepEvery = time.Minute
	// sweepChunk bounds the deletions done in one transaction.
	sweepChunk = 10_000
	// maxBatch bounds the entries committed in one transaction.
	maxBatch = 4096
)

// ErrClosed is returned by Flush on a closed store.
var ErrClosed = errors.New("idstore: store is closed")

// Options configure a Store or a Memory. Zero values take the defaults
// above, except MaxAge where 0 disables the age limit.
type Options struct {
	// MaxEntries bounds the mapping; the oldest entries go first.
	MaxEntries int
	// MaxAge expires entries older than this (by insertion or last refresh);
	// 0 or negative = no age limit. See DefaultMaxAge.
	MaxAge time.Duration
	// FlushInterval is how often pending entries are committed (Store only).
	FlushInterval time.Duration
	// MaxPending triggers an early commit when this many entries wait (Store only).
	MaxPending int
	// CacheSize bounds the in-memory front of flushed entries (Store only).
	CacheSize int
	// Now is the clock for insertion times and expiry; nil = time.Now.
	Now func() time.Time
	// Logger receives store errors; nil = slog.Default().
	Logger *slog.Logger

	// hash replaces the id derivation; tests use it to force collisions.
	hash func(Ref) int32
}

// DefaultOptions returns the recommended retention (1M entries, 30 days).
func DefaultOptions() Options {
	return Options{MaxEntries: DefaultMaxEntries, MaxAge: DefaultMaxAge}
}

func (o Options) withDefaults() Options {
	if o.MaxEntries <= 0 {
		o.MaxEntries = DefaultMaxEntries
	}
	if o.MaxEntries > maxEntriesCap {
		o.MaxEntries = maxEntriesCap
	}
	if o.MaxAge < 0 {
		o.MaxAge = 0
	}
	if o.FlushInterval <= 0 {
		o.FlushInterval = DefaultFlushInterval
	}
	if o.MaxPending <= 0 {
		o.MaxPending = DefaultMaxPending
	}
	if o.CacheSize <= 0 {
		o.CacheSize = DefaultCacheSize
	}
	if o.Now == nil {
		o.Now = time.Now
	}
	if o.Logger == nil {
		o.Logger = slog.Default()
	}
	if o.hash == nil {
		o.hash = derive
	}
	return o
}

// cutoff returns the oldest insertion time (unix nanos) still alive, or
// noCutoff (everything alive) without an age limit, in which case the
// clock is not read.
func (o *Options) cutoff() int64 {
	if o.MaxAge <= 0 {
		return noCutoff
	}
	return o.Now().Add(-o.MaxAge).UnixNano()
}

const noCutoff = -1 << 63

// Stats is a snapshot for metrics.
type Stats struct {
	// Entries is the number of live mappings (durable + not yet flushed).
	Entries int
	// Hits and Misses count RefFor answers: found, or unknown/expired id.
	Hits, Misses uint64
	// Collisions counts new refs whose derived id was held by another ref
	// and that therefore took the next free id.
	Collisions uint64
	// FlushErrors counts failed commits and failed reads of the durable
	// store (IDFor still answered; see Mapper).
	FlushErrors uint64
	// LastFlush is when the last commit succeeded (zero for Memory).
	LastFlush time.Time
	// Pending is the number of entries waiting for the next commit.
	Pending int
	// Cached is the size of the in-memory front.
	Cached int
	// DiskReads counts lookups the in-memory front could not answer.
	DiskReads uint64
}
