package bridge

import (
	"runtime"
	"testing"
	"unsafe"

	"github.com/stretchr/testify/assert"
)

// TestDeadQuoteChunkMemoryIsReused: a full-size chunk's memory outlives the
// chunk as a spare and backs the next chunk (mapping fresh memory per chunk
// cost a page fault per 4 KiB written); odd sizes and spares beyond the
// pool's capacity go back to the system.
func TestDeadQuoteChunkMemoryIsReused(t *testing.T) {
	drainSpares := func() {
		for {
			select {
			case b := <-spareQuoteChunks:
				quoteMemFree(b)
			default:
				return
			}
		}
	}
	drainSpares()
	defer drainSpares()

	// release does what a chunk's finalizer does once no entry refers to
	// it; the finalizer is cleared first, or the GC would release the same
	// memory a second time.
	release := func(c *quoteChunk) {
		runtime.SetFinalizer(c, nil)
		releaseQuoteChunk(c)
	}
	a := newQuoteChunk(quoteChunkSize)
	mem := unsafe.SliceData(a.mem)
	release(a)
	b := newQuoteChunk(quoteChunkSize)
	assert.Equal(t, mem, unsafe.SliceData(b.mem), "the next chunk reuses the dead one's memory")
	assert.Len(t, b.mem, quoteChunkSize)

	big := newQuoteChunk(quoteChunkSize + 1) // an oversized quote's own chunk
	release(big)
	assert.Empty(t, spareQuoteChunks, "only full-size chunks become spares")

	for range cap(spareQuoteChunks) + 2 {
		releaseQuoteChunk(&quoteChunk{mem: quoteMemAlloc(quoteChunkSize)})
	}
	assert.Len(t, spareQuoteChunks, cap(spareQuoteChunks), "spares are bounded; the rest is unmapped")
}
