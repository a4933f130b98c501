package idstore

import (
	"errors"
	"fmt"
	"log/slog"
	"os"
	"runtime/debug"
	"sync"
	"sync/atomic"
	"time"

	"github.com/qqbridge/gateway/idmap"
)

// logWriter is the journal of the Store's Memory. It appends each record
// by copying it into a shared writable mapping of the log's end: the bytes
// are then in the kernel's page cache for the file, exactly where a
// write(2) would have put them (a SIGKILL right after loses nothing, fsync
// writes them out), without a system call per record. The file is extended
// ahead with zeros, written (not just truncated up) so its blocks are
// allocated and, on ext4, XFS or tmpfs, a full disk shows as an error here
// rather than as a SIGBUS on a store into the mapping. A copy-on-write
// filesystem (btrfs, ZFS) needs a new block for every store, so there the
// store can still fault: copyMapped recovers it and the writer uses
// pwrite(2) for the next chunk. Where mmap is unavailable, or with noMmap,
// each record is one pwrite(2).
//
// A crash leaves the zeroed, never-written rest of the last chunk after
// the records; Open recognises it and truncates it.
type logWriter struct {
	mu     sync.Mutex
	f      *os.File // nil once closed
	size   int64    // end of the last complete record
	alloc  int64    // file length; bytes in [size, alloc) are zero
	m      []byte   // mapping of the file from mbase; nil when none
	mbase  int64
	noMmap bool
	// pwriteLeft is how many bytes are still written with pwrite after a
	// store into the mapping faulted, before the writer maps again.
	pwriteLeft int64
	unsynced   int // records written since the last fsync
	buf        []byte
	errors     *atomic.Uint64
	log        *slog.Logger
	lastLog    time.Time
}

// mapChunk is how far ahead the file is extended and mapped. Every page of
// the window the writer has filled stays resident in the process (RssFile)
// until the window is unmapped, so the window is kept small: 1 MiB costs a
// remap (16 writes of 64 KiB zeros, munmap, mmap) per ~29k mappings; 4 MiB
// kept up to 3 MiB more resident for no measurable gain.
const mapChunk = 1 << 20

var (
	errNoMmap = errors.New("mmap unavailable")
	zeros     = make([]byte, 64<<10)
	pageMask  = int64(os.Getpagesize() - 1)
)

// Append implements idmap.Journal.
func (w *logWriter) Append(r *idmap.Record) {
	w.mu.Lock()
	defer w.mu.Unlock()
	if w.f == nil {
		return // closed: memory only, as documented on Close
	}
	w.buf = appendRecord(w.buf[:0], r)
	if err := w.writeLocked(w.buf); err != nil {
		w.failedLocked("write", err)
		return
	}
	w.size += int64(len(w.buf))
	w.unsynced++
}

// writeLocked puts b at w.size. A failed or partial write is overwritten
// by the next one, so the log never has garbage between records.
func (w *logWriter) writeLocked(b []byte) error {
	end := w.size + int64(len(b))
	if !w.noMmap && w.pwriteLeft <= 0 {
		if w.m == nil || end > w.mbase+int64(len(w.m)) {
			err := w.remapLocked(end)
			if errors.Is(err, errNoMmap) {
				w.noMmap = true
			} else if err != nil {
				return err
			}
		}
		if w.m != nil {
			err := copyMapped(w.m[w.size-w.mbase:], b)
			if err == nil {
				return nil
			}
			// The page could not be written: on a copy-on-write filesystem
			// (btrfs, ZFS) every store needs a new block, however the file
			// was extended, so a full disk shows here. pwrite reports it as
			// ENOSPC instead, and overwrites whatever part of b did land.
			w.log.Warn("id store: a store into the log's mapping faulted (a full copy-on-write filesystem?); "+
				"writing records with pwrite for the next chunk", "err", err, "chunk_bytes", mapChunk)
			_ = w.unmapLocked()
			w.pwriteLeft = mapChunk
		}
	}
	if _, err := w.f.WriteAt(b, w.size); err != nil {
		return err
	}
	w.alloc = max(w.alloc, end)
	w.pwriteLeft -= int64(len(b))
	return nil
}

// copyMapped copies b to dst, a part of the log's mapping, and returns the
// fault as an error when the kernel cannot back the page (SIGBUS), instead
// of letting it kill the process: debug.SetPanicOnFault turns the fault into
// a panic this goroutine recovers. It costs two flag writes per record.
func copyMapped(dst, b []byte) (err error) {
	defer debug.SetPanicOnFault(debug.SetPanicOnFault(true))
	defer func() {
		if r := recover(); r != nil {
			f, ok := r.(interface{ Addr() uintptr })
			if !ok {
				panic(r)
			}
			err = fmt.Errorf("fault at %#x: %v", f.Addr(), r)
		}
	}()
	copy(dst, b)
	return nil
}

// remapLocked maps a fresh chunk starting at the page holding w.size,
// extending the file with zeros to cover it.
func (w *logWriter) remapLocked(end int64) error {
	if err := w.unmapLocked(); err != nil {
		return err
	}
	base := w.size &^ pageMask
	n := int64(mapChunk)
	for base+n < end {
		n *= 2
	}
	for w.alloc < base+n {
		k := min(base+n-w.alloc, int64(len(zeros)))
		if _, err := w.f.WriteAt(zeros[:k], w.alloc); err != nil {
			return err
		}
		w.alloc += k
	}
	m, err := mmapFile(w.f, base, int(n))
	if err != nil {
		return err
	}
	w.m, w.mbase = m, base
	return nil
}

func (w *logWriter) unmapLocked() error {
	if w.m == nil {
		return nil
	}
	err := munmap(w.m)
	w.m = nil
	return err
}

// closeLocked unmaps, trims the zeroed tail (a cleanly closed log ends with
// its last record) and closes the file.
func (w *logWriter) closeLocked() error {
	if w.f == nil {
		return nil
	}
	err := errors.Join(w.unmapLocked(), w.f.Truncate(w.size), w.f.Sync(), w.f.Close())
	w.f = nil
	return err
}

func (w *logWriter) failed(op string, err error) {
	w.mu.Lock()
	defer w.mu.Unlock()
	w.failedLocked(op, err)
}

// failedLocked counts an error and logs it at most every 30 s.
func (w *logWriter) failedLocked(op string, err error) {
	w.errors.Add(1)
	if now := time.Now(); now.Sub(w.lastLog) >= 30*time.Second {
		w.lastLog = now
		w.log.Error("id store "+op+" failed; ids keep working in memory but may not survive a restart",
			"err", err, "failures", w.errors.Load())
	}
}
