package idstore

import (
	"errors"
	"fmt"
	"log/slog"
	"os"
	"path/filepath"
	"sync"
	"sync/atomic"
	"time"

	bolt "go.etcd.io/bbolt"
)

// FileName is the database file Open creates inside the data dir.
const FileName = "message_ids.db"

// Store is the durable id map: a bbolt file behind a bounded in-memory front.
//
// Locking: mu guards the in-memory maps and is never held across disk I/O.
// Lookups (hits, and misses that read bbolt) take only mu. Assigning an id
// to a NEW ref takes allocMu, which serialises assignment so two refs can
// never be given the same free id; it is held across bbolt read
// transactions (page-cache reads, no fsync), never across a commit.
// Commits happen in the background flusher, in batches.
type Store struct {
	o    Options
	path string
	db   *bolt.DB
	log  *slog.Logger

	mu         sync.Mutex
	byRef      map[Ref]*entry
	byID       map[int32]*entry
	lru        list     // committed entries, least recently used first
	pending    []*entry // not yet committed, in assignment order (not evictable)
	pendingNew int
	inflight   int    // entries taken by the commit in progress
	gen        uint64 // bumped when a sweep deletes entries; guards cache fills
	diskCount  int
	lastFlush  time.Time

	allocMu sync.Mutex
	nextSeq uint64 // under allocMu
	closed  atomic.Bool

	flushMu     sync.Mutex // serialises commits
	errStreak   int        // under flushMu: consecutive failed commits
	lastErrLog  time.Time  // under flushMu
	lastSweepAt time.Time  // under flushMu (wall clock)
	dbClosed    bool       // under flushMu

	kick      chan struct{}
	stop      chan struct{}
	done      chan struct{}
	closeOnce sync.Once
	closeErr  error

	hits, misses, collisions, storeErrors, diskReads atomic.Uint64
}

var _ Mapper = (*Store)(nil)

// Open opens (creating if needed) the id store in dir. It fails clearly
// when dir is unwritable or another process holds the database.
func Open(dir string, opts Options) (*Store, error) {
	if dir == "" {
		return nil, errors.New("idstore: empty data dir")
	}
	if err := os.MkdirAll(dir, 0o700); err != nil {
		return nil, fmt.Errorf("idstore: data dir %s: %w", dir, err)
	}
	path := filepath.Join(dir, FileName)
	db, err := bolt.Open(path, 0o600, &bolt.Options{Timeout: time.Second, FreelistType: bolt.FreelistMapType})
	if errors.Is(err, bolt.ErrTimeout) {
		return nil, fmt.Errorf("idstore: %s is locked by another process (gave up after 1s)", path)
	}
	if err != nil {
		return nil, fmt.Errorf("idstore: open %s: %w", path, err)
	}
	o := opts.withDefaults()
	s := &Store{
		o:     o,
		path:  path,
		db:    db,
		log:   o.Logger.With("component", "idstore", "path", path),
		byRef: make(map[Ref]*entry),
		byID:  make(map[int32]*entry),
		kick:  make(chan struct{}, 1),
		stop:  make(chan struct{}),
		done:  make(chan struct{}),
	}
	s.lru.init()
	if err := s.initSchema(); err != nil {
		_ = db.Close()
		return nil, fmt.Errorf("idstore: %s: %w", path, err)
	}
	// Apply retention now, so a lowered MaxEntries/MaxAge takes effect at start.
	if err := s.flush(true); err != nil {
		_ = db.Close()
		return nil, fmt.Errorf("idstore: %s: initial sweep: %w", path, err)
	}
	s.log.Info("id store opened", "entries", s.diskCount, "max_entries", o.MaxEntries, "max_age", o.MaxAge)
	go s.run()
	return s, nil
}

func (s *Store) initSchema() error {
	return s.db.Update(func(tx *bolt.Tx) error {
		for _, name := range [][]byte{bucketByID, bucketByRef, bucketByAge, bucketMeta} {
			if _, err := tx.CreateBucketIfNotExists(name); err != nil {
				return err
			}
		}
		meta := tx.Bucket(bucketMeta)
		switch v := meta.Get(metaSchema); {
		case v == nil:
			if err := meta.Put(metaSchema, []byte(schemaVersion)); err != nil {
				return err
			}
		case string(v) != schemaVersion:
			return fmt.Errorf("unsupported schema version %q (this build reads %q)", v, schemaVersion)
		}
		if c := meta.Get(metaCount); len(c) == 8 {
			s.diskCount = int(decodeUint64(c))
		} else {
			s.diskCount = tx.Bucket(bucketByID).Stats().KeyN
			if err := meta.Put(metaCount, seqKey(uint64(s.diskCount))); err != nil {
				return err
			}
		}
		s.nextSeq = 1
		if k, _ := tx.Bucket(bucketByAge).Cursor().Last(); len(k) == 8 {
			s.nextSeq = decodeUint64(k) + 1
		}
		return nil
	})
}

// IDFor returns ref's id, assigning (and durably recording) one if ref is
// new or expired. It never fails: on a store error it returns the best id
// it has and counts the error.
func (s *Store) IDFor(ref Ref) int32 {
	ref.Scene = ownScene(ref.Scene)
	cutoff := s.o.cutoff()
	s.mu.Lock()
	if e := s.byRef[ref]; e != nil && e.at >= cutoff {
		s.touchLocked(e)
		id := e.id
		s.mu.Unlock()
		return id
	}
	gen := s.gen
	s.mu.Unlock()
	if s.closed.Load() {
		return s.derive(ref)
	}
	s.diskReads.Add(1)
	rec, err := s.readRef(ref)
	if err != nil {
		s.readError(err)
		return s.derive(ref)
	}
	if rec != nil && rec.at >= cutoff {
		s.fill(rec, gen)
		return rec.id
	}
	return s.assign(ref)
}

// RefFor returns the ref an id was issued for; false if never issued,
// expired, or (after Close) not in memory.
func (s *Store) RefFor(id int32) (Ref, bool) {
	if id <= 0 {
		s.misses.Add(1)
		return Ref{}, false
	}
	cutoff := s.o.cutoff()
	s.mu.Lock()
	if e := s.byID[id]; e != nil {
		ok := e.at >= cutoff
		if ok {
			s.touchLocked(e)
		}
		ref := e.ref
		s.mu.Unlock()
		return s.answer(ref, ok)
	}
	gen := s.gen
	s.mu.Unlock()
	if s.closed.Load() {
		return s.answer(Ref{}, false)
	}
	s.diskReads.Add(1)
	rec, err := s.readID(id)
	if err != nil {
		s.readError(err)
		return s.answer(Ref{}, false)
	}
	if rec == nil || rec.at < cutoff {
		return s.answer(Ref{}, false)
	}
	s.fill(rec, gen)
	return s.answer(rec.ref, true)
}

func (s *Store) answer(ref Ref, ok bool) (Ref, bool) {
	if ok {
		s.hits.Add(1)
		return ref, true
	}
	s.misses.Add(1)
	return Ref{}, false
}

// assign is the slow path for a ref with no live mapping in memory or on
// disk at the time of the caller's look. Under allocMu it looks again (the
// ref may have been assigned meanwhile), then refreshes the ref's expired
// record or probes for a free id.
//
// Ordering rule for every key: memory first, then a fresh read
// transaction. Entries leave memory only after they are committed, and new
// pending entries are only created under allocMu, so this order never
// misses an owner.
func (s *Store) assign(ref Ref) int32 {
	s.allocMu.Lock()
	defer s.allocMu.Unlock()
	if s.closed.Load() {
		return s.derive(ref)
	}
	cutoff := s.o.cutoff()
	h := s.derive(ref)

	s.mu.Lock()
	e := s.byRef[ref]
	if e != nil && e.at >= cutoff {
		s.touchLocked(e)
		s.mu.Unlock()
		return e.id
	}
	hOwner := s.byID[h]
	s.mu.Unlock()
	if e != nil {
		// Expired but still holding its id: refresh it, the message keeps its id.
		return s.insert(ref, e.id, e)
	}

	// One read for both keys of the common case: is the ref recorded, and
	// who holds its derived id?
	s.diskReads.Add(1)
	refID, hRec, err := s.readForAssign(ref, h, hOwner == nil)
	if err != nil {
		s.readError(err)
		return h
	}
	if refID != 0 {
		owner, fromDisk, gen, err := s.ownerOf(refID)
		if err != nil {
			s.readError(err)
			return refID
		}
		if owner != nil && owner.ref == ref {
			if owner.at < cutoff {
				return s.insert(ref, owner.id, owner) // refresh
			}
			if fromDisk {
				s.fill(owner, gen)
			}
			return owner.id
		}
		// Stale by_ref record (the id was taken over): the ref is new.
	}

	owner := hOwner
	if owner == nil {
		owner = hRec
	}
	id := h
	for collided := false; ; {
		if owner == nil || owner.at < cutoff {
			if collided {
				s.collisions.Add(1)
			}
			return s.insert(ref, id, owner)
		}
		collided = true
		id = nextID(id)
		if owner, _, _, err = s.ownerOf(id); err != nil {
			s.readError(err)
			return id
		}
	}
}

// ownerOf returns the entry holding id (live or expired), from memory or
// else decoded from disk (fromDisk; not in memory), and the fill
// generation seen before the disk read. Called under allocMu. Only the
// immutable fields of a memory entry may be read without mu.
func (s *Store) ownerOf(id int32) (e *entry, fromDisk bool, gen uint64, err error) {
	s.mu.Lock()
	e = s.byID[id]
	gen = s.gen
	s.mu.Unlock()
	if e != nil {
		return e, false, gen, nil
	}
	s.diskReads.Add(1)
	e, err = s.readID(id)
	return e, e != nil, gen, err
}

// insert records ref -> id as pending, replacing old (the ref's expired
// record, or an expired owner of id), and wakes the flusher when the batch
// is full. Called under allocMu.
func (s *Store) insert(ref Ref, id int32, old *entry) int32 {
	at := s.o.Now().UnixNano()
	seq := s.nextSeq
	s.nextSeq++
	s.mu.Lock()
	// isNew: the commit will add a record (it overwrites nothing on disk).
	isNew := old == nil || (old.state == statePending && old.isNew)
	e := &entry{ref: ref, id: id, state: statePending, isNew: isNew, seq: seq, at: at}
	if old != nil && old.state != stateNone {
		s.unlinkLocked(old)
	}
	if prev := s.byRef[ref]; prev != nil && prev != old {
		s.unlinkLocked(prev)
	}
	if prev := s.byID[id]; prev != nil && prev != old {
		s.unlinkLocked(prev)
	}
	s.byRef[ref] = e
	s.byID[id] = e
	s.pending = append(s.pending, e)
	if e.isNew {
		s.pendingNew++
	}
	n := len(s.pending)
	s.mu.Unlock()
	if n >= s.o.MaxPending {
		select {
		case s.kick <- struct{}{}:
		default:
		}
	}
	return id
}

// fill caches a committed record read from disk, unless a sweep ran since
// gen (it may have deleted the record) or memory already knows the ref or id.
func (s *Store) fill(rec *entry, gen uint64) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.gen != gen || s.byRef[rec.ref] != nil || s.byID[rec.id] != nil {
		return
	}
	rec.state = stateCached
	s.byRef[rec.ref] = rec
	s.byID[rec.id] = rec
	s.lru.pushBack(rec)
	s.evictLocked()
}

func (s *Store) touchLocked(e *entry) {
	if e.state == stateCached {
		s.lru.moveToBack(e)
	}
}

// unlinkLocked removes e from memory. A pending entry removed this way has
// been superseded; the flusher skips it after its commit.
func (s *Store) unlinkLocked(e *entry) {
	if e.state == stateCached {
		s.lru.remove(e)
	}
	if s.byRef[e.ref] == e {
		delete(s.byRef, e.ref)
	}
	if s.byID[e.id] == e {
		delete(s.byID, e.id)
	}
	if e.state == statePending && e.isNew {
		s.pendingNew--
	}
	e.state = stateDead
}

func (s *Store) evictLocked() {
	for s.lru.n > s.o.CacheSize {
		s.unlinkLocked(s.lru.front())
	}
}

func (s *Store) derive(ref Ref) int32 { return normalize(s.o.hash(ref)) }

// readRef returns ref's record from disk, or nil.
func (s *Store) readRef(ref Ref) (*entry, error) {
	var rec *entry
	err := s.db.View(func(tx *bolt.Tx) error {
		idb := tx.Bucket(bucketByRef).Get(refKey(ref))
		if len(idb) != 4 {
			return nil
		}
		id := int32(decodeUint32(idb))
		v := tx.Bucket(bucketByID).Get(idb)
		if v == nil {
			return nil
		}
		r, err := decodeRecord(id, v)
		if err == nil && r.ref == ref {
			rec = r
		}
		return err
	})
	return rec, err
}

// readForAssign returns the id by_ref records for ref (0 if none) and,
// if withOwner, the record holding id h (nil if none).
func (s *Store) readForAssign(ref Ref, h int32, withOwner bool) (int32, *entry, error) {
	var (
		id  int32
		rec *entry
	)
	err := s.db.View(func(tx *bolt.Tx) error {
		if v := tx.Bucket(bucketByRef).Get(refKey(ref)); len(v) == 4 {
			id = int32(decodeUint32(v))
		}
		if !withOwner {
			return nil
		}
		v := tx.Bucket(bucketByID).Get(idKey(h))
		if v == nil {
			return nil
		}
		var err error
		rec, err = decodeRecord(h, v)
		return err
	})
	return id, rec, err
}

// readID returns the record holding id on disk, or nil.
func (s *Store) readID(id int32) (*entry, error) {
	var rec *entry
	err := s.db.View(func(tx *bolt.Tx) error {
		v := tx.Bucket(bucketByID).Get(idKey(id))
		if v == nil {
			return nil
		}
		var err error
		rec, err = decodeRecord(id, v)
		return err
	})
	return rec, err
}

func (s *Store) readError(err error) {
	if s.closed.Load() && errors.Is(err, bolt.ErrDatabaseNotOpen) {
		return // lost a race with Close; the caller's answer stands
	}
	s.storeErrors.Add(1)
	s.log.Error("id store read failed; answering with the derived id", "err", err)
}

// Stats reports the mapping size and counters.
func (s *Store) Stats() Stats {
	s.mu.Lock()
	st := Stats{
		Entries:   s.diskCount + s.pendingNew,
		LastFlush: s.lastFlush,
		Pending:   len(s.pending) + s.inflight,
		Cached:    s.lru.n,
	}
	s.mu.Unlock()
	st.Hits = s.hits.Load()
	st.Misses = s.misses.Load()
	st.Collisions = s.collisions.Load()
	st.FlushErrors = s.storeErrors.Load()
	st.DiskReads = s.diskReads.Load()
	return st
}

// Path is the database file.
func (s *Store) Path() string { return s.path }

// Close commits pending entries and closes the database. Afterwards IDFor
// still answers (recorded ids from memory, otherwise the derived id,
// unrecorded) and RefFor answers from memory only.
func (s *Store) Close() error {
	s.closeOnce.Do(func() {
		s.allocMu.Lock()
		s.closed.Store(true)
		s.allocMu.Unlock()
		close(s.stop)
		<-s.done
		s.flushMu.Lock()
		defer s.flushMu.Unlock()
		err := s.flushLocked(false)
		s.dbClosed = true
		s.closeErr = errors.Join(err, s.db.Close())
	})
	return s.closeErr
}
