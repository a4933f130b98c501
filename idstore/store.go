package idstore

import (
	"bufio"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"os"
	"path/filepath"
	"sync"
	"sync/atomic"
	"time"

	"github.com/qqbridge/gateway/idmap"
)

// File names inside the data dir.
const (
	// FileName is the log Open creates.
	FileName = "ids.log"
	// lockName is locked for the Store's lifetime (the log itself is
	// replaced by compaction, so it cannot carry the lock).
	lockName = "ids.lock"
	// compactName is the compaction's work file, renamed over FileName.
	compactName = "ids.log.compact"
	// legacyName is the bbolt database of earlier versions; not read.
	legacyName = "message_ids.db"
)

// Store is the durable id map; see the package doc.
type Store struct {
	mem  *idmap.Memory
	w    logWriter
	o    Options
	dir  string
	path string
	log  *slog.Logger
	lock *os.File

	// fileMu serialises fsync, compaction and Close: the three that use or
	// replace the file outside w.mu.
	fileMu   sync.Mutex
	lastSync atomic.Int64 // unix nanos of the last successful fsync
	// clock is the coarse clock the Memory reads when Options.Now is nil:
	// set every FlushInterval, so lookups do not read the system clock
	// (expiry of 30-day-old entries needs no finer resolution).
	clock     atomic.Int64
	coarse    bool
	closed    atomic.Bool
	stop      chan struct{}
	done      chan struct{}
	closeOnce sync.Once
	closeErr  error
}

var (
	_ idmap.Mapper     = (*Store)(nil)
	_ idmap.SeqMapper  = (*Store)(nil)
	_ idmap.FlagMapper = (*Store)(nil)
)

// Open opens (creating if needed) the id store in dir and replays its log.
// It fails clearly when dir is unwritable, another process holds the
// store, or the file is not an id log of this version.
func Open(dir string, opts Options) (*Store, error) {
	if dir == "" {
		return nil, errors.New("idstore: empty data dir")
	}
	if err := os.MkdirAll(dir, 0o700); err != nil {
		return nil, fmt.Errorf("idstore: data dir %s: %w", dir, err)
	}
	o := opts.withDefaults()
	path := filepath.Join(dir, FileName)
	coarse := opts.Now == nil
	s := &Store{
		o:    o,
		dir:  dir,
		path: path,
		log:  o.Logger.With("component", "idstore", "path", path),
		stop: make(chan struct{}),
		done: make(chan struct{}),
	}
	if coarse {
		s.coarse = true
		s.tick()
		s.o.Now = s.now
		o.Now = s.now
	}
	s.w.errors = &atomic.Uint64{}
	s.w.noMmap = o.noMmap
	s.w.log = s.log
	lockPath := filepath.Join(dir, lockName)
	lock, err := os.OpenFile(lockPath, os.O_RDWR|os.O_CREATE, 0o600)
	if err != nil {
		return nil, fmt.Errorf("idstore: open %s: %w", lockPath, err)
	}
	if err := lockFile(lock); err != nil {
		_ = lock.Close()
		if errors.Is(err, errLocked) {
			return nil, fmt.Errorf("idstore: %s is locked by another process", path)
		}
		return nil, fmt.Errorf("idstore: lock %s: %w", lockPath, err)
	}
	s.lock = lock
	fail := func(err error) (*Store, error) {
		if s.w.f != nil {
			_ = s.w.f.Close()
		}
		_ = lock.Close()
		return nil, fmt.Errorf("idstore: %s: %w", path, err)
	}
	_ = os.Remove(filepath.Join(dir, compactName)) // left by a crash mid-compaction
	if _, err := os.Stat(filepath.Join(dir, legacyName)); err == nil {
		s.log.Warn("ignoring the id database of an earlier version; ids issued by it no longer resolve", "file", legacyName)
	}
	f, err := os.OpenFile(path, os.O_RDWR|os.O_CREATE, 0o600)
	if err != nil {
		return fail(err)
	}
	s.w.f = f
	s.mem = idmap.NewMemory(idmap.Options{MaxEntries: o.MaxEntries, MaxAge: o.MaxAge, Now: o.Now, Hash: o.hash, Journal: &s.w, Arena: arena})
	n, err := s.replay()
	if err != nil {
		return fail(err)
	}
	_ = s.mem.Flush() // drop what expired while the gateway was down
	if s.needsCompaction() {
		if err := s.compact(); err != nil {
			return fail(fmt.Errorf("compact: %w", err))
		}
	}
	s.lastSync.Store(time.Now().UnixNano())
	st := s.mem.Stats()
	s.log.Info("id store opened", "records", n, "entries", st.Entries, "flags", st.Flags,
		"bytes", s.w.size, "max_entries", o.MaxEntries, "max_age", o.MaxAge)
	go s.run()
	return s, nil
}

// replay loads every record of the log into s.mem, truncating the file at
// the first torn or corrupt record, and returns the number of records.
func (s *Store) replay() (int, error) {
	f := s.w.f
	info, err := f.Stat()
	if err != nil {
		return 0, err
	}
	size := info.Size()
	r := bufio.NewReaderSize(f, 1<<20)
	h, err := r.Peek(headerSize)
	if size == 0 || (len(h) < headerSize && isPrefix(h, appendHeader(nil))) {
		// New file, or a crash while it was being created.
		hdr := appendHeader(nil)
		if err := f.Truncate(0); err != nil {
			return 0, err
		}
		if _, err := f.WriteAt(hdr, 0); err != nil {
			return 0, err
		}
		s.w.size, s.w.alloc = int64(len(hdr)), int64(len(hdr))
		return 0, nil
	}
	if err != nil && len(h) < headerSize {
		return 0, fmt.Errorf("not an id log (%d bytes)", size)
	}
	if err := checkHeader(h); err != nil {
		return 0, err
	}
	_, _ = r.Discard(headerSize)
	off := int64(headerSize)
	count := 0
	var rec idmap.Record
	for {
		b, _ := r.Peek(recHeaderSize)
		if len(b) == 0 {
			break
		}
		n := 0
		if len(b) == recHeaderSize {
			if n, err = recordLen(b); err == nil {
				b, _ = r.Peek(n)
				n, err = decodeRecord(b, &rec)
			}
		} else {
			err = errShort
		}
		if err == nil {
			err = s.mem.Load(&rec)
		}
		if err != nil {
			// The rest is either the zeroed space the writer had reserved
			// (a crash, not a clean Close) or damage.
			if zero, _ := allZero(r); !zero {
				s.log.Error("id log: dropping a torn or corrupt tail; ids it held are lost",
					"offset", off, "dropped_bytes", size-off, "err", err)
			}
			break
		}
		_, _ = r.Discard(n)
		off += int64(n)
		count++
	}
	if off != size {
		if err := f.Truncate(off); err != nil {
			return count, err
		}
	}
	s.w.size, s.w.alloc = off, off
	return count, nil
}

func (s *Store) now() time.Time { return time.Unix(0, s.clock.Load()) }

// tick advances the coarse clock.
func (s *Store) tick() {
	if s.coarse {
		s.clock.Store(time.Now().UnixNano())
	}
}

// allZero reports whether r holds only zero bytes until its end.
func allZero(r *bufio.Reader) (bool, error) {
	for {
		b, _ := r.Peek(r.Buffered()) // never more than is buffered: no error
		for _, c := range b {
			if c != 0 {
				return false, nil
			}
		}
		_, _ = r.Discard(len(b))
		if _, err := r.Peek(1); err == io.EOF {
			return true, nil
		} else if err != nil {
			return false, err
		}
	}
}

func isPrefix(b, of []byte) bool {
	return len(b) <= len(of) && string(b) == string(of[:len(b)])
}

// IDFor implements idmap.Mapper; the mapping is in the file before it returns.
func (s *Store) IDFor(ref idmap.Ref) int32 { return s.mem.IDFor(ref) }

// RefFor implements idmap.Mapper.
func (s *Store) RefFor(id int32) (idmap.Ref, bool) { return s.mem.RefFor(id) }

// RefForUpstream implements idmap.SeqMapper; the mapping is in the file
// before it returns.
func (s *Store) RefForUpstream(scene string, peer int64, id int32, upstreamSeq int64) idmap.Ref {
	return s.mem.RefForUpstream(scene, peer, id, upstreamSeq)
}

// UpstreamID implements idmap.SeqMapper.
func (s *Store) UpstreamID(ref idmap.Ref) (int32, bool) { return s.mem.UpstreamID(ref) }

// SeqForFlag implements idmap.FlagMapper; the mapping is in the file
// before it returns.
func (s *Store) SeqForFlag(kind, flag string) int64 { return s.mem.SeqForFlag(kind, flag) }

// FlagForSeq implements idmap.FlagMapper.
func (s *Store) FlagForSeq(kind string, seq int64) (string, bool) {
	return s.mem.FlagForSeq(kind, seq)
}

// Stats reports the mapping sizes, counters and durability state.
func (s *Store) Stats() Stats {
	st := s.mem.Stats()
	st.FlushErrors = s.w.errors.Load()
	st.LastFlush = time.Unix(0, s.lastSync.Load())
	s.w.mu.Lock()
	st.Pending = s.w.unsynced
	s.w.mu.Unlock()
	return st
}

// Path is the log file.
func (s *Store) Path() string { return s.path }

// Flush applies retention and fsyncs the log now.
func (s *Store) Flush() error {
	if s.closed.Load() {
		return ErrClosed
	}
	s.tick()
	_ = s.mem.Flush()
	s.fileMu.Lock()
	defer s.fileMu.Unlock()
	return s.sync()
}

// Close fsyncs and closes the log. Afterwards the store still answers from
// memory, and new mappings live in memory only.
func (s *Store) Close() error {
	s.closeOnce.Do(func() {
		s.closed.Store(true)
		close(s.stop)
		<-s.done
		s.fileMu.Lock()
		defer s.fileMu.Unlock()
		err := s.sync()
		s.w.mu.Lock()
		err = errors.Join(err, s.w.closeLocked())
		s.w.mu.Unlock()
		s.closeErr = errors.Join(err, s.lock.Close())
	})
	return s.closeErr
}

// sync fsyncs what was written since the last sync. Called under fileMu,
// which keeps the file from being replaced or closed meanwhile.
func (s *Store) sync() error {
	s.w.mu.Lock()
	f, n := s.w.f, s.w.unsynced
	s.w.unsynced = 0
	s.w.mu.Unlock()
	if f == nil || n == 0 {
		return nil
	}
	if err := f.Sync(); err != nil {
		s.w.mu.Lock()
		s.w.unsynced += n
		s.w.mu.Unlock()
		s.w.failed("fsync", err)
		return err
	}
	s.lastSync.Store(time.Now().UnixNano())
	return nil
}

var _ io.Closer = (*Store)(nil)
