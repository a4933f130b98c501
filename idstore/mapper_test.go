package idstore

import (
	"fmt"
	"math"
	"math/rand/v2"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/qqbridge/gateway/idmap"
	"github.com/qqbridge/gateway/internal/testclock"
)

// Behaviour shared by Store and Memory.

func TestDeterministicAcrossFreshStores(t *testing.T) {
	refs := refsN(2000)
	var first []int32
	for _, im := range impls() {
		for run := range 2 {
			s := im.open(t, t.TempDir(), Options{})
			ids := make([]int32, len(refs))
			for i, r := range refs {
				ids[i] = s.IDFor(r)
			}
			if s.Stats().Collisions == 0 {
				for i, r := range refs {
					require.Equal(t, derive(r), ids[i], "%s run %d: %+v", im.name, run, r)
				}
			}
			if first == nil {
				first = ids
			}
			require.Equal(t, first, ids, "%s run %d", im.name, run)
		}
	}
}

func TestIDForStableAndRefForRoundTrip(t *testing.T) {
	for _, im := range impls() {
		t.Run(im.name, func(t *testing.T) {
			s := im.open(t, t.TempDir(), Options{})
			r := idmap.Ref{Scene: idmap.SceneFriend, Peer: 10001, Seq: 42}
			id := s.IDFor(r)
			assert.Equal(t, id, s.IDFor(r))
			assertRef(t, s, id, r)

			_, ok := s.RefFor(nextID(id))
			assert.False(t, ok, "never issued")
			_, ok = s.RefFor(0)
			assert.False(t, ok)
			_, ok = s.RefFor(-5)
			assert.False(t, ok)
			st := s.Stats()
			assert.Equal(t, uint64(1), st.Hits)
			assert.Equal(t, uint64(3), st.Misses)
			assert.Equal(t, 1, st.Entries)
		})
	}
}

func TestForcedCollisionsGetDistinctIDs(t *testing.T) {
	for _, im := range impls() {
		t.Run(im.name, func(t *testing.T) {
			dir := t.TempDir()
			o := Options{hash: constHash(1000)}
			s := im.open(t, dir, o)
			refs := refsN(50)
			for i, r := range refs {
				require.Equal(t, int32(1000+i), s.IDFor(r), "ref %d", i)
			}
			check := func(s store) {
				t.Helper()
				for i, r := range refs {
					require.Equal(t, int32(1000+i), s.IDFor(r), "ref %d", i)
					got, ok := s.RefFor(int32(1000 + i))
					require.True(t, ok)
					require.Equal(t, r, got)
				}
			}
			check(s)
			assert.Equal(t, uint64(49), s.Stats().Collisions)
			if !im.durable {
				return
			}
			require.NoError(t, s.Close())
			s2 := im.open(t, dir, o)
			check(s2)
			// The recorded id wins even if the derivation changed: never re-derive.
			require.NoError(t, s2.Close())
			check(im.open(t, dir, Options{}))
		})
	}
}

func TestCollisionProbeWrapsSkippingZero(t *testing.T) {
	for _, im := range impls() {
		t.Run(im.name, func(t *testing.T) {
			s := im.open(t, t.TempDir(), Options{hash: constHash(math.MaxInt32 - 1)})
			refs := refsN(4)
			want := []int32{math.MaxInt32 - 1, math.MaxInt32, 1, 2}
			for i, r := range refs {
				assert.Equal(t, want[i], s.IDFor(r))
			}
		})
	}
}

func TestHashHookOutOfRangeIsNormalised(t *testing.T) {
	for _, im := range impls() {
		t.Run(im.name, func(t *testing.T) {
			s := im.open(t, t.TempDir(), Options{hash: constHash(0)})
			assert.Equal(t, int32(1), s.IDFor(idmap.Ref{Seq: 1}))
			s2 := im.open(t, t.TempDir(), Options{hash: constHash(-7)})
			id := s2.IDFor(idmap.Ref{Seq: 1})
			assert.True(t, id >= 1, "%d", id)
		})
	}
}

func TestRetentionByCount(t *testing.T) {
	for _, im := range impls() {
		t.Run(im.name, func(t *testing.T) {
			s := im.open(t, t.TempDir(), Options{MaxEntries: 100})
			refs := refsN(250)
			ids := make([]int32, len(refs))
			for i, r := range refs {
				ids[i] = s.IDFor(r)
			}
			assertEntries(t, s, 100)
			for i, id := range ids {
				_, ok := s.RefFor(id)
				assert.Equal(t, i >= 150, ok, "ref %d", i)
			}
		})
	}
}

func TestRetentionByCountFreesIDs(t *testing.T) {
	for _, im := range impls() {
		t.Run(im.name, func(t *testing.T) {
			s := im.open(t, t.TempDir(), Options{MaxEntries: 3, hash: constHash(7)})
			refs := refsN(5)
			for i, r := range refs[:4] {
				require.Equal(t, int32(7+i), s.IDFor(r))
			}
			require.NoError(t, s.Flush()) // drops refs[0], freeing 7
			_, ok := s.RefFor(7)
			require.False(t, ok)
			assert.Equal(t, int32(7), s.IDFor(refs[4]))
			assertRef(t, s, 7, refs[4])
		})
	}
}

func TestRetentionByAge(t *testing.T) {
	for _, im := range impls() {
		t.Run(im.name, func(t *testing.T) {
			clk := testclock.New()
			s := im.open(t, t.TempDir(), Options{MaxAge: time.Hour, Now: clk.Now})
			a := idmap.Ref{Scene: idmap.SceneGroup, Peer: 1, Seq: 1}
			b := idmap.Ref{Scene: idmap.SceneGroup, Peer: 1, Seq: 2}
			idA := s.IDFor(a)
			clk.Advance(30 * time.Minute)
			idB := s.IDFor(b)
			assertEntries(t, s, 2)

			clk.Advance(45 * time.Minute) // a is 75m old, b 45m
			_, ok := s.RefFor(idA)
			assert.False(t, ok, "expired before any sweep")
			assertRef(t, s, idB, b)
			assertEntries(t, s, 1)

			// Met again, a is recorded afresh; its slot was free so the id is the same.
			assert.Equal(t, idA, s.IDFor(a))
			assertRef(t, s, idA, a)
			assertEntries(t, s, 2)
		})
	}
}

// An expired entry that still holds its id is refreshed in place (no sweep
// between), so the message keeps its id.
func TestExpiredRefRefreshedInPlace(t *testing.T) {
	for _, im := range impls() {
		t.Run(im.name, func(t *testing.T) {
			clk := testclock.New()
			dir := t.TempDir()
			o := Options{MaxAge: time.Hour, Now: clk.Now, hash: constHash(50)}
			s := im.open(t, dir, o)
			a, b := idmap.Ref{Seq: 1}, idmap.Ref{Seq: 2}
			require.Equal(t, int32(50), s.IDFor(a))
			require.Equal(t, int32(51), s.IDFor(b))
			require.NoError(t, s.Flush())
			clk.Advance(2 * time.Hour)
			assert.Equal(t, int32(51), s.IDFor(b), "b refreshed, keeps 51 though 50 is expired")
			assertRef(t, s, 51, b)
			assertEntries(t, s, 1)
			if im.durable {
				require.NoError(t, s.Close())
				s = im.open(t, dir, o)
				assertRef(t, s, 51, b)
				assert.Equal(t, 1, s.Stats().Entries)
			}
		})
	}
}

// A new ref may take an expired ref's slot; the old ref then gets a new id
// and the two never share one, also after a restart.
func TestExpiredSlotTakenOver(t *testing.T) {
	for _, im := range impls() {
		t.Run(im.name, func(t *testing.T) {
			clk := testclock.New()
			dir := t.TempDir()
			o := Options{MaxAge: time.Hour, Now: clk.Now, hash: constHash(7)}
			s := im.open(t, dir, o)
			a, b := idmap.Ref{Seq: 1}, idmap.Ref{Seq: 2}
			require.Equal(t, int32(7), s.IDFor(a))
			require.NoError(t, s.Flush())
			clk.Advance(2 * time.Hour)
			require.Equal(t, int32(7), s.IDFor(b), "b takes a's expired slot")
			assertRef(t, s, 7, b)
			assert.Equal(t, int32(8), s.IDFor(a), "a is new again; 7 is b's")
			check := func(s store) {
				t.Helper()
				for id, want := range map[int32]idmap.Ref{7: b, 8: a} {
					assertRef(t, s, id, want)
				}
				assert.Equal(t, int32(8), s.IDFor(a))
				assert.Equal(t, int32(7), s.IDFor(b))
			}
			check(s)
			assertEntries(t, s, 2)
			if im.durable {
				require.NoError(t, s.Close())
				s2 := im.open(t, dir, o)
				check(s2)
				assert.Equal(t, 2, s2.Stats().Entries)
			}
		})
	}
}

// Random refs (with repeats) under a hash narrowed to force many
// collisions: every id in range, stable, unique, and reversible.
func TestPropertyRandomRefs(t *testing.T) {
	for _, im := range impls() {
		t.Run(im.name, func(t *testing.T) {
			dir := t.TempDir()
			o := Options{hash: func(r idmap.Ref) int32 { return derive(r)%20_000 + 1 }}
			s := im.open(t, dir, o)
			rnd := rand.New(rand.NewPCG(7, 7))
			model := map[idmap.Ref]int32{}
			owner := map[int32]idmap.Ref{}
			var order []idmap.Ref
			for range 20_000 {
				var r idmap.Ref
				if len(order) > 0 && rnd.IntN(4) == 0 {
					r = order[rnd.IntN(len(order))]
				} else {
					r = randomRef(rnd)
				}
				id := s.IDFor(r)
				require.GreaterOrEqual(t, id, int32(1))
				if want, ok := model[r]; ok {
					require.Equal(t, want, id, "%+v", r)
					continue
				}
				prev, taken := owner[id]
				require.False(t, taken, "id %d given to %+v and %+v", id, prev, r)
				model[r] = id
				owner[id] = r
				order = append(order, r)
			}
			verify := func(s store) {
				t.Helper()
				for r, id := range model {
					got, ok := s.RefFor(id)
					require.True(t, ok)
					require.Equal(t, r, got)
					require.Equal(t, id, s.IDFor(r))
				}
			}
			verify(s)
			if im.durable {
				require.NoError(t, s.Close())
				verify(im.open(t, dir, o))
			}
		})
	}
}

func TestConcurrentIDForRefFor(t *testing.T) {
	for _, im := range impls() {
		t.Run(im.name, func(t *testing.T) {
			dir := t.TempDir()
			o := Options{
				FlushInterval: 2 * time.Millisecond,
				hash:          func(r idmap.Ref) int32 { return derive(r)%4096 + 1 }, // plenty of collisions
			}
			s := im.open(t, dir, o)
			refs := refsN(3000)
			const workers = 16
			seen := make([]map[idmap.Ref]int32, workers)
			var wg sync.WaitGroup
			for w := range workers {
				seen[w] = map[idmap.Ref]int32{}
				wg.Go(func() {
					rnd := rand.New(rand.NewPCG(uint64(w), 1))
					for range 1500 {
						r := refs[rnd.IntN(len(refs))]
						id := s.IDFor(r)
						if prev, ok := seen[w][r]; ok && prev != id {
							t.Errorf("ref %+v: %d then %d", r, prev, id)
						}
						seen[w][r] = id
						if got, ok := s.RefFor(id); !ok || got != r {
							t.Errorf("RefFor(%d) = %+v %v, want %+v", id, got, ok, r)
						}
						_, _ = s.RefFor(int32(rnd.IntN(5000) + 1))
					}
				})
			}
			wg.Wait()
			all := map[idmap.Ref]int32{}
			owner := map[int32]idmap.Ref{}
			for _, m := range seen {
				for r, id := range m {
					if prev, ok := all[r]; ok {
						require.Equal(t, prev, id, "ref %+v got two ids", r)
						continue
					}
					other, taken := owner[id]
					require.False(t, taken, "id %d shared by %+v and %+v", id, other, r)
					all[r] = id
					owner[id] = r
				}
			}
			verify := func(s store) {
				for r, id := range all {
					got, ok := s.RefFor(id)
					require.True(t, ok)
					require.Equal(t, r, got)
					require.Equal(t, id, s.IDFor(r))
				}
			}
			require.NoError(t, s.Flush())
			verify(s)
			require.Equal(t, len(all), s.Stats().Entries)
			if im.durable {
				require.NoError(t, s.Close())
				verify(im.open(t, dir, o))
			}
		})
	}
}

func TestStatsCountCollisions(t *testing.T) {
	for _, im := range impls() {
		t.Run(im.name, func(t *testing.T) {
			s := im.open(t, t.TempDir(), Options{hash: func(r idmap.Ref) int32 { return int32(r.Seq / 2 * 10) }})
			for i := range 6 {
				s.IDFor(idmap.Ref{Seq: int64(i)}) // pairs share a derived id
			}
			assert.Equal(t, uint64(3), s.Stats().Collisions, fmt.Sprint(s.Stats()))
		})
	}
}
