package bridge

import (
	"runtime/debug"
	"strings"
	"testing"
	"unsafe"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/qqbridge/gateway/idstore"
	"github.com/qqbridge/gateway/milky"
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

	// release is what the cache does once no entry refers to a chunk.
	release := func(c *quoteChunk) { c.recycle() }
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

// TestQuoteChunksRecycleWithoutWaitingForGC: with the collector off, a
// cache turning over many chunks' worth of quotes keeps reusing the same
// few blocks of memory (a chunk is recycled when its last entry is
// evicted, not when a finalizer gets to it), and every quote it still
// holds reads back intact.
func TestQuoteChunksRecycleWithoutWaitingForGC(t *testing.T) {
	defer debug.SetGCPercent(debug.SetGCPercent(-1))
	ids := idstore.NewMemory(idstore.Options{})
	const max = 200
	q := newQuoteCache(max)
	text := func(id int32) string { return strings.Repeat(string(rune('a'+id%26)), 1000+int(id%100)) }
	blocks := map[*byte]bool{}
	const n = 20000 // about 80 chunks' worth
	for id := int32(1); id <= n; id++ {
		ref := ids.RefForUpstream("group", 7, id, 0)
		q.remember(&milky.TypedEvent{Data: &milky.IncomingMessage{MessageScene: "group", PeerID: 7, MessageSeq: ref.Seq, SenderID: int64(id),
			Segments: []milky.IncomingSegment{{Type: milky.SegText, Data: milky.IncomingSegmentData{Text: text(id)}}}}})
		blocks[unsafe.SliceData(q.cur.mem)] = true
	}
	// 200 quotes of ~1 KiB span at most two chunks; one more is current
	// and the spares make up the rest.
	assert.LessOrEqual(t, len(blocks), 3+cap(spareQuoteChunks), "memory blocks used for %d chunks' worth of quotes", n*1050/quoteChunkSize)
	for id := int32(n - max + 1); id <= n; id++ {
		got, ok := quotedByID(q, ids, "group", 7, id)
		require.True(t, ok, "id %d", id)
		require.Equal(t, int64(id), got.SenderID)
		require.Equal(t, text(id), got.Segments[0].Data.Text)
	}
}

// BenchmarkQuoteRemember: one message remembered in a full cache (an
// eviction per call), as the reverse direction does per event.
func BenchmarkQuoteRemember(b *testing.B) {
	ids := idstore.NewMemory(idstore.Options{})
	q := newQuoteCache(quoteCacheSize)
	const convs = 1 << 16
	refs := make([]int64, convs)
	for i := range refs {
		refs[i] = ids.RefForUpstream("group", 7, int32(i+1), 0).Seq
	}
	msg := &milky.IncomingMessage{MessageScene: "group", PeerID: 7, SenderID: 10001,
		Segments: []milky.IncomingSegment{{Type: milky.SegText, Data: milky.IncomingSegmentData{Text: strings.Repeat("x", 300)}}}}
	ev := &milky.TypedEvent{Data: msg}
	b.ReportAllocs()
	for i := 0; b.Loop(); i++ {
		msg.MessageSeq = refs[i%convs]
		q.remember(ev)
	}
}
