package idstore

import (
	"bufio"
	"fmt"
	"os"
	"path/filepath"
	"time"

	"github.com/qqbridge/gateway/idmap"
)

// run is the background maintenance: fsync every FlushInterval, retention,
// and compaction when the log has grown to more than twice its live size.
func (s *Store) run() {
	defer close(s.done)
	t := time.NewTicker(s.o.FlushInterval)
	defer t.Stop()
	var retry compactRetry
	for {
		select {
		case <-s.stop:
			return
		case <-t.C:
		}
		s.tick()
		_ = s.mem.Flush()
		s.fileMu.Lock()
		_ = s.sync()
		if s.needsCompaction() && !time.Now().Before(retry.at) {
			if err := s.compact(); err != nil {
				s.w.failed("compaction", err)
				retry.failed()
			} else {
				retry = compactRetry{}
			}
		}
		s.fileMu.Unlock()
	}
}

// Pauses after a failed compaction, doubling from compactRetryMin up to
// compactRetryMax. The common cause is a full disk: each attempt rewrites
// up to the whole live state (36 MB at 1M entries) before ENOSPC, which at
// every fsync tick would be five such writes a second for as long as the
// disk stays full.
const (
	compactRetryMin = time.Second
	compactRetryMax = 5 * time.Minute
)

// compactRetry is when run may try compacting again after failures.
type compactRetry struct {
	at    time.Time
	pause time.Duration
}

func (r *compactRetry) failed() {
	r.pause = min(max(2*r.pause, compactRetryMin), compactRetryMax)
	r.at = time.Now().Add(r.pause)
}

// liveBytes estimates the size of a compacted log (flags counted at a
// generous 64 bytes).
func (s *Store) liveBytes() int64 {
	st := s.mem.Stats()
	return headerSize + int64(st.Entries)*RecordSize + int64(st.Flags)*(RecordSize+64)
}

func (s *Store) needsCompaction() bool {
	s.w.mu.Lock()
	size := s.w.size
	s.w.mu.Unlock()
	return size > s.o.compactMin && size > 2*s.liveBytes()
}

// Compact rewrites the log to hold only live mappings now.
func (s *Store) Compact() error {
	if s.closed.Load() {
		return ErrClosed
	}
	s.fileMu.Lock()
	defer s.fileMu.Unlock()
	return s.compact()
}

// compact writes the Memory's snapshot to a work file, fsyncs it, then,
// with appends held off only for that moment, copies the records appended
// since the snapshot began, renames the work file over the log and
// switches to it. Called under fileMu (or before run starts).
func (s *Store) compact() error {
	s.w.mu.Lock()
	closed := s.w.f == nil
	s.w.mu.Unlock()
	if closed {
		return ErrClosed // Close won the race with Compact
	}
	tmpPath := filepath.Join(s.dir, compactName)
	nf, err := os.OpenFile(tmpPath, os.O_RDWR|os.O_CREATE|os.O_TRUNC, 0o600)
	if err != nil {
		return err
	}
	ok := false
	defer func() {
		if !ok {
			_ = nf.Close()
			_ = os.Remove(tmpPath)
		}
	}()
	bw := bufio.NewWriterSize(nf, 256<<10)
	buf := appendHeader(nil)
	_, _ = bw.Write(buf)
	var mark int64
	err = s.mem.Snapshot(func() {
		s.w.mu.Lock()
		mark = s.w.size
		s.w.mu.Unlock()
	}, func(recs []idmap.Record) error {
		for i := range recs {
			buf = appendRecord(buf[:0], &recs[i])
			if _, err := bw.Write(buf); err != nil {
				return err
			}
		}
		return nil
	})
	if err == nil {
		err = bw.Flush()
	}
	if err == nil {
		err = nf.Sync()
	}
	if err != nil {
		return err
	}
	snapSize, err := nf.Seek(0, 1)
	if err != nil {
		return err
	}

	if err := s.switchTo(nf, tmpPath, mark, snapSize); err != nil {
		return err
	}
	ok = true
	if d, err := os.Open(s.dir); err == nil {
		_ = d.Sync() // make the rename durable
		_ = d.Close()
	}
	return nil
}

// switchTo appends the log's records from mark on to nf (at snapSize),
// renames nf over the log and makes it the file appends go to, all with
// appends held off.
func (s *Store) switchTo(nf *os.File, nfPath string, mark, snapSize int64) error {
	s.w.mu.Lock()
	defer s.w.mu.Unlock()
	tail := make([]byte, s.w.size-mark) // read back through the page cache the mapping writes to
	if _, err := s.w.f.ReadAt(tail, mark); err != nil {
		return fmt.Errorf("read log tail: %w", err)
	}
	if _, err := nf.WriteAt(tail, snapSize); err != nil {
		return err
	}
	if err := os.Rename(nfPath, s.path); err != nil {
		return err
	}
	if err := s.w.unmapLocked(); err != nil {
		return err
	}
	old := s.w.f
	s.w.f = nf
	s.w.size = snapSize + int64(len(tail))
	s.w.alloc = s.w.size
	if len(tail) > 0 {
		s.w.unsynced++
	}
	_ = old.Close()
	return nil
}
