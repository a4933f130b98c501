package idstore

import (
	"encoding/binary"
	"fmt"
	"os"
	"path/filepath"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/qqbridge/gateway/idmap"
	"github.com/qqbridge/gateway/internal/testclock"
)

// Behaviour specific to the durable Store.

func TestRestart10k(t *testing.T) {
	dir := t.TempDir()
	refs := refsN(10_000)
	ids := make([]int32, len(refs))
	s := openStore(t, dir, Options{})
	for i, r := range refs {
		ids[i] = s.IDFor(r)
	}
	require.NoError(t, s.Close())

	s2 := openStore(t, dir, Options{})
	st := s2.Stats()
	assert.Equal(t, 10_000, st.Entries)
	for i, r := range refs {
		got, ok := s2.RefFor(ids[i])
		require.True(t, ok, "ref %d", i)
		require.Equal(t, r, got)
	}
	size := logSize(s2)
	for i, r := range refs {
		require.Equal(t, ids[i], s2.IDFor(r), "ref %d", i)
	}
	assert.Equal(t, size, logSize(s2), "known refs must not be re-recorded")
	st = s2.Stats()
	assert.Equal(t, 10_000, st.Entries)
	assert.Zero(t, st.Pending)
	assert.Zero(t, st.DiskReads)
}

func fileSize(t *testing.T, path string) int64 {
	t.Helper()
	info, err := os.Stat(path)
	require.NoError(t, err)
	return info.Size()
}

// Each new mapping is in the file when IDFor returns (a reader of the file
// sees it: it is in the page cache), no Flush needed; fsync follows in the
// background. Both writers: mmap and pwrite.
func TestEveryNewMappingWrittenBeforeReturn(t *testing.T) {
	for _, noMmap := range []bool{false, true} {
		t.Run(fmt.Sprint("noMmap=", noMmap), func(t *testing.T) {
			s := openStore(t, t.TempDir(), Options{FlushInterval: time.Hour, noMmap: noMmap})
			refs := refsN(5)
			for i, r := range refs {
				id := s.IDFor(r)
				recs := fileRecords(t, s.Path())
				require.Len(t, recs, i+1)
				assert.Equal(t, idmap.Record{Kind: idmap.RecordID, Scene: r.Scene, Peer: r.Peer, Seq: r.Seq, ID: id, At: recs[i].At}, recs[i])
			}
			up := s.RefForUpstream(idmap.SceneGroup, 1, 2, 0)
			seq := s.SeqForFlag(idmap.FlagGroupRequest, "fl")
			recs := fileRecords(t, s.Path())
			require.Len(t, recs, 7)
			assert.Equal(t, up.Seq, recs[5].Seq)
			assert.Equal(t, seq, recs[6].Seq)
			assert.Equal(t, "fl", recs[6].Flag)
			st := s.Stats()
			assert.Equal(t, 7, st.Pending, "written, not yet fsynced")
			require.NoError(t, s.Flush())
			assert.Zero(t, s.Stats().Pending)
		})
	}
}

// fileRecords decodes the log file as another process would read it now.
func fileRecords(t *testing.T, path string) []idmap.Record {
	t.Helper()
	b, err := os.ReadFile(path)
	require.NoError(t, err)
	require.NoError(t, checkHeader(b[:headerSize]))
	var out []idmap.Record
	for b = b[headerSize:]; ; {
		var r idmap.Record
		n, err := decodeRecord(b, &r)
		if err != nil {
			return out
		}
		out = append(out, r)
		b = b[n:]
	}
}

// logSize is the end of the last record (the file itself may extend
// further: the writer reserves space ahead).
func logSize(s *Store) int64 {
	s.w.mu.Lock()
	defer s.w.mu.Unlock()
	return s.w.size
}

func TestIntervalSync(t *testing.T) {
	s := openStore(t, t.TempDir(), Options{FlushInterval: 5 * time.Millisecond})
	before := s.Stats().LastFlush
	s.IDFor(idmap.Ref{Seq: 1})
	require.Eventually(t, func() bool {
		st := s.Stats()
		return st.Pending == 0 && st.LastFlush.After(before)
	}, 10*time.Second, 5*time.Millisecond)
}

func TestLoweredMaxEntriesAppliedOnOpen(t *testing.T) {
	dir := t.TempDir()
	s := openStore(t, dir, Options{})
	refs := refsN(500)
	ids := make([]int32, len(refs))
	for i, r := range refs {
		ids[i] = s.IDFor(r)
	}
	require.NoError(t, s.Close())

	s2 := openStore(t, dir, Options{MaxEntries: 100})
	assert.Equal(t, 100, s2.Stats().Entries)
	for i := range refs {
		_, ok := s2.RefFor(ids[i])
		assert.Equal(t, i >= 400, ok, "ref %d", i)
	}
}

// Compaction keeps exactly the live mappings (and high-water marks), and
// what is appended after it lands in the new file.
func TestCompaction(t *testing.T) {
	dir := t.TempDir()
	clk := testclock.New()
	o := Options{MaxEntries: 1000, MaxAge: time.Hour, Now: clk.Now, FlushInterval: time.Hour}
	s := openStore(t, dir, o)
	for i := range 5000 {
		s.IDFor(idmap.Ref{Scene: idmap.SceneGroup, Peer: 1, Seq: int64(i)})
	}
	up := s.RefForUpstream(idmap.SceneGroup, 2, -77, 0)
	seqFlag := s.SeqForFlag(idmap.FlagInvitation, "inv-1")
	grown := logSize(s)
	require.NoError(t, s.Compact())
	small := logSize(s)
	assert.Equal(t, small, fileSize(t, s.Path()))
	assert.Less(t, small, grown/3)
	// 1000 live messages (both directions), the conversation's and the
	// flag kind's high-water marks, one flag of 5 bytes.
	assert.Equal(t, int64(headerSize+1000*RecordSize+RecordSize+RecordSize+RecordSize+5), small)

	// Appends after the switch go to the new file.
	late := idmap.Ref{Scene: idmap.SceneFriend, Peer: 3, Seq: 3}
	lateID := s.IDFor(late)
	assert.Equal(t, small+RecordSize, logSize(s))
	assert.Len(t, fileRecords(t, s.Path()), 1004)
	require.NoError(t, s.Close())

	s2 := openStore(t, dir, o)
	assert.Equal(t, 1000, s2.Stats().Entries)
	_, ok := s2.RefFor(derive(idmap.Ref{Scene: idmap.SceneGroup, Peer: 1, Seq: 0}))
	assert.False(t, ok, "evicted by count")
	got, ok := s2.RefFor(lateID)
	require.True(t, ok)
	assert.Equal(t, late, got)
	id, ok := s2.UpstreamID(up)
	require.True(t, ok)
	assert.EqualValues(t, -77, id)
	flag, ok := s2.FlagForSeq(idmap.FlagInvitation, seqFlag)
	require.True(t, ok)
	assert.Equal(t, "inv-1", flag)

	// High-water marks survive even when every entry has expired.
	clk.Advance(2 * time.Hour)
	require.NoError(t, s2.Flush())
	require.NoError(t, s2.Compact())
	require.NoError(t, s2.Close())
	s3 := openStore(t, dir, o)
	assert.Zero(t, s3.Stats().Entries)
	assert.Equal(t, up.Seq+1, s3.RefForUpstream(idmap.SceneGroup, 2, 5, 0).Seq)
	assert.Equal(t, seqFlag+1, s3.SeqForFlag(idmap.FlagInvitation, "inv-2"))
}

// The background loop compacts a log that outgrew its live size, while
// writers keep going; every id still resolves afterwards.
func TestBackgroundCompactionUnderLoad(t *testing.T) {
	dir := t.TempDir()
	o := Options{MaxEntries: 5000, FlushInterval: time.Millisecond, compactMin: 16 << 10}
	s := openStore(t, dir, o)
	var wg sync.WaitGroup
	for w := range 4 {
		wg.Go(func() {
			for i := range 3000 {
				r := idmap.Ref{Scene: idmap.SceneGroup, Peer: int64(w), Seq: int64(i)}
				id := s.IDFor(r)
				// (It may be evicted already when other writers ran meanwhile.)
				if got, ok := s.RefFor(id); ok && got != r {
					t.Errorf("RefFor(%d) = %+v %v", id, got, ok)
				}
			}
		})
	}
	wg.Wait()
	require.Eventually(t, func() bool { return logSize(s) <= 2*(headerSize+5000*RecordSize) }, 10*time.Second, time.Millisecond)
	want := map[int32]idmap.Ref{}
	for w := range 4 {
		for i := 2900; i < 3000; i++ {
			r := idmap.Ref{Scene: idmap.SceneGroup, Peer: int64(w), Seq: int64(i)}
			want[s.IDFor(r)] = r
		}
	}
	require.NoError(t, s.Close())
	s2 := openStore(t, dir, o)
	for id, r := range want {
		got, ok := s2.RefFor(id)
		require.True(t, ok)
		require.Equal(t, r, got)
	}
}

// An idle store sweeps expired entries on Flush without new writes.
func TestIdleSweepByAge(t *testing.T) {
	clk := testclock.New()
	s := openStore(t, t.TempDir(), Options{MaxAge: time.Hour, Now: clk.Now})
	id := s.IDFor(idmap.Ref{Seq: 1})
	require.NoError(t, s.Flush())
	assert.Equal(t, 1, s.Stats().Cached)
	clk.Advance(2 * time.Hour)
	require.NoError(t, s.Flush())
	st := s.Stats()
	assert.Zero(t, st.Entries)
	assert.Zero(t, st.Cached)
	_, ok := s.RefFor(id)
	assert.False(t, ok)
}

func TestClosedStore(t *testing.T) {
	dir := t.TempDir()
	s := openStore(t, dir, Options{})
	known := idmap.Ref{Scene: idmap.SceneGroup, Peer: 1, Seq: 1}
	id := s.IDFor(known)
	require.NoError(t, s.Close())
	require.NoError(t, s.Close(), "Close is idempotent")

	assert.Equal(t, id, s.IDFor(known), "recorded id still answered from memory")
	fresh := idmap.Ref{Scene: idmap.SceneGroup, Peer: 1, Seq: 2}
	assert.Equal(t, derive(fresh), s.IDFor(fresh), "unknown ref gets its derived id")
	got, ok := s.RefFor(id)
	assert.True(t, ok)
	assert.Equal(t, known, got)
	assert.ErrorIs(t, s.Flush(), ErrClosed)
	assert.ErrorIs(t, s.Compact(), ErrClosed)
	assert.Zero(t, s.Stats().FlushErrors)

	s2 := openStore(t, dir, Options{})
	_, ok = s2.RefFor(derive(fresh))
	assert.False(t, ok, "not recorded after Close")
	assert.Equal(t, 1, s2.Stats().Entries)
}

// IDFor never fails: with the file broken it still answers (from memory)
// and the failures are counted.
func TestWriteErrorsAreCountedNotFatal(t *testing.T) {
	for _, noMmap := range []bool{false, true} {
		t.Run(fmt.Sprint("noMmap=", noMmap), func(t *testing.T) {
			s := openStore(t, t.TempDir(), Options{FlushInterval: time.Hour, noMmap: noMmap})
			a := idmap.Ref{Seq: 1}
			idA := s.IDFor(a)
			s.w.mu.Lock()
			require.NoError(t, s.w.unmapLocked())
			require.NoError(t, s.w.f.Close()) // simulate a broken file
			s.w.mu.Unlock()

			b := idmap.Ref{Seq: 2}
			idB := s.IDFor(b)
			assert.Equal(t, derive(b), idB)
			assert.Equal(t, idB, s.IDFor(b), "stable within the process")
			assert.Equal(t, idA, s.IDFor(a))
			got, ok := s.RefFor(idB)
			require.True(t, ok)
			assert.Equal(t, b, got)
			assert.Equal(t, uint64(1), s.Stats().FlushErrors)
			assert.Error(t, s.Flush())
			assert.Equal(t, uint64(2), s.Stats().FlushErrors)
		})
	}
}

func TestOpenUnwritableDir(t *testing.T) {
	base := t.TempDir()
	file := filepath.Join(base, "plain-file")
	require.NoError(t, os.WriteFile(file, nil, 0o600))
	dir := filepath.Join(file, "data")
	_, err := Open(dir, quiet(Options{}))
	require.Error(t, err)
	assert.Contains(t, err.Error(), dir)

	if os.Geteuid() == 0 {
		t.Log("running as root: permission bits are not enforced; skipping the read-only dir case")
		return
	}
	ro := filepath.Join(base, "ro")
	require.NoError(t, os.Mkdir(ro, 0o500))
	_, err = Open(ro, quiet(Options{}))
	require.Error(t, err)
	assert.Contains(t, err.Error(), ro)
}

func TestOpenLockedByAnother(t *testing.T) {
	dir := t.TempDir()
	openStore(t, dir, Options{})
	_, err := Open(dir, quiet(Options{}))
	require.Error(t, err)
	assert.Contains(t, err.Error(), "locked by another process")
	assert.Contains(t, err.Error(), filepath.Join(dir, FileName))
}

func TestOpenRejectsOtherVersionAndForeignFiles(t *testing.T) {
	dir := t.TempDir()
	s := openStore(t, dir, Options{})
	require.NoError(t, s.Close())
	path := filepath.Join(dir, FileName)
	b, err := os.ReadFile(path)
	require.NoError(t, err)
	hdr := append(append([]byte{}, fileMagic[:]...), 0, 0, 0, 99)
	hdr = binary.BigEndian.AppendUint32(hdr, crc32c(hdr))
	require.NoError(t, os.WriteFile(path, append(hdr, b[headerSize:]...), 0o600))
	_, err = Open(dir, quiet(Options{}))
	require.Error(t, err)
	assert.Contains(t, err.Error(), "unsupported id log version 99")

	require.NoError(t, os.WriteFile(path, []byte("SQLite format 3\x00 and more bytes"), 0o600))
	_, err = Open(dir, quiet(Options{}))
	require.Error(t, err)
	assert.Contains(t, err.Error(), "not an id log")
	after, err := os.ReadFile(path)
	require.NoError(t, err)
	assert.Equal(t, "SQLite format 3\x00 and more bytes", string(after), "a foreign file is left alone")
}

func TestOpenEmptyDir(t *testing.T) {
	_, err := Open("", Options{})
	require.Error(t, err)
}

func TestHotPathDoesNotAllocate(t *testing.T) {
	s := openStore(t, t.TempDir(), Options{MaxAge: DefaultMaxAge})
	r := idmap.Ref{Scene: idmap.SceneGroup, Peer: 5, Seq: 6}
	id := s.IDFor(r)
	up := s.RefForUpstream(idmap.SceneGroup, 5, 99, 0)
	seq := s.SeqForFlag(idmap.FlagFriendRequest, "f")
	assert.Zero(t, testing.AllocsPerRun(200, func() { s.IDFor(r) }))
	assert.Zero(t, testing.AllocsPerRun(200, func() { s.RefFor(id) }))
	assert.Zero(t, testing.AllocsPerRun(200, func() { s.RefForUpstream(idmap.SceneGroup, 5, 99, 0) }))
	assert.Zero(t, testing.AllocsPerRun(200, func() { s.UpstreamID(up) }))
	assert.Zero(t, testing.AllocsPerRun(200, func() { s.SeqForFlag(idmap.FlagFriendRequest, "f") }))
	assert.Zero(t, testing.AllocsPerRun(200, func() { s.FlagForSeq(idmap.FlagFriendRequest, seq) }))
	// A new mapping allocates nothing either once the buffers are warm.
	i := int64(100)
	assert.Zero(t, testing.AllocsPerRun(200, func() { i++; s.IDFor(idmap.Ref{Scene: idmap.SceneGroup, Peer: 5, Seq: i}) }))
}

// The reverse direction's mappings survive a restart with their seqs, and
// seqs keep increasing per conversation afterwards.
func TestSeqAndFlagMappingsRestart(t *testing.T) {
	dir := t.TempDir()
	s := openStore(t, dir, Options{})
	r1 := s.RefForUpstream(idmap.SceneGroup, 10, 1001, 0)
	r2 := s.RefForUpstream(idmap.SceneGroup, 10, 1002, 0)
	r3 := s.RefForUpstream(idmap.SceneFriend, 10, 1001, 555)
	f1 := s.SeqForFlag(idmap.FlagGroupRequest, "flag-a")
	require.NoError(t, s.Close())

	s2 := openStore(t, dir, Options{})
	assert.Equal(t, r1, s2.RefForUpstream(idmap.SceneGroup, 10, 1001, 0))
	assert.Equal(t, r2, s2.RefForUpstream(idmap.SceneGroup, 10, 1002, 0))
	assert.Equal(t, r3, s2.RefForUpstream(idmap.SceneFriend, 10, 1001, 0))
	assert.EqualValues(t, 555, r3.Seq)
	assert.Equal(t, r2.Seq+1, s2.RefForUpstream(idmap.SceneGroup, 10, 1003, 0).Seq)
	assert.Equal(t, f1, s2.SeqForFlag(idmap.FlagGroupRequest, "flag-a"))
	assert.Equal(t, f1+1, s2.SeqForFlag(idmap.FlagGroupRequest, "flag-b"))
	id, ok := s2.UpstreamID(r1)
	require.True(t, ok)
	assert.EqualValues(t, 1001, id)
}

// Expiry, takeovers, refreshes and sweeps racing with lookups and
// compactions: afterwards a reopened store agrees with every answer.
func TestConcurrentWithExpiry(t *testing.T) {
	clk := testclock.New()
	dir := t.TempDir()
	o := Options{
		MaxAge: time.Minute, MaxEntries: 400, Now: clk.Now, FlushInterval: time.Millisecond,
		compactMin: 4 << 10,
		hash:       func(r idmap.Ref) int32 { return int32(r.Seq%64) + 1 },
	}
	s := openStore(t, dir, o)
	refs := refsN(600)
	stop := make(chan struct{})
	var wg sync.WaitGroup
	wg.Go(func() {
		for {
			select {
			case <-stop:
				return
			default:
			}
			clk.Advance(5 * time.Second)
			_ = s.Flush()
			time.Sleep(time.Millisecond)
		}
	})
	var workers sync.WaitGroup
	for w := range 8 {
		workers.Go(func() {
			for i := range 1500 {
				r := refs[(i*31+w*17)%len(refs)]
				id := s.IDFor(r)
				if id < 1 {
					t.Errorf("bad id %d", id)
				}
				_, _ = s.RefFor(id)
			}
		})
	}
	workers.Wait()
	close(stop)
	wg.Wait()

	// What the store answers now, a reopened store answers too.
	live := map[int32]idmap.Ref{}
	for id := int32(1); id <= 800; id++ {
		if r, ok := s.RefFor(id); ok {
			live[id] = r
		}
	}
	require.NoError(t, s.Close())
	s = openStore(t, dir, o)
	for id := int32(1); id <= 800; id++ {
		r, ok := s.RefFor(id)
		want, wantOK := live[id]
		require.Equal(t, wantOK, ok, "id %d", id)
		require.Equal(t, want, r, "id %d", id)
	}
	// Reopen without retention, so nothing expires while we look: every
	// ref then has its own id, and answers agree both ways.
	require.NoError(t, s.Close())
	o.MaxAge, o.MaxEntries = 0, 0
	s = openStore(t, dir, o)
	owner := map[int32]idmap.Ref{}
	for _, r := range refs {
		id := s.IDFor(r)
		prev, taken := owner[id]
		require.False(t, taken, "id %d shared by %+v and %+v", id, prev, r)
		owner[id] = r
		got, ok := s.RefFor(id)
		require.True(t, ok)
		require.Equal(t, r, got)
	}
}
