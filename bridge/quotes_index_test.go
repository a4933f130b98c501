package bridge

import (
	"math/rand/v2"
	"testing"

	"github.com/stretchr/testify/require"
)

// The index against a Go map over random inserts, updates and deletes, in
// a table small enough that runs wrap around its end and deletes move
// keys back (the backward shift is where an open-addressing table goes
// wrong: a key that becomes unreachable, or one found twice).
func TestQuoteIndexMatchesAMap(t *testing.T) {
	for _, entries := range []int{1, 3, 4, 13, 64} {
		x := newQuoteIndex(entries)
		model := map[quoteKey]uint32{}
		rng := rand.New(rand.NewPCG(uint64(entries), 7))
		// Few peers and seqs, so keys repeat, collide on their home slot
		// and differ only by scene.
		key := func() quoteKey {
			return quoteKey{scene: uint8(1 + rng.IntN(3)), seq: int64(rng.IntN(12)) - 3, peer: int64(rng.IntN(4)) * 1e9}
		}
		for step := 0; step < 20000; step++ {
			k := key()
			if rng.IntN(3) == 0 || len(model) >= entries {
				x.delete(k)
				delete(model, k)
			} else {
				pos := uint32(rng.IntN(1 << 20))
				i, _ := x.find(k)
				x.setAt(i, k, pos)
				model[k] = pos
			}
			if step%97 == 0 || len(x.slots) <= 8 {
				require.Equal(t, len(model), x.len(), "step %d", step)
				for mk, mv := range model {
					got, ok := x.get(mk)
					require.True(t, ok, "step %d: %+v lost", step, mk)
					require.Equal(t, mv, got, "step %d: %+v", step, mk)
				}
			}
			_, ok := x.get(k)
			_, want := model[k]
			require.Equal(t, want, ok, "step %d: %+v", step, k)
		}
	}
}

// The table is at least twice the count, so a probe always meets an empty
// slot (find cannot loop), also at the full count.
func TestQuoteIndexSize(t *testing.T) {
	for _, entries := range []int{0, 1, 4, 5, 4096, 4097} {
		x := newQuoteIndex(entries)
		require.GreaterOrEqual(t, len(x.slots), 2*entries)
		require.Zero(t, len(x.slots)&(len(x.slots)-1), "power of two")
		require.Equal(t, uint64(len(x.slots)-1), x.mask)
	}
}
