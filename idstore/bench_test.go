package idstore

import (
	"fmt"
	"os"
	"runtime"
	"runtime/debug"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/qqbridge/gateway/idmap"
)

// go test -run '^$' -bench . -benchmem ./idstore
//
// "log" is the durable Store (every new mapping is one pwrite(2) before
// IDFor returns), "memory" the idmap.Memory it is built on.

func benchStores(b *testing.B, o Options, fn func(b *testing.B, s store)) {
	b.Run("log", func(b *testing.B) { fn(b, openStore(b, b.TempDir(), o)) })
	b.Run("memory", func(b *testing.B) { fn(b, NewMemory(quiet(o))) })
}

// seqStore is what the reverse-direction benchmarks need.
type seqStore interface {
	idmap.SeqMapper
	Flush() error
}

func benchSeqStores(b *testing.B, o Options, fn func(b *testing.B, s seqStore)) {
	b.Run("log", func(b *testing.B) { fn(b, openStore(b, b.TempDir(), o)) })
	b.Run("memory", func(b *testing.B) { fn(b, NewMemory(quiet(o))) })
}

// mappedRefs is refsN(n), each already given its id by s.
func mappedRefs(s store, n int) []idmap.Ref {
	refs := refsN(n)
	for _, r := range refs {
		s.IDFor(r)
	}
	return refs
}

// BenchmarkIDForHot: refs already mapped (the per-event path for replies,
// recalls, get_msg), spread over more refs than fit in the CPU cache.
func BenchmarkIDForHot(b *testing.B) {
	benchStores(b, Options{MaxAge: DefaultMaxAge}, func(b *testing.B, s store) {
		refs := mappedRefs(s, 10_000)
		b.ReportAllocs()
		b.ResetTimer()
		for i := 0; b.Loop(); i++ {
			s.IDFor(refs[i%len(refs)])
		}
	})
}

// BenchmarkIDForHotParallel: the same from all cores (one mutex).
func BenchmarkIDForHotParallel(b *testing.B) {
	benchStores(b, Options{MaxAge: DefaultMaxAge}, func(b *testing.B, s store) {
		refs := mappedRefs(s, 10_000)
		b.ReportAllocs()
		b.ResetTimer()
		b.RunParallel(func(pb *testing.PB) {
			i := 0
			for pb.Next() {
				s.IDFor(refs[i%len(refs)])
				i++
			}
		})
	})
}

// BenchmarkIDForNew: every call is a new message (the event path for each
// incoming message): assignment plus, for the log, its write(2). Background
// fsyncs and compactions are included, amortised.
func BenchmarkIDForNew(b *testing.B) {
	benchStores(b, Options{MaxAge: DefaultMaxAge}, func(b *testing.B, s store) {
		b.ReportAllocs()
		for i := 0; b.Loop(); i++ {
			s.IDFor(idmap.Ref{Scene: idmap.SceneGroup, Peer: 123456789, Seq: int64(i)})
		}
		b.StopTimer()
		if err := s.Flush(); err != nil {
			b.Fatal(err)
		}
	})
}

// BenchmarkIDForNewFull: new messages into a store at its count limit (the
// steady state of a long-running gateway: each new mapping evicts the
// oldest, and the log is compacted as it grows).
func BenchmarkIDForNewFull(b *testing.B) {
	limit := benchLimit()
	benchStores(b, Options{MaxEntries: limit, MaxAge: DefaultMaxAge}, func(b *testing.B, s store) {
		for i := range limit {
			s.IDFor(idmap.Ref{Scene: idmap.SceneGroup, Peer: 1, Seq: int64(i)})
		}
		b.ReportAllocs()
		b.ResetTimer()
		for i := 0; b.Loop(); i++ {
			s.IDFor(idmap.Ref{Scene: idmap.SceneGroup, Peer: 123456789, Seq: int64(i)})
		}
	})
}

// BenchmarkRefFor: reverse lookups of issued ids.
func BenchmarkRefFor(b *testing.B) {
	benchStores(b, Options{MaxAge: DefaultMaxAge}, func(b *testing.B, s store) {
		refs := refsN(10_000)
		ids := make([]int32, len(refs))
		for i, r := range refs {
			ids[i] = s.IDFor(r)
		}
		b.ReportAllocs()
		b.ResetTimer()
		for i := 0; b.Loop(); i++ {
			if _, ok := s.RefFor(ids[i%len(ids)]); !ok {
				b.Fatal("lost id")
			}
		}
	})
}

// BenchmarkRefForUpstreamNew: the reverse direction's per-message cost, a
// new upstream message_id each call.
func BenchmarkRefForUpstreamNew(b *testing.B) {
	benchSeqStores(b, Options{MaxAge: DefaultMaxAge}, func(b *testing.B, s seqStore) {
		b.ReportAllocs()
		for i := 0; b.Loop(); i++ {
			s.RefForUpstream(idmap.SceneGroup, int64(i%50), int32(i), 0)
		}
		b.StopTimer()
		if err := s.Flush(); err != nil {
			b.Fatal(err)
		}
	})
}

// BenchmarkRefForUpstreamNewFull: the reverse direction's new messages
// into a store at its count limit (each evicts the oldest mapping); the
// limit is BenchmarkIDForNewFull's.
func BenchmarkRefForUpstreamNewFull(b *testing.B) {
	limit := benchLimit()
	benchSeqStores(b, Options{MaxEntries: limit, MaxAge: DefaultMaxAge}, func(b *testing.B, s seqStore) {
		for i := range limit {
			s.RefForUpstream(idmap.SceneGroup, int64(i%50), int32(i), 0)
		}
		b.ReportAllocs()
		b.ResetTimer()
		for i := 0; b.Loop(); i++ {
			s.RefForUpstream(idmap.SceneGroup, int64(i%50), int32(limit+i), 0)
		}
	})
}

// BenchmarkRefForUpstreamHot: upstream message_ids already mapped.
func BenchmarkRefForUpstreamHot(b *testing.B) {
	benchSeqStores(b, Options{MaxAge: DefaultMaxAge}, func(b *testing.B, s seqStore) {
		const n = 10_000
		for i := range n {
			s.RefForUpstream(idmap.SceneGroup, int64(i%50), int32(i), 0)
		}
		b.ReportAllocs()
		b.ResetTimer()
		for i := 0; b.Loop(); i++ {
			j := i % n
			s.RefForUpstream(idmap.SceneGroup, int64(j%50), int32(j), 0)
		}
	})
}

// BenchmarkUpstreamID: Milky seq back to the upstream message_id.
func BenchmarkUpstreamID(b *testing.B) {
	benchSeqStores(b, Options{MaxAge: DefaultMaxAge}, func(b *testing.B, s seqStore) {
		const n = 10_000
		refs := make([]idmap.Ref, n)
		for i := range refs {
			refs[i] = s.RefForUpstream(idmap.SceneGroup, int64(i%50), int32(i), 0)
		}
		b.ReportAllocs()
		b.ResetTimer()
		for i := 0; b.Loop(); i++ {
			if _, ok := s.UpstreamID(refs[i%n]); !ok {
				b.Fatal("lost ref")
			}
		}
	})
}

// BenchmarkOpen: replaying a log of 1M message mappings (gateway start).
func BenchmarkOpen1M(b *testing.B) {
	dir := b.TempDir()
	s := openStore(b, dir, Options{})
	for i := range 1_000_000 {
		s.IDFor(idmap.Ref{Scene: idmap.SceneGroup, Peer: int64(i % 1000), Seq: int64(i)})
	}
	if err := s.Close(); err != nil {
		b.Fatal(err)
	}
	b.ReportAllocs()
	b.ResetTimer()
	for b.Loop() {
		s := openStore(b, dir, Options{})
		if s.Stats().Entries != 1_000_000 {
			b.Fatal("lost entries")
		}
		if err := s.Close(); err != nil {
			b.Fatal(err)
		}
	}
}

// TestMeasureMemoryPerEntry reports heap and RSS per retained entry of a
// Store holding n message mappings (default 1M, the default MaxEntries).
//
//	IDSTORE_MEASURE=1000000 go test -run MeasureMemory -v ./idstore
func TestMeasureMemoryPerEntry(t *testing.T) {
	n, _ := strconv.Atoi(os.Getenv("IDSTORE_MEASURE"))
	if n <= 0 {
		t.Skip("set IDSTORE_MEASURE=<entries> to measure")
	}
	heap0, rss0 := memNow()
	s := openStore(t, t.TempDir(), Options{MaxEntries: n})
	for i := range n {
		s.IDFor(idmap.Ref{Scene: idmap.SceneGroup, Peer: int64(i % 1000), Seq: int64(i)})
	}
	heap1, rss1 := memNow()
	t.Logf("after %d new mappings: heap %.1f B/entry, RSS %.1f B/entry (heap %d MiB, RSS %d MiB)",
		n, float64(heap1-heap0)/float64(n), float64(rss1-rss0)/float64(n), heap1>>20, rss1>>20)
	// Steady state: as many again, each evicting the oldest.
	for i := n; i < 2*n; i++ {
		s.IDFor(idmap.Ref{Scene: idmap.SceneGroup, Peer: int64(i % 1000), Seq: int64(i)})
	}
	heap2, rss2 := memNow()
	t.Logf("after %d more (at the limit): heap %.1f B/entry, RSS %.1f B/entry", n,
		float64(heap2-heap0)/float64(n), float64(rss2-rss0)/float64(n))
	dir := s.dir
	require := func(err error) {
		if err != nil {
			t.Fatal(err)
		}
	}
	require(s.Close())
	s = nil
	heapC, rssC := memNow()
	start := time.Now()
	s2 := openStore(t, dir, Options{MaxEntries: n})
	took := time.Since(start)
	heap3, rss3 := memNow()
	info, err := os.Stat(s2.Path())
	require(err)
	t.Logf("reopened in %v: heap %.1f B/entry, RSS +%.1f B/entry; file %d bytes (%.1f B/entry)", took,
		float64(heap3-heapC)/float64(n), float64(rss3-rssC)/float64(n), info.Size(), float64(info.Size())/float64(n))
}

// memNow returns live heap bytes after a full GC and the process RSS.
func memNow() (heap, rss uint64) {
	runtime.GC()
	debug.FreeOSMemory()
	var ms runtime.MemStats
	runtime.ReadMemStats(&ms)
	b, err := os.ReadFile("/proc/self/statm")
	if err == nil {
		f := strings.Fields(string(b))
		if len(f) > 1 {
			pages, _ := strconv.ParseUint(f[1], 10, 64)
			rss = pages * uint64(os.Getpagesize())
		}
	}
	return ms.HeapAlloc, rss
}

var _ = fmt.Sprint

// benchLimit is BenchmarkIDForNewFull's count limit: 100 000 by default,
// IDSTORE_BENCH_LIMIT=1000000 for the gateway's default (an index of tens of
// MB, where cache and TLB misses dominate).
func benchLimit() int {
	if n, err := strconv.Atoi(os.Getenv("IDSTORE_BENCH_LIMIT")); err == nil && n > 0 {
		return n
	}
	return 100_000
}

// BenchmarkAppend: the journal alone, one message record per op, into the
// store's real log (the mapping's page faults and remaps included).
func BenchmarkAppend(b *testing.B) {
	s := openStore(b, b.TempDir(), Options{MaxEntries: 1 << 30, FlushInterval: time.Hour})
	r := idmap.Record{Kind: idmap.RecordUpstream, Scene: idmap.SceneGroup, Peer: 874381371, At: time.Now().UnixNano()}
	b.ResetTimer()
	for i := range b.N {
		r.Seq, r.ID = int64(i), int32(i)
		s.w.Append(&r)
	}
}
