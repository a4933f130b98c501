package idstore

import (
	"io"
	"log/slog"
	"math/rand/v2"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/qqbridge/gateway/idmap"
)

var (
	derive = idmap.DeriveID
	nextID = idmap.NextID
)

// store is what both implementations offer.
type store interface {
	idmap.Mapper
	Stats() Stats
	Flush() error
	Close() error
}

// impl builds a store; reopen gives a store over the same data (a new
// Memory for the in-memory implementation, which forgets).
type impl struct {
	name    string
	durable bool
	open    func(t testing.TB, dir string, o Options) store
}

func impls() []impl {
	return []impl{
		{name: "log", durable: true, open: func(t testing.TB, dir string, o Options) store { return openStore(t, dir, o) }},
		{name: "log-pwrite", durable: true, open: func(t testing.TB, dir string, o Options) store {
			o.noMmap = true
			return openStore(t, dir, o)
		}},
		{name: "memory", open: func(t testing.TB, _ string, o Options) store { return NewMemory(quiet(o)) }},
	}
}

// assertRef checks that id resolves, to want.
func assertRef(t *testing.T, s store, id int32, want idmap.Ref) {
	t.Helper()
	got, ok := s.RefFor(id)
	require.True(t, ok, "id %d", id)
	assert.Equal(t, want, got)
}

// assertEntries flushes s and checks how many entries it holds.
func assertEntries(t *testing.T, s store, want int) {
	t.Helper()
	require.NoError(t, s.Flush())
	assert.Equal(t, want, s.Stats().Entries)
}

func quiet(o Options) Options {
	if o.Logger == nil {
		o.Logger = slog.New(slog.NewTextHandler(io.Discard, nil))
	}
	return o
}

func openStore(t testing.TB, dir string, o Options) *Store {
	t.Helper()
	s, err := Open(dir, quiet(o))
	require.NoError(t, err)
	t.Cleanup(func() { _ = s.Close() })
	return s
}

func randomRef(r *rand.Rand) idmap.Ref {
	scenes := [...]string{idmap.SceneFriend, idmap.SceneGroup, idmap.SceneTemp}
	return idmap.Ref{Scene: scenes[r.IntN(3)], Peer: r.Int64(), Seq: r.Int64N(1 << 40)}
}

func refsN(n int) []idmap.Ref {
	out := make([]idmap.Ref, n)
	for i := range out {
		out[i] = idmap.Ref{Scene: idmap.SceneGroup, Peer: 100 + int64(i%7), Seq: int64(i)}
	}
	return out
}

// constHash sends every ref to the same id, so each new ref collides.
func constHash(id int32) func(idmap.Ref) int32 { return func(idmap.Ref) int32 { return id } }
