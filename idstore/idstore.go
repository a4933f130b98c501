// Package idstore is the durable implementation of idmap's idmap.Mapper,
// SeqMapper and FlagMapper: an idmap.Memory whose every change is appended
// to a log file in the data dir before the call that made it returns.
//
// Engine: an append-only log of CRC-checked binary records (36 bytes per
// message mapping, 36 + len(flag) per request flag; see codec.go), replayed
// into the compact in-memory index of idmap.Memory on Open. Lookups never
// touch the disk. A new mapping is copied, under the Memory's lock, into a
// shared writable mapping of the log's end (the page cache, exactly where
// write(2) would put it; one pwrite(2) where mmap is unavailable), so log
// order is assignment order (replay depends on it to redo
// takeovers of expired ids) and no caller sees a mapping that is not yet
// in the file. When the log holds more than twice the live records it is
// compacted in the background: the live state is written to a new file
// (copied from memory in small batches, lookups continue), the records
// appended meanwhile are copied after it, and the new file is renamed over
// the old one.
//
// Durability: every id, seq or flag mapping handed out has reached the
// operating system (its bytes are in the kernel's page cache), so it survives the gateway being
// killed (SIGKILL, OOM, panic) at any moment. fsync runs in the background
// every FlushInterval (default 200 ms) and on Flush and Close, so a power
// loss or kernel crash can lose the mappings of the last FlushInterval
// (plus what the disk itself caches); after such a loss those ids may be
// given to other messages. A torn or corrupt tail found on Open is
// truncated at the first bad record (and logged).
package idstore

import "github.com/qqbridge/gateway/idmap"

// Stats is idmap's snapshot, with the durable store's fields filled.
type Stats = idmap.Stats

// NewMemory returns a non-durable map with the retention of opts; it is
// idmap.NewMemory for callers that hold idstore.Options.
func NewMemory(opts Options) *idmap.Memory {
	o := opts.withDefaults()
	return idmap.NewMemory(idmap.Options{MaxEntries: o.MaxEntries, MaxAge: o.MaxAge, Now: o.Now, Hash: opts.hash, Arena: arena})
}
