package idstore

import (
	"os"
	"path/filepath"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	bolt "go.etcd.io/bbolt"
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

	// A small front forces most answers to come from disk.
	s2 := openStore(t, dir, Options{CacheSize: 1000})
	st := s2.Stats()
	assert.Equal(t, 10_000, st.Entries)
	for i, r := range refs {
		got, ok := s2.RefFor(ids[i])
		require.True(t, ok, "ref %d", i)
		require.Equal(t, r, got)
	}
	for i, r := range refs {
		require.Equal(t, ids[i], s2.IDFor(r), "ref %d", i)
	}
	st = s2.Stats()
	assert.Equal(t, 10_000, st.Entries)
	assert.Zero(t, st.Pending, "known refs must not be re-recorded")
	assert.LessOrEqual(t, st.Cached, 1000)
	assert.Positive(t, st.DiskReads)
}

func TestCacheEvictionFallsBackToDisk(t *testing.T) {
	s := openStore(t, t.TempDir(), Options{CacheSize: 10})
	refs := refsN(100)
	ids := make([]int32, len(refs))
	for i, r := range refs {
		ids[i] = s.IDFor(r)
	}
	require.NoError(t, s.Flush())
	assert.LessOrEqual(t, s.Stats().Cached, 10)
	before := s.Stats().DiskReads
	for i, r := range refs {
		got, ok := s.RefFor(ids[i])
		require.True(t, ok)
		require.Equal(t, r, got)
		require.Equal(t, ids[i], s.IDFor(r))
	}
	assert.Greater(t, s.Stats().DiskReads, before)
	assert.LessOrEqual(t, s.Stats().Cached, 10)
}

// Writes are batched: nothing is committed per message; a batch reaching
// MaxPending is committed without waiting for the interval.
func TestBatchedCommits(t *testing.T) {
	s := openStore(t, t.TempDir(), Options{FlushInterval: time.Hour, MaxPending: 8})
	refs := refsN(8)
	for _, r := range refs[:7] {
		s.IDFor(r)
	}
	st := s.Stats()
	assert.Equal(t, 7, st.Pending)
	assert.Equal(t, 7, st.Entries)
	assert.True(t, st.LastFlush.IsZero())

	s.IDFor(refs[7])
	require.Eventually(t, func() bool { return s.Stats().Pending == 0 }, 10*time.Second, 5*time.Millisecond)
	st = s.Stats()
	assert.False(t, st.LastFlush.IsZero())
	assert.Equal(t, 8, st.Entries)
	for _, r := range refs {
		rec, err := s.readRef(r)
		require.NoError(t, err)
		require.NotNil(t, rec, "%+v committed", r)
	}
}

func TestIntervalFlush(t *testing.T) {
	s := openStore(t, t.TempDir(), Options{FlushInterval: 5 * time.Millisecond})
	s.IDFor(Ref{Seq: 1})
	require.Eventually(t, func() bool { return s.Stats().Pending == 0 }, 10*time.Second, 5*time.Millisecond)
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

// Retention deletes more than one transaction's worth in several rounds.
func TestSweepInChunks(t *testing.T) {
	dir := t.TempDir()
	s := openStore(t, dir, Options{MaxPending: 50_000, FlushInterval: time.Hour})
	for i := range sweepChunk*2 + 5 {
		s.IDFor(Ref{Seq: int64(i)})
	}
	require.NoError(t, s.Close())
	s2 := openStore(t, dir, Options{MaxEntries: 3})
	assert.Equal(t, 3, s2.Stats().Entries)
	var ageKeys, refKeys int
	require.NoError(t, s2.db.View(func(tx *bolt.Tx) error {
		ageKeys = tx.Bucket(bucketByAge).Stats().KeyN
		refKeys = tx.Bucket(bucketByRef).Stats().KeyN
		return nil
	}))
	assert.Equal(t, 3, ageKeys)
	assert.Equal(t, 3, refKeys)
}

// An idle store sweeps expired entries on Flush without new writes, and the
// sweep drops them from the in-memory front too.
func TestIdleSweepByAge(t *testing.T) {
	clk := newFakeClock()
	s := openStore(t, t.TempDir(), Options{MaxAge: time.Hour, Now: clk.Now})
	id := s.IDFor(Ref{Seq: 1})
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
	s := openStore(t, t.TempDir(), Options{})
	known := Ref{Scene: SceneGroup, Peer: 1, Seq: 1}
	id := s.IDFor(known)
	require.NoError(t, s.Close())
	require.NoError(t, s.Close(), "Close is idempotent")

	assert.Equal(t, id, s.IDFor(known), "recorded id still answered from memory")
	fresh := Ref{Scene: SceneGroup, Peer: 1, Seq: 2}
	assert.Equal(t, derive(fresh), s.IDFor(fresh), "unknown ref gets its derived id")
	got, ok := s.RefFor(id)
	assert.True(t, ok)
	assert.Equal(t, known, got)
	_, ok = s.RefFor(derive(fresh))
	assert.False(t, ok, "not recorded after Close")
	assert.ErrorIs(t, s.Flush(), ErrClosed)
	assert.Zero(t, s.Stats().FlushErrors)
}

// IDFor never fails: with the database gone it still answers, and the
// failure is counted; pending entries are kept for a retry.
func TestStoreErrorsAreCountedNotFatal(t *testing.T) {
	s := openStore(t, t.TempDir(), Options{FlushInterval: time.Hour})
	a := Ref{Seq: 1}
	idA := s.IDFor(a)
	require.NoError(t, s.db.Close()) // simulate a broken store

	err := s.Flush()
	require.Error(t, err)
	st := s.Stats()
	assert.Equal(t, uint64(1), st.FlushErrors)
	assert.Equal(t, 1, st.Pending, "kept for retry")
	assert.Equal(t, idA, s.IDFor(a))

	b := Ref{Seq: 2}
	assert.Equal(t, derive(b), s.IDFor(b))
	_, ok := s.RefFor(12345)
	assert.False(t, ok)
	assert.GreaterOrEqual(t, s.Stats().FlushErrors, uint64(3))
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
	assert.Contains(t, err.Error(), filepath.Join(ro, FileName))
}

func TestOpenLockedByAnother(t *testing.T) {
	dir := t.TempDir()
	openStore(t, dir, Options{})
	_, err := Open(dir, quiet(Options{}))
	require.Error(t, err)
	assert.Contains(t, err.Error(), "locked by another process")
	assert.Contains(t, err.Error(), filepath.Join(dir, FileName))
}

func TestOpenRejectsOtherSchema(t *testing.T) {
	dir := t.TempDir()
	s := openStore(t, dir, Options{})
	require.NoError(t, s.Close())
	db, err := bolt.Open(filepath.Join(dir, FileName), 0o600, nil)
	require.NoError(t, err)
	require.NoError(t, db.Update(func(tx *bolt.Tx) error {
		return tx.Bucket(bucketMeta).Put(metaSchema, []byte("99"))
	}))
	require.NoError(t, db.Close())
	_, err = Open(dir, quiet(Options{}))
	require.Error(t, err)
	assert.Contains(t, err.Error(), `unsupported schema version "99"`)
}

func TestOpenEmptyDir(t *testing.T) {
	_, err := Open("", Options{})
	require.Error(t, err)
}

func TestHotPathDoesNotAllocate(t *testing.T) {
	s := openStore(t, t.TempDir(), Options{MaxAge: DefaultMaxAge})
	r := Ref{Scene: SceneGroup, Peer: 5, Seq: 6}
	id := s.IDFor(r)
	assert.Zero(t, testing.AllocsPerRun(200, func() { s.IDFor(r) }))
	assert.Zero(t, testing.AllocsPerRun(200, func() { s.RefFor(id) }))
}

// checkDiskConsistent verifies the three buckets and the count agree:
// by_id and by_ref are inverse maps, by_age indexes exactly the live records.
func checkDiskConsistent(t *testing.T, s *Store) {
	t.Helper()
	require.NoError(t, s.db.View(func(tx *bolt.Tx) error {
		idB, refB, ageB := tx.Bucket(bucketByID), tx.Bucket(bucketByRef), tx.Bucket(bucketByAge)
		n := 0
		require.NoError(t, idB.ForEach(func(k, v []byte) error {
			n++
			rec, err := decodeRecord(int32(decodeUint32(k)), v)
			require.NoError(t, err)
			require.Equal(t, k, refB.Get(refKey(rec.ref)), "by_ref of %+v", rec.ref)
			age := ageB.Get(seqKey(rec.seq))
			require.NotNil(t, age, "by_age of id %d", rec.id)
			require.Equal(t, k, age[:4])
			return nil
		}))
		require.Equal(t, n, refB.Stats().KeyN, "by_ref size")
		require.Equal(t, n, ageB.Stats().KeyN, "by_age size")
		require.Equal(t, uint64(n), decodeUint64(tx.Bucket(bucketMeta).Get(metaCount)), "meta count")
		return nil
	}))
}

// Expiry, takeovers, refreshes and sweeps racing with lookups: afterwards
// the durable map is self-consistent and agrees with the store's answers.
func TestConcurrentWithExpiry(t *testing.T) {
	clk := newFakeClock()
	dir := t.TempDir()
	o := Options{
		MaxAge: time.Minute, MaxEntries: 400, Now: clk.Now,
		CacheSize: 32, MaxPending: 8, FlushInterval: time.Millisecond,
		hash: func(r Ref) int32 { return int32(r.Seq%64) + 1 },
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

	require.NoError(t, s.Flush())
	checkDiskConsistent(t, s)
	// Reopen without retention, so nothing expires while we look: every
	// ref then has its own id, and answers agree both ways.
	require.NoError(t, s.Close())
	o.MaxAge, o.MaxEntries = 0, 0
	s = openStore(t, dir, o)
	checkDiskConsistent(t, s)
	owner := map[int32]Ref{}
	for _, r := range refs {
		id := s.IDFor(r)
		prev, taken := owner[id]
		require.False(t, taken, "id %d shared by %+v and %+v", id, prev, r)
		owner[id] = r
		got, ok := s.RefFor(id)
		require.True(t, ok)
		require.Equal(t, r, got)
	}
	require.NoError(t, s.Flush())
	checkDiskConsistent(t, s)
}
