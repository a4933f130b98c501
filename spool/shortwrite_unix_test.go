//go:build unix

package spool

import (
	"syscall"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// TestShortWriteLeavesNoTornRecord: a write the disk cuts short (ENOSPC
// part-way through a record) leaves nothing of the record behind. Before,
// the part stayed in the segment and the next records were appended after
// it: Peek stopped at the torn bytes for good ("torn record"), so delivery
// stalled, and a restart cut the segment there, losing every record after.
// The file size limit (RLIMIT_FSIZE, EFBIG past it; Go ignores SIGXFSZ)
// stands in for the full disk.
func TestShortWriteLeavesNoTornRecord(t *testing.T) {
	dir := t.TempDir()
	s, err := Open(dir, Options{})
	require.NoError(t, err)
	for i := range 3 {
		require.NoError(t, s.Append(rec(i)))
	}
	var lim syscall.Rlimit
	require.NoError(t, syscall.Getrlimit(syscall.RLIMIT_FSIZE, &lim))
	s.mu.Lock()
	size := s.sizes[s.segs[len(s.segs)-1]]
	s.mu.Unlock()
	// Room for 5 more bytes: the next record (8-byte header, 11 bytes) is
	// written in part.
	require.NoError(t, syscall.Setrlimit(syscall.RLIMIT_FSIZE, &syscall.Rlimit{Cur: uint64(size) + 5, Max: lim.Max}))
	err = s.Append(rec(3))
	require.NoError(t, syscall.Setrlimit(syscall.RLIMIT_FSIZE, &lim))
	require.Error(t, err, "the cut-short append fails")
	assert.Equal(t, 3, s.Len())

	require.NoError(t, s.Append(rec(4)))
	b, err := s.Peek(nil, 10)
	require.NoError(t, err, "no torn record in the way")
	assert.Len(t, b, 4)
	require.NoError(t, s.Close())

	s, err = Open(dir, Options{})
	require.NoError(t, err)
	defer s.Close()
	assert.Equal(t, append(want(0, 3), string(rec(4))), drain(t, s), "every record whole after a restart")
}
