package idstore

import (
	"log/slog"
	"os"
	"path/filepath"
	"testing"
	"time"

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
	assert.NotContains(t, logs.String(), "dropped", "no torn tail on reopen")
}

// TestFailedCompactionBacksOff: a compaction that fails (a full disk: it
// wrote the live state into a work file, hit ENOSPC and removed the file)
// is retried after a growing pause, not at every fsync tick, where it would
// rewrite up to the whole live state five times a second for as long as
// the disk stays full. The work file's name is taken by a directory here,
// so each attempt fails at once.
func TestFailedCompactionBacksOff(t *testing.T) {
	dir := t.TempDir()
	s := openStore(t, dir, Options{MaxEntries: 100, compactMin: 1, FlushInterval: time.Millisecond})
	require.NoError(t, os.Mkdir(filepath.Join(dir, compactName), 0o700))
	for i := range 1000 { // 10 times the live size: compaction is due
		s.IDFor(idmap.Ref{Scene: idmap.SceneGroup, Peer: 42, Seq: int64(i)})
	}
	time.Sleep(300 * time.Millisecond) // ~300 ticks
	assert.Equal(t, uint64(1), s.Stats().FlushErrors, "attempts in 300 ms, the first pause being %v", compactRetryMin)

	// Once the cause is gone, an explicit Compact works at once.
	require.NoError(t, os.Remove(filepath.Join(dir, compactName)))
	require.NoError(t, s.Compact())
}

func TestCompactRetryPauses(t *testing.T) {
	var r compactRetry
	var got []time.Duration
	for range 11 {
		r.failed()
		got = append(got, r.pause)
	}
	s := time.Second
	assert.Equal(t, []time.Duration{s, 2 * s, 4 * s, 8 * s, 16 * s, 32 * s, 64 * s, 128 * s, 256 * s, 300 * s, 300 * s}, got)
}
