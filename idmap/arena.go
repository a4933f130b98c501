package idmap

import (
	"runtime"
	"unsafe"
)

// Arena supplies the memory of a Memory's index: the ring of slots and its
// two tables, which hold no pointers. The default is the Go heap; idstore
// passes memory mapped outside it, so the index (33 bytes per entry, tens
// of MB at the default 1M entries) neither counts towards the GC's heap
// target (with GOGC=100 the heap may grow to twice the live heap, so an
// index on the heap costs twice its size) nor is copied to grow.
type Arena interface {
	// Alloc returns n zero bytes, 8-byte aligned. The Memory may later
	// grow the buffer in place up to cap(b) by reslicing, so every byte up
	// to cap(b) must be zero and must stay valid until Free. max (>= n) is
	// how far the buffer may grow: an arena that can reserve address space
	// without committing memory returns cap(b) == max.
	Alloc(n, max int) []byte
	// Free releases a buffer Alloc returned (resliced, same cap), when the
	// Memory replaces it or is garbage-collected.
	Free(b []byte)
}

// heapArena is the default Arena: plain Go memory, never reserved ahead
// (growth copies, as any slice append does).
type heapArena struct{}

func (heapArena) Alloc(n, _ int) []byte {
	w := make([]uint64, (n+7)/8) // 8-byte aligned
	return unsafe.Slice((*byte)(unsafe.Pointer(unsafe.SliceData(w))), n)
}

func (heapArena) Free([]byte) {}

// arenaBufs are the buffers of one Memory; a cleanup frees them when the
// Memory is collected (Memory.Close keeps the map usable, so it cannot).
type arenaBufs struct {
	a                 Arena
	ring, byRef, byID []byte
	ringMax, tableMax int // reservation hints, bytes
}

func (b *arenaBufs) free() {
	for _, p := range [][]byte{b.ring, b.byRef, b.byID} {
		if cap(p) > 0 {
			b.a.Free(p)
		}
	}
	b.ring, b.byRef, b.byID = nil, nil, nil
}

func newArenaBufs(m *Memory, a Arena) *arenaBufs {
	b := &arenaBufs{a: a}
	if _, heap := a.(heapArena); !heap {
		runtime.AddCleanup(m, (*arenaBufs).free, b)
	}
	return b
}

const (
	slotSize = int(unsafe.Sizeof(slot{}))
	cellSize = int(unsafe.Sizeof(uint32(0)))
)

// slotsOf views b as slots (slot holds no pointers; b is 8-byte aligned).
func slotsOf(b []byte) []slot {
	if len(b) < slotSize {
		return nil
	}
	return unsafe.Slice((*slot)(unsafe.Pointer(unsafe.SliceData(b))), len(b)/slotSize)
}

// cellsOf views b as table cells.
func cellsOf(b []byte) table {
	if len(b) < cellSize {
		return nil
	}
	return unsafe.Slice((*uint32)(unsafe.Pointer(unsafe.SliceData(b))), len(b)/cellSize)
}

// table returns buf resized to n zero cells (its old cells are dropped:
// the caller re-indexes every slot).
func (b *arenaBufs) table(buf []byte, n int) []byte {
	old := len(buf)
	buf = b.grow(buf, n*cellSize, 0, max(b.tableMax, n*cellSize))
	clear(buf[:min(old, len(buf))]) // past the old length it is still zero
	return buf
}

// grow returns buf resized to n bytes, keeping its first keep bytes:
// resliced in place when cap allows (the bytes past the old length are
// still zero then), otherwise a fresh buffer (the old one freed after the
// copy). A table (keep 0) is freed before the new one is taken, so it is
// never held twice.
func (b *arenaBufs) grow(buf []byte, n, keep, max int) []byte {
	if n <= cap(buf) {
		return buf[:n]
	}
	if keep == 0 {
		if cap(buf) > 0 {
			b.a.Free(buf)
		}
		return b.a.Alloc(n, max)
	}
	nb := b.a.Alloc(n, max)
	copy(nb, buf[:keep])
	if cap(buf) > 0 {
		b.a.Free(buf)
	}
	return nb
}
