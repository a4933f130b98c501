// Package spool is a bounded, ordered, on-disk FIFO of opaque records: the
// overflow of an event queue whose consumer (a bot's webhook or reverse
// WebSocket) is away for longer than memory may cover, kept across a
// restart of the process.
//
// Layout: DIR holds segment files NNNNNNNNNNNNNNNNNNNN.seg (records
// appended in order; a new segment every SegmentBytes) and a "cursor" file
// naming the first unconsumed record (segment number and offset). A record
// is a 4-byte big-endian length, a 4-byte CRC-32C of the payload and the
// payload. A record cut short or corrupt (a crash mid-write) ends its
// segment: Open truncates it there. Fully consumed segments are deleted.
// Writes are not fsynced: the spool survives a process restart, not a
// machine crash.
package spool

import (
	"encoding/binary"
	"errors"
	"fmt"
	"hash/crc32"
	"io"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"sync"
)

// ErrFull is returned by Append when the record would take the spool over
// its byte bound; the record is not stored.
var ErrFull = errors.New("spool: full")

// ErrTooLarge is returned for a record longer than MaxRecord.
var ErrTooLarge = errors.New("spool: record too large")

const (
	headerLen = 8
	// MaxRecord bounds one record, so a corrupt length cannot make Open
	// allocate gigabytes.
	MaxRecord          = 64 << 20
	defaultSegmentSize = 4 << 20
	segSuffix          = ".seg"
	// firstSegment numbers a new spool's first segment, leaving room
	// below for Prepend.
	firstSegment = 1 << 32
	cursorName   = "cursor"
)

var castagnoli = crc32.MakeTable(crc32.Castagnoli)

// Options tune Open.
type Options struct {
	// MaxBytes bounds the segment files' total size; Append beyond it
	// fails with ErrFull. <= 0 means 1 GiB.
	MaxBytes int64
	// SegmentBytes is the size after which a new segment starts; default
	// 4 MiB. Smaller segments return consumed space sooner.
	SegmentBytes int64
}

// Spool is safe for concurrent use; one consumer should Peek and Commit.
type Spool struct {
	dir    string
	max    int64
	segMax int64

	mu     sync.Mutex
	segs   []uint64 // existing segments, oldest first
	sizes  map[uint64]int64
	total  int64
	w      *os.File // the last segment, open for appending
	wbuf   []byte
	n      int    // records not yet committed
	rSeg   uint64 // cursor: segment and offset of the first pending record
	rOff   int64
	cursor *os.File
	// ahead holds records read past the cursor by Peek, with the position
	// after each, so the next Peek does not read them again.
	ahead    [][]byte
	aheadEnd []position
	closed   bool
	// torn: a write cut short left part of a record after sizes[last] that
	// could not be cut off yet; Append cuts it before writing.
	torn bool
}

type position struct {
	seg uint64
	off int64
}

// Open opens (creating) the spool in dir and recovers what a previous
// process left: pending records are those after the saved cursor, and a
// torn or corrupt record ends its segment. It reports how many bytes of
// torn tail were cut through Truncated.
func Open(dir string, opt Options) (*Spool, error) {
	if opt.MaxBytes <= 0 {
		opt.MaxBytes = 1 << 30
	}
	if opt.SegmentBytes <= 0 {
		opt.SegmentBytes = defaultSegmentSize
	}
	if err := os.MkdirAll(dir, 0o700); err != nil {
		return nil, err
	}
	s := &Spool{dir: dir, max: opt.MaxBytes, segMax: opt.SegmentBytes, sizes: map[uint64]int64{}}
	entries, err := os.ReadDir(dir)
	if err != nil {
		return nil, err
	}
	for _, e := range entries {
		name, ok := strings.CutSuffix(e.Name(), segSuffix)
		if !ok {
			continue
		}
		if n, err := strconv.ParseUint(name, 10, 64); err == nil {
			s.segs = append(s.segs, n)
		}
	}
	slices.Sort(s.segs)
	s.cursor, err = os.OpenFile(filepath.Join(dir, cursorName), os.O_RDWR|os.O_CREATE, 0o600)
	if err != nil {
		return nil, err
	}
	var cur [16]byte
	if n, _ := s.cursor.ReadAt(cur[:], 0); n == 16 {
		s.rSeg = binary.BigEndian.Uint64(cur[:8])
		s.rOff = int64(binary.BigEndian.Uint64(cur[8:]))
	}
	// Drop segments wholly before the cursor (consumed, not yet deleted).
	for len(s.segs) > 0 && s.segs[0] < s.rSeg {
		_ = os.Remove(s.segPath(s.segs[0]))
		s.segs = s.segs[1:]
	}
	if len(s.segs) == 0 || s.segs[0] != s.rSeg {
		s.rOff = 0
		if len(s.segs) > 0 {
			s.rSeg = s.segs[0]
		} else {
			s.rSeg = firstSegment
		}
	}
	for _, seg := range s.segs {
		from := int64(0)
		if seg == s.rSeg {
			from = s.rOff
		}
		count, size, err := s.scan(seg, from)
		if err != nil {
			s.closeFiles()
			return nil, err
		}
		s.n += count
		s.sizes[seg] = size
		s.total += size
		if seg == s.rSeg && s.rOff > size {
			s.rOff = size
		}
	}
	if err := s.openTail(); err != nil {
		s.closeFiles()
		return nil, err
	}
	return s, nil
}

// scan counts the valid records of a segment from offset from and cuts
// the file after the last one (a torn tail). It returns the record count
// and the segment's size after the cut.
func (s *Spool) scan(seg uint64, from int64) (int, int64, error) {
	f, err := os.OpenFile(s.segPath(seg), os.O_RDWR, 0)
	if err != nil {
		return 0, 0, err
	}
	defer f.Close()
	st, err := f.Stat()
	if err != nil {
		return 0, 0, err
	}
	if from > st.Size() {
		from = st.Size()
	}
	r := io.NewSectionReader(f, from, st.Size()-from)
	off, count := from, 0
	var buf []byte
	for {
		rec, err := readRecord(r, &buf)
		if err != nil {
			break // io.EOF at a clean end; anything else is a torn tail
		}
		_ = rec
		off += int64(headerLen + len(rec))
		count++
	}
	if off < st.Size() {
		if err := f.Truncate(off); err != nil {
			return 0, 0, err
		}
	}
	return count, off, nil
}

// readRecord reads one record into *buf (reused) and returns it.
func readRecord(r io.Reader, buf *[]byte) ([]byte, error) {
	var h [headerLen]byte
	if _, err := io.ReadFull(r, h[:]); err != nil {
		if errors.Is(err, io.ErrUnexpectedEOF) {
			return nil, errTorn
		}
		return nil, err
	}
	n := binary.BigEndian.Uint32(h[:4])
	if n > MaxRecord {
		return nil, errTorn
	}
	if cap(*buf) < int(n) {
		*buf = make([]byte, n)
	}
	b := (*buf)[:n]
	if _, err := io.ReadFull(r, b); err != nil {
		return nil, errTorn
	}
	if crc32.Checksum(b, castagnoli) != binary.BigEndian.Uint32(h[4:]) {
		return nil, errTorn
	}
	return b, nil
}

var errTorn = errors.New("spool: torn record")

func (s *Spool) segPath(seg uint64) string {
	return filepath.Join(s.dir, fmt.Sprintf("%020d%s", seg, segSuffix))
}

// openTail opens the last segment for appending, creating the first.
func (s *Spool) openTail() error {
	if len(s.segs) == 0 {
		s.segs = append(s.segs, s.rSeg)
		s.sizes[s.rSeg] = 0
	}
	last := s.segs[len(s.segs)-1]
	f, err := os.OpenFile(s.segPath(last), os.O_WRONLY|os.O_CREATE|os.O_APPEND, 0o600)
	if err != nil {
		return err
	}
	s.w = f
	return nil
}

// Append stores rec after every record stored before. ErrFull: over the
// byte bound (nothing written).
func (s *Spool) Append(rec []byte) error {
	if len(rec) > MaxRecord {
		return ErrTooLarge
	}
	need := int64(headerLen + len(rec))
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.closed {
		return os.ErrClosed
	}
	if s.total+need > s.max {
		return ErrFull
	}
	last := s.segs[len(s.segs)-1]
	if s.torn {
		if err := s.w.Truncate(s.sizes[last]); err != nil {
			return err
		}
		s.torn = false
	}
	if s.sizes[last] > 0 && s.sizes[last]+need > s.segMax {
		next := last + 1
		f, err := os.OpenFile(s.segPath(next), os.O_WRONLY|os.O_CREATE|os.O_APPEND, 0o600)
		if err != nil {
			return err
		}
		_ = s.w.Close()
		s.w, last = f, next
		s.segs = append(s.segs, next)
		s.sizes[next] = 0
	}
	b := s.wbuf[:0]
	b = binary.BigEndian.AppendUint32(b, uint32(len(rec)))
	b = binary.BigEndian.AppendUint32(b, crc32.Checksum(rec, castagnoli))
	b = append(b, rec...)
	s.wbuf = b
	if len(s.wbuf) > 1<<20 {
		s.wbuf = nil // do not keep a huge buffer for one big record
	}
	// One write per record: a crash leaves at most this record torn.
	if n, err := s.w.Write(b); err != nil {
		// Cut short (a full disk): the part that landed would sit before
		// the next record, and the reader would stop at it for good. Cut it
		// off, now or before the next write.
		if n > 0 {
			s.torn = s.w.Truncate(s.sizes[last]) != nil
		}
		return err
	}
	s.sizes[last] += int64(len(b))
	s.total += int64(len(b))
	s.n++
	return nil
}

// Len is the number of records stored and not yet committed.
func (s *Spool) Len() int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.n
}

// Bytes is the segment files' total size (consumed records count until
// their segment is deleted).
func (s *Spool) Bytes() int64 {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.total
}

// Peek appends to dst up to max of the oldest pending records (copies the
// caller may keep) without consuming them.
func (s *Spool) Peek(dst [][]byte, max int) ([][]byte, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.closed {
		return dst, os.ErrClosed
	}
	want := min(max, s.n)
	if len(s.ahead) < want {
		if err := s.readAheadLocked(want - len(s.ahead)); err != nil {
			return dst, err
		}
	}
	return append(dst, s.ahead[:min(want, len(s.ahead))]...), nil
}

// readAheadLocked reads n more records after those already in ahead.
func (s *Spool) readAheadLocked(n int) error {
	pos := position{s.rSeg, s.rOff}
	if k := len(s.aheadEnd); k > 0 {
		pos = s.aheadEnd[k-1]
	}
	for n > 0 {
		size, ok := s.sizes[pos.seg]
		if !ok {
			return nil
		}
		if pos.off >= size {
			i, found := slices.BinarySearch(s.segs, pos.seg)
			if !found || i+1 >= len(s.segs) {
				return nil
			}
			pos = position{s.segs[i+1], 0}
			continue
		}
		f, err := os.Open(s.segPath(pos.seg))
		if err != nil {
			return err
		}
		r := io.NewSectionReader(f, pos.off, size-pos.off)
		for n > 0 && pos.off < size {
			var buf []byte
			rec, err := readRecord(r, &buf)
			if err != nil {
				f.Close()
				return fmt.Errorf("spool: segment %d offset %d: %w", pos.seg, pos.off, err)
			}
			pos.off += int64(headerLen + len(rec))
			s.ahead = append(s.ahead, rec)
			s.aheadEnd = append(s.aheadEnd, pos)
			n--
		}
		f.Close()
	}
	return nil
}

// Commit consumes the first n pending records (at most those Peek
// returned) and saves the cursor. Segments wholly consumed are deleted.
func (s *Spool) Commit(n int) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	n = min(n, len(s.ahead))
	if n <= 0 || s.closed {
		return nil
	}
	end := s.aheadEnd[n-1]
	clear(s.ahead[:n])
	s.ahead = s.ahead[n:]
	s.aheadEnd = s.aheadEnd[n:]
	if len(s.ahead) == 0 {
		s.ahead, s.aheadEnd = nil, nil
	}
	s.n -= n
	s.rSeg, s.rOff = end.seg, end.off
	// Delete consumed segments, never the one being appended to.
	for len(s.segs) > 1 && (s.segs[0] < s.rSeg || s.rOff >= s.sizes[s.segs[0]]) {
		seg := s.segs[0]
		if seg == s.rSeg {
			s.rSeg, s.rOff = s.segs[1], 0
		}
		_ = os.Remove(s.segPath(seg))
		s.total -= s.sizes[seg]
		delete(s.sizes, seg)
		s.segs = s.segs[1:]
	}
	// The only segment fully consumed: start it over, so an idle spool
	// takes no space.
	if s.n == 0 && len(s.segs) == 1 && s.rOff > 0 && s.rOff == s.sizes[s.segs[0]] {
		if err := s.w.Truncate(0); err == nil {
			s.total -= s.sizes[s.segs[0]]
			s.sizes[s.segs[0]] = 0
			s.rOff = 0
		}
	}
	return s.saveCursorLocked()
}

// Prepend stores recs, in their order, before every pending record: the
// events a sender still held in memory when the process stopped, which are
// older than those it had spooled. Records beyond the byte bound are
// refused from the front (the oldest); Prepend reports how many it
// stored. The consumed part of the head segment is compacted away first
// (at most one segment is copied).
func (s *Spool) Prepend(recs [][]byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.closed {
		return 0, os.ErrClosed
	}
	if len(recs) == 0 {
		return 0, nil
	}
	if s.rOff > 0 {
		if err := s.compactHeadLocked(); err != nil {
			return 0, err
		}
	}
	head := s.segs[0]
	if head == 0 {
		return 0, errors.New("spool: no segment number left for Prepend")
	}
	// Keep the newest records that fit.
	room := s.max - s.total
	from := len(recs)
	for from > 0 {
		need := int64(headerLen + len(recs[from-1]))
		if need > room || len(recs[from-1]) > MaxRecord {
			break
		}
		room -= need
		from--
	}
	keep := recs[from:]
	if len(keep) == 0 {
		return 0, ErrFull
	}
	seg := head - 1
	var b []byte
	for _, r := range keep {
		b = binary.BigEndian.AppendUint32(b, uint32(len(r)))
		b = binary.BigEndian.AppendUint32(b, crc32.Checksum(r, castagnoli))
		b = append(b, r...)
	}
	if err := os.WriteFile(s.segPath(seg), b, 0o600); err != nil {
		return 0, err
	}
	s.segs = append([]uint64{seg}, s.segs...)
	s.sizes[seg] = int64(len(b))
	s.total += int64(len(b))
	s.n += len(keep)
	s.rSeg, s.rOff = seg, 0
	s.ahead, s.aheadEnd = nil, nil
	return len(keep), s.saveCursorLocked()
}

// compactHeadLocked rewrites the head segment without its consumed
// prefix, so the cursor can move to a segment before it.
func (s *Spool) compactHeadLocked() error {
	seg := s.segs[0]
	b, err := os.ReadFile(s.segPath(seg))
	if err != nil {
		return err
	}
	// Only the counted bytes: a torn record not cut off yet (torn) stays out.
	b = b[:min(int64(len(b)), s.sizes[seg])]
	rest := b[min(int64(len(b)), s.rOff):]
	tmp := s.segPath(seg) + ".tmp"
	if err := os.WriteFile(tmp, rest, 0o600); err != nil {
		return err
	}
	if err := os.Rename(tmp, s.segPath(seg)); err != nil {
		return err
	}
	if len(s.segs) == 1 { // it is also the append target: reopen it
		_ = s.w.Close()
		f, err := os.OpenFile(s.segPath(seg), os.O_WRONLY|os.O_APPEND, 0o600)
		if err != nil {
			return err
		}
		s.w = f
		s.torn = false
	}
	s.total -= s.sizes[seg] - int64(len(rest))
	s.sizes[seg] = int64(len(rest))
	s.rOff = 0
	s.ahead, s.aheadEnd = nil, nil
	return s.saveCursorLocked()
}

func (s *Spool) saveCursorLocked() error {
	var cur [16]byte
	binary.BigEndian.PutUint64(cur[:8], s.rSeg)
	binary.BigEndian.PutUint64(cur[8:], uint64(s.rOff))
	_, err := s.cursor.WriteAt(cur[:], 0)
	return err
}

// Close releases the files; pending records stay for the next Open.
func (s *Spool) Close() error {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.closed {
		return nil
	}
	s.closed = true
	return s.closeFiles()
}

func (s *Spool) closeFiles() error {
	var errs []error
	if s.w != nil {
		errs = append(errs, s.w.Close())
	}
	if s.cursor != nil {
		errs = append(errs, s.cursor.Close())
	}
	return errors.Join(errs...)
}
