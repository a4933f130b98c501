package idstore

import (
	"bytes"
	"log/slog"
	"os"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/qqbridge/gateway/idmap"
	"github.com/qqbridge/gateway/internal/syncbuf"
)

// TestMappingFaultFallsBackToPwrite: a store into the log's mapping that
// faults (SIGBUS) costs no crash and no record. On a copy-on-write
// filesystem (btrfs, ZFS) every store into a page needs a new block, so on
// a full disk it faults however the file was extended; the writer then
// writes the record with pwrite(2), which reports ENOSPC as an error, and
// goes back to the mapping a chunk later. The test makes the fault by
// truncating the file under the mapping: the page after the write position
// is then past the end of the file.
func TestMappingFaultFallsBackToPwrite(t *testing.T) {
	dir := t.TempDir()
	var logs syncbuf.Buffer
	o := Options{MaxEntries: 1 << 20, Logger: slog.New(slog.NewTextHandler(&logs, nil))}
	s, err := Open(dir, o)
	require.NoError(t, err)
	ref := func(i int) idmap.Ref { return idmap.Ref{Scene: idmap.SceneGroup, Peer: 42, Seq: int64(i)} }
	ids := map[int]int32{}
	for i := range 100 {
		ids[i] = s.IDFor(ref(i))
	}
	s.w.mu.Lock()
	require.NotNil(t, s.w.m, "the writer maps the log")
	pageEnd := (s.w.size | pageMask) + 1
	s.w.mu.Unlock()
	require.NoError(t, os.Truncate(s.Path(), pageEnd))

	// Past the page, into the fallback, and a chunk on, back to the mapping.
	n := 100 + 2*mapChunk/RecordSize
	for i := 100; i < n; i++ {
		ids[i] = s.IDFor(ref(i))
	}
	s.w.mu.Lock()
	remapped := s.w.m != nil
	s.w.mu.Unlock()
	assert.True(t, remapped, "the writer went back to the mapping")
	assert.Zero(t, s.Stats().FlushErrors, "the records went to the file")
	assert.Contains(t, logs.String(), "pwrite", "the fault is logged")
	require.NoError(t, s.Close())

	s = openStore(t, dir, o)
	assert.Equal(t, n, s.Stats().Entries, "every mapping is in the log")
	for i := range n {
		got, ok := s.RefFor(ids[i])
		if !assert.True(t, ok, "id of seq %d", i) || !assert.Equal(t, ref(i), got) {
			break
		}
	}
	assert.False(t, bytes.Contains([]byte(logs.String()), []byte("dropped")), "no torn tail on reopen: %s", logs.String())
}
