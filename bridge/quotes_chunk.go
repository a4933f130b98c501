package bridge

import "runtime"

// quoteChunk is a block of memory outside the Go heap (quoteMem) that the
// quote cache appends encoded quotes to. Outside the heap because the GC
// counts what is live on the heap towards its target: with GOGC=100 the
// ~3 MiB of cached quotes cost about twice that in RSS as heap objects,
// once as chunks.
//
// The cache counts the entries in each chunk (under its lock) and recycles
// a chunk the moment its last entry goes, unless new quotes still go to it:
// entries are evicted oldest first, so chunks die in the order they were
// filled, and the dead one's memory backs the next chunk at once. (Leaving
// that to a finalizer, as before, waited for a GC cycle: meanwhile every
// new chunk was fresh memory, a page fault and a zeroed page per 4 KiB
// written, 1-2 us of CPU per event in the reverse direction.) A finalizer
// remains only for a cache that is dropped with chunks still in use.
type quoteChunk struct {
	mem  []byte
	used int
	live int // cache entries whose encoding is in mem
}

const quoteChunkSize = 256 << 10

// spareQuoteChunks keeps the memory of dead full-size chunks for the next
// ones. The pages of a spare stay resident, as they were while its chunk
// was live, and the cache's byte bound caps how many chunks are live, so
// this holds no more than that bound plus the spares. Chunks die one at a
// time, oldest first, and the next one takes the spare at once, so two
// spares cover the turnover (also of several caches); more would only be
// resident memory.
var spareQuoteChunks = make(chan []byte, 2)

func newQuoteChunk(size int) *quoteChunk {
	var mem []byte
	if size == quoteChunkSize {
		select {
		case mem = <-spareQuoteChunks:
		default:
		}
	}
	if mem == nil {
		mem = quoteMemAlloc(size)
	}
	c := &quoteChunk{mem: mem}
	runtime.SetFinalizer(c, releaseQuoteChunk)
	return c
}

// recycle releases c's memory now: nothing refers to it any more.
func (c *quoteChunk) recycle() {
	runtime.SetFinalizer(c, nil)
	releaseQuoteChunk(c)
}

// releaseQuoteChunk gives c's memory to the next chunk as a spare, or back
// to the system when there are enough spares; c is unusable afterwards.
func releaseQuoteChunk(c *quoteChunk) {
	mem := c.mem
	c.mem, c.used = nil, 0
	if mem == nil {
		return
	}
	if len(mem) == quoteChunkSize {
		select {
		case spareQuoteChunks <- mem:
			return
		default:
		}
	}
	quoteMemFree(mem)
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
		c.live = 1
		return quoteRef{c, 0, uint32(len(enc))}
	}
	if q.cur == nil || len(q.cur.mem)-q.cur.used < len(enc) {
		if old := q.cur; old != nil && old.live == 0 {
			old.recycle() // its entries went while it was current
		}
		q.cur = newQuoteChunk(quoteChunkSize)
	}
	c := q.cur
	off := c.used
	c.used += copy(c.mem[off:], enc)
	c.live++
	return quoteRef{c, uint32(off), uint32(len(enc))}
}

// drop forgets one entry's encoding; the last entry of a chunk that new
// quotes no longer go to recycles it.
func (q *quoteCache) drop(r quoteRef) {
	r.c.live--
	if r.c.live == 0 && r.c != q.cur {
		r.c.recycle()
	}
}
