package idstore

import (
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// crashCopy is what a SIGKILL leaves on disk: the file as of the last
// commit (bbolt commits are atomic; pending entries live only in memory).
func crashCopy(t *testing.T, s *Store) string {
	t.Helper()
	b, err := os.ReadFile(s.Path())
	require.NoError(t, err)
	dir := t.TempDir()
	require.NoError(t, os.WriteFile(filepath.Join(dir, FileName), b, 0o600))
	return dir
}

// Ids handed out but not committed when the process dies are re-derived
// after restart. Whatever order the refs come back in, a re-derived id
// never lands on a committed ref: no id is ever held by two refs.
func TestCrashBetweenBatchesNeverDuplicates(t *testing.T) {
	o := Options{FlushInterval: time.Hour, MaxPending: 1 << 20, hash: constHash(100)}
	committed := Ref{Scene: SceneGroup, Peer: 1, Seq: 1}
	lostA := Ref{Scene: SceneGroup, Peer: 1, Seq: 2}
	lostB := Ref{Scene: SceneFriend, Peer: 2, Seq: 3}

	s1 := openStore(t, t.TempDir(), o)
	require.EqualValues(t, 100, s1.IDFor(committed))
	require.NoError(t, s1.Flush())
	require.EqualValues(t, 101, s1.IDFor(lostA)) // pending: collided with committed
	require.EqualValues(t, 102, s1.IDFor(lostB)) // pending
	dir := crashCopy(t, s1)

	// The refs come back in another order after the restart.
	s2 := openStore(t, dir, o)
	idB := s2.IDFor(lostB)
	idA := s2.IDFor(lostA)
	idC := s2.IDFor(committed)
	assert.EqualValues(t, 100, idC, "the committed ref keeps its id")
	assert.NotEqual(t, idC, idB)
	assert.NotEqual(t, idC, idA)
	assert.NotEqual(t, idA, idB)
	for ref, id := range map[Ref]int32{committed: idC, lostA: idA, lostB: idB} {
		got, ok := s2.RefFor(id)
		require.True(t, ok)
		assert.Equal(t, ref, got, "id %d", id)
	}

	// And after the second run commits, a third run agrees.
	require.NoError(t, s2.Flush())
	s3 := openStore(t, crashCopy(t, s2), o)
	assert.Equal(t, idA, s3.IDFor(lostA))
	assert.Equal(t, idB, s3.IDFor(lostB))
	assert.Equal(t, idC, s3.IDFor(committed))
}
