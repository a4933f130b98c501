package bridge

import "runtime"

// quoteChunk is a block of memory outside the Go heap (quoteMem) that the
// quote cache appends encoded quotes to. Outside the heap because the GC
// counts what is live on the heap towards its target: with GOGC=100 the
// ~3 MiB of cached quotes cost about twice that in RSS as heap objects,
// once as chunks. A chunk is unmapped by its finalizer once no cache
// entry (and not the cache's current chunk) refers to it: entries are
// evicted oldest first, so chunks die in the order they were filled.
type quoteChunk struct {
	mem  []byte
	used int
}

const quoteChunkSize = 256 << 10

func newQuoteChunk(size int) *quoteChunk {
	c := &quoteChunk{mem: quoteMemAlloc(size)}
	runtime.SetFinalizer(c, func(c *quoteChunk) { quoteMemFree(c.mem) })
	return c
}

// quoteRef locates one encoded quote in a chunk.
type quoteRef struct {
	c   *quoteChunk
	off uint32
	n   uint32
}

// bytes returns the encoding; valid only while the entry is cached (the
// caller holds the cache's lock and copies what it keeps).
func (r quoteRef) bytes() []byte { return r.c.mem[r.off : r.off+r.n] }

// store copies enc into the current chunk, starting a new one when it is
// full; an encoding larger than a quarter chunk gets a chunk of its own
// (its current chunk stays).
func (q *quoteCache) store(enc []byte) quoteRef {
	if len(enc) > quoteChunkSize/4 {
		c := newQuoteChunk(len(enc))
		c.used = copy(c.mem, enc)
		return quoteRef{c, 0, uint32(len(enc))}
	}
	if q.cur == nil || len(q.cur.mem)-q.cur.used < len(enc) {
		q.cur = newQuoteChunk(quoteChunkSize)
	}
	c := q.cur
	off := c.used
	c.used += copy(c.mem[off:], enc)
	return quoteRef{c, uint32(off), uint32(len(enc))}
}
