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

// spareQuoteChunks keeps the memory of dead full-size chunks for the next
// ones. Mapping a fresh chunk for every 256 KiB of quotes and unmapping the
// dead one cost a page fault (and the kernel zeroing a page) per 4 KiB
// written: ~10 us of CPU per event in the reverse direction. The pages of a
// spare chunk stay resident, as they were while it was live, and the cache's
// byte bound caps how many chunks are live, so this holds no more than that
// bound plus the spares. Chunks die one at a time, oldest first, so two
// spares cover the turnover; more would only be resident memory.
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

// releaseQuoteChunk runs once no entry refers to c: its memory becomes a
// spare, or goes back to the system when there are enough spares.
func releaseQuoteChunk(c *quoteChunk) {
	if len(c.mem) == quoteChunkSize {
		select {
		case spareQuoteChunks <- c.mem:
			return
		default:
		}
	}
	quoteMemFree(c.mem)
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
