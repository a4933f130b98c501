package idmap

import "time"

// Retention defaults; a zero MaxAge means "no age limit", so it is not
// defaulted by NewMemory (callers pass DefaultMaxAge).
const (
	DefaultMaxEntries = 1_000_000
	DefaultMaxAge     = 30 * 24 * time.Hour

	// maxEntriesCap keeps at least half of the id space free, so the linear
	// probe for a free id always ends quickly.
	maxEntriesCap = 1 << 30

	// MaxFlagLen bounds a request flag; SeqForFlag answers 0 for longer ones.
	MaxFlagLen = 1024
)

// Options configure a Memory. Zero values take the defaults above, except
// MaxAge where 0 (or negative) disables the age limit.
type Options struct {
	// MaxEntries bounds the message mappings (both directions together) and,
	// separately, the request flags; the oldest go first.
	MaxEntries int
	// MaxAge expires entries older than this (by insertion or last
	// refresh); 0 = no age limit. Message mappings keep their time in whole
	// seconds (4 bytes of their 20), so one lives at least MaxAge and less
	// than MaxAge + 1 s; request flags keep nanoseconds.
	MaxAge time.Duration
	// Now is the clock for insertion times and expiry; nil = time.Now.
	Now func() time.Time
	// Hash replaces DeriveID; tests use it to force collisions. nil = DeriveID.
	Hash func(Ref) int32
	// Journal, when set, receives every new or refreshed mapping before the
	// call that made it returns (idstore uses it to write its log).
	Journal Journal
	// Arena supplies the index memory; nil = the Go heap. idstore passes
	// memory mapped outside the Go heap.
	Arena Arena
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
	if o.Now == nil {
		o.Now = time.Now
	}
	if o.Arena == nil {
		o.Arena = heapArena{}
	}
	if o.Hash == nil {
		o.Hash = DeriveID
	}
	return o
}

// Stats is a snapshot for metrics. Memory fills Entries, Seqs, Flags, Hits,
// Misses and Collisions; idstore also fills the durability fields.
type Stats struct {
	// Entries is the number of live message mappings (Mapper and SeqMapper).
	Entries int
	// Flags is the number of live request flags (FlagMapper).
	Flags int
	// Hits and Misses count RefFor, UpstreamID and FlagForSeq answers:
	// found, or unknown/expired.
	Hits, Misses uint64
	// Collisions counts new refs whose derived id was held by another ref
	// and that therefore took the next free id.
	Collisions uint64
	// FlushErrors counts failed writes, syncs and compactions of the
	// durable store (answers still came from memory).
	FlushErrors uint64
	// LastFlush is when the durable store last reached the disk (fsync);
	// zero for Memory.
	LastFlush time.Time
	// Pending is the number of records written to the OS but not yet
	// fsynced (what a power loss, not a crash, could lose).
	Pending int
	// Cached is the number of entries held in memory (all of them).
	Cached int
	// DiskReads counts lookups that had to read the disk; the log-backed
	// store answers everything from memory, so it stays 0.
	DiskReads uint64
}
