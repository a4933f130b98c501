package idmap

import (
	"math"
	"math/rand/v2"
	"testing"

	"github.com/stretchr/testify/assert"
)

// These values are part of the durable contract: a change to derive would
// give known messages new ids. Do not update them.
func TestDeriveGolden(t *testing.T) {
	cases := []struct {
		ref  Ref
		want int32
	}{
		{Ref{"group", 123456789, 1}, 1938375870},
		{Ref{"group", 123456789, 2}, 711991764},
		{Ref{"friend", 10001, 1}, 323942781},
		{Ref{"temp", 10001, 1}, 1302826783},
		{Ref{"", 0, 0}, 718036619},
		{Ref{"group", -1, -1}, 1154067937},
		{Ref{"friend", math.MaxInt64, math.MaxInt64}, 1588031105},
	}
	for _, c := range cases {
		assert.Equal(t, c.want, DeriveID(c.ref), "%+v", c.ref)
	}
}

func TestDeriveRangeProperty(t *testing.T) {
	r := rand.New(rand.NewPCG(1, 2))
	for range 200_000 {
		ref := randomRef(r)
		id := DeriveID(ref)
		if id < 1 || id != DeriveID(ref) {
			t.Fatalf("ref %+v -> %d", ref, id)
		}
	}
}

// Sequential seqs in one group (the common case) must spread: no more
// collisions than a random function would give.
func TestDeriveSpread(t *testing.T) {
	seen := make(map[int32]struct{}, 100_000)
	dup := 0
	for i := range 100_000 {
		id := DeriveID(Ref{Scene: SceneGroup, Peer: 987654321, Seq: int64(i)})
		if _, ok := seen[id]; ok {
			dup++
		}
		seen[id] = struct{}{}
	}
	// Expected ~ n^2/2/2^31 = 2.3; allow generous slack.
	assert.LessOrEqual(t, dup, 15)
}

func TestNextIDWraps(t *testing.T) {
	assert.Equal(t, int32(2), NextID(1))
	assert.Equal(t, int32(1), NextID(math.MaxInt32))
	assert.Equal(t, int32(1), NextID(0))
	assert.Equal(t, int32(1), NormalizeID(0))
	assert.Equal(t, int32(1), NormalizeID(math.MinInt32))
	assert.Equal(t, int32(5), NormalizeID(-math.MaxInt32+4))
}
