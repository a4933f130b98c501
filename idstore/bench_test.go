package idstore

import (
	"testing"
)

// go test -run=^$ -bench=. -benchmem ./idstore

func benchStores(b *testing.B, o Options, fn func(b *testing.B, s store)) {
	b.Run("bbolt", func(b *testing.B) { fn(b, openStore(b, b.TempDir(), o)) })
	b.Run("memory", func(b *testing.B) { fn(b, NewMemory(quiet(o))) })
}

// BenchmarkIDForHot: refs already mapped (the per-event path for replies,
// recalls, get_msg), spread over more refs than fit in the CPU cache.
func BenchmarkIDForHot(b *testing.B) {
	benchStores(b, Options{MaxAge: DefaultMaxAge}, func(b *testing.B, s store) {
		refs := refsN(10_000)
		for _, r := range refs {
			s.IDFor(r)
		}
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
		refs := refsN(10_000)
		for _, r := range refs {
			s.IDFor(r)
		}
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

// BenchmarkIDForNew: every call is a new message; commits are batched in
// the background (the cost of those commits is included, amortised).
func BenchmarkIDForNew(b *testing.B) {
	benchStores(b, Options{MaxAge: DefaultMaxAge}, func(b *testing.B, s store) {
		b.ReportAllocs()
		for i := 0; b.Loop(); i++ {
			s.IDFor(Ref{Scene: SceneGroup, Peer: 123456789, Seq: int64(i)})
		}
		b.StopTimer()
		if err := s.Flush(); err != nil {
			b.Fatal(err)
		}
	})
}

// BenchmarkRefFor: reverse lookups of issued ids held in the front.
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

// BenchmarkRefForDisk: reverse lookups that miss the front and read bbolt
// (an old message quoted long after it was cached).
func BenchmarkRefForDisk(b *testing.B) {
	s := openStore(b, b.TempDir(), Options{CacheSize: 100, MaxAge: DefaultMaxAge})
	refs := refsN(100_000)
	ids := make([]int32, len(refs))
	for i, r := range refs {
		ids[i] = s.IDFor(r)
	}
	if err := s.Flush(); err != nil {
		b.Fatal(err)
	}
	b.ReportAllocs()
	b.ResetTimer()
	for i := 0; b.Loop(); i++ {
		// Stride through the ids so the 100-entry front never holds the next one.
		if _, ok := s.RefFor(ids[(i*7919)%len(ids)]); !ok {
			b.Fatal("lost id")
		}
	}
}
