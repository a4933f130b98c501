package idmap

import "math/bits"

// The message mappings of both directions live in one ring of fixed-size
// slots in insertion order (the retention order), indexed by two
// open-addressing tables of ring indexes: no pointer and no allocation per
// entry. Per live entry that is a 32-byte slot plus two 4-byte table cells
// at load <= 1/2, i.e. 48 bytes at a full ring and up to twice that right
// after the ring doubled (see idstore/README.md for measurements).

const (
	kindDead uint8 = 0
	kindID   uint8 = 1 // Mapper: (scene, peer, seq) <-> OneBot message_id
	kindUp   uint8 = 2 // SeqMapper: (scene, peer, seq) <-> upstream message_id

	minRing = 1024
)

// slot is one message mapping (32 bytes).
type slot struct {
	peer  int64
	seq   int64
	at    int64 // insertion or refresh time, unix nanos
	id    int32
	scene uint8
	kind  uint8
}

// ring holds slots at absolute positions [tail, head); position p lives at
// s[p&mask]. Positions survive growth; indexes (what the tables hold) do
// not, so the tables are rebuilt when the ring grows.
type ring struct {
	s          []slot
	head, tail uint64
}

func (r *ring) mask() uint64          { return uint64(len(r.s) - 1) }
func (r *ring) at(p uint64) *slot     { return &r.s[p&r.mask()] }
func (r *ring) index(p uint64) uint32 { return uint32(p & r.mask()) }
func (r *ring) full() bool            { return r.head-r.tail == uint64(len(r.s)) }

// growRing doubles the ring. In place when the arena reserved room: going
// from n to 2n slots, position p moves from p&(n-1) to p&(2n-1), which is
// either the same index or that index + n, in the new half; no position
// lands on one not yet moved, so one pass copies nothing twice and the
// ring is never held twice. Otherwise into a new buffer, then freed.
func (m *Memory) growRing() {
	r := &m.ring
	old := len(r.s)
	n := max(2*old, minRing)
	b := m.bufs
	if n*slotSize <= cap(b.ring) {
		b.ring = b.ring[:n*slotSize]
		s := slotsOf(b.ring)
		if old > 0 {
			for p := r.tail; p < r.head; p++ {
				if i, j := p&uint64(old-1), p&uint64(n-1); i != j {
					s[j] = s[i]
				}
			}
		}
		r.s = s
		return
	}
	nb := b.a.Alloc(n*slotSize, max(b.ringMax, n*slotSize))
	s := slotsOf(nb)
	for p := r.tail; p < r.head; p++ {
		s[p&uint64(n-1)] = *r.at(p)
	}
	if cap(b.ring) > 0 {
		b.a.Free(b.ring)
	}
	b.ring, r.s = nb, s
}

// table is an open-addressing (linear probing) set of cells; 0 is an
// empty cell. Its size is twice the ring's, so load <= 1/2. A cell holds
// ring index + 1 in its low rbits bits and, above them, as many bits of
// the key's hash as fit (11 at a 1M-slot ring): a probe passing another
// key's cell then rarely has to read that key's slot (a cache miss).
type table []uint32

// cell is the table cell of ring index x whose key hashes to h.
func (m *Memory) cell(h uint64, x uint32) uint32 { return uint32(h>>32)<<m.rbits | (x + 1) }

// low masks a cell to its ring index + 1 (all 32 bits at a 2^31-slot ring).
func (m *Memory) low() uint32 { return uint32(1)<<m.rbits - 1 }

func refHash(kind, scene uint8, peer, seq int64) uint64 {
	return mix64(mix64(uint64(peer)^(uint64(kind)<<8|uint64(scene))*0x9e3779b97f4a7c15) ^ uint64(seq))
}

// idHash keys Mapper slots by id alone (ids are global) and SeqMapper
// slots by conversation and upstream id (upstream ids are only unique
// within the upstream's own id space, which we scope per conversation).
func idHash(kind, scene uint8, peer int64, id int32) uint64 {
	if kind == kindID {
		return mix64(uint64(uint32(id)) | 1<<40)
	}
	return mix64(mix64(uint64(peer)^uint64(scene)*0x9e3779b97f4a7c15) ^ uint64(uint32(id)))
}

func (m *Memory) slotRefHash(x uint32) uint64 {
	s := &m.ring.s[x]
	return refHash(s.kind, s.scene, s.peer, s.seq)
}

func (m *Memory) slotIDHash(x uint32) uint64 {
	s := &m.ring.s[x]
	return idHash(s.kind, s.scene, s.peer, s.id)
}

// findRef returns the ring index of the live slot for (kind, scene, peer, seq).
func (m *Memory) findRef(kind, scene uint8, peer, seq int64) (uint32, bool) {
	return m.probe(m.byRef, refHash(kind, scene, peer, seq), func(s *slot) bool {
		return s.seq == seq && s.peer == peer && s.kind == kind && s.scene == scene
	})
}

// findID returns the ring index of the live slot holding id: for kindID any
// scene and peer, for kindUp within (scene, peer).
func (m *Memory) findID(kind, scene uint8, peer int64, id int32) (uint32, bool) {
	return m.probe(m.byID, idHash(kind, scene, peer, id), func(s *slot) bool {
		return s.id == id && s.kind == kind && (kind == kindID || (s.peer == peer && s.scene == scene))
	})
}

// probe walks index t from the home cell of hash h and returns the ring
// index of the first live slot whose cell tag matches and that match
// accepts (the tag only narrows: different keys can share one).
func (m *Memory) probe(t table, h uint64, match func(*slot) bool) (uint32, bool) {
	if len(t) == 0 {
		return 0, false
	}
	mask := uint64(len(t) - 1)
	low := m.low()
	tag := m.cell(h, 0) &^ low
	for i := h & mask; ; i = (i + 1) & mask {
		v := t[i]
		if v == 0 {
			return 0, false
		}
		if v&^low != tag {
			continue
		}
		if x := v&low - 1; match(&m.ring.s[x]) {
			return x, true
		}
	}
}

// insert puts cell c of a key hashing to h.
func (t table) insert(h uint64, c uint32) {
	mask := uint64(len(t) - 1)
	i := h & mask
	for t[i] != 0 {
		i = (i + 1) & mask
	}
	t[i] = c
}

// remove deletes ring index x (found from its hash h) with backward-shift
// deletion, so the table never holds tombstones; low is Memory.low.
func (t table) remove(h uint64, x, low uint32, hashOf func(uint32) uint64) {
	mask := uint64(len(t) - 1)
	i := h & mask
	for t[i]&low != x+1 {
		if t[i] == 0 {
			return // not indexed (cannot happen for a live slot)
		}
		i = (i + 1) & mask
	}
	for j := (i + 1) & mask; t[j] != 0; j = (j + 1) & mask {
		home := hashOf(t[j]&low-1) & mask
		// Move t[j] into the hole at i unless its home lies cyclically in (i, j].
		if (j > i && (home <= i || home > j)) || (j < i && home <= i && home > j) {
			t[i] = t[j]
			i = j
		}
	}
	t[i] = 0
}

// rebuild re-indexes every live slot; called after the ring grew.
func (m *Memory) rebuild() {
	n := 2 * len(m.ring.s)
	b := m.bufs
	b.byRef = b.table(b.byRef, n)
	b.byID = b.table(b.byID, n)
	m.byRef, m.byID = cellsOf(b.byRef), cellsOf(b.byID)
	m.rbits = uint(bits.Len(uint(len(m.ring.s))))
	for p := m.ring.tail; p < m.ring.head; p++ {
		s := m.ring.at(p)
		if s.kind == kindDead {
			continue
		}
		m.indexLocked(s, m.ring.index(p))
	}
}

// addLocked appends s as the newest slot, first killing whatever holds
// either of its keys (a refreshed or taken-over entry; in a replay, what
// the log says was replaced), then applies the count limit. fresh: the
// caller has just seen that neither key is held, so the look is skipped.
func (m *Memory) addLocked(s slot, fresh bool) {
	if !fresh {
		if x, ok := m.findRef(s.kind, s.scene, s.peer, s.seq); ok {
			m.killLocked(x)
		}
		if x, ok := m.findID(s.kind, s.scene, s.peer, s.id); ok {
			m.killLocked(x)
		}
	}
	m.dropDeadTail()
	if m.ring.full() {
		m.growRing()
		m.rebuild()
	}
	x := m.ring.index(m.ring.head)
	m.ring.s[x] = s
	m.ring.head++
	m.indexLocked(&m.ring.s[x], x)
	m.live++
	if s.kind == kindUp {
		ck := convKey{s.scene, s.peer}
		if s.seq > m.conv[ck] {
			m.conv[ck] = s.seq
		}
	}
	for m.live > m.o.MaxEntries {
		m.popLocked()
	}
}

func (m *Memory) indexLocked(s *slot, x uint32) {
	h := refHash(s.kind, s.scene, s.peer, s.seq)
	m.byRef.insert(h, m.cell(h, x))
	h = idHash(s.kind, s.scene, s.peer, s.id)
	m.byID.insert(h, m.cell(h, x))
}

func (m *Memory) killLocked(x uint32) {
	s := &m.ring.s[x]
	low := m.low()
	m.byRef.remove(refHash(s.kind, s.scene, s.peer, s.seq), x, low, m.slotRefHash)
	m.byID.remove(idHash(s.kind, s.scene, s.peer, s.id), x, low, m.slotIDHash)
	s.kind = kindDead
	m.live--
}

// popLocked drops the oldest slot.
func (m *Memory) popLocked() {
	if m.ring.at(m.ring.tail).kind != kindDead {
		m.killLocked(m.ring.index(m.ring.tail))
	}
	m.ring.tail++
}

func (m *Memory) dropDeadTail() {
	for m.ring.tail < m.ring.head && m.ring.at(m.ring.tail).kind == kindDead {
		m.ring.tail++
	}
}

// expireLocked drops expired slots from the old end; slots out of time
// order (a clock step back) are caught by the checks at lookup.
func (m *Memory) expireLocked(cutoff int64) {
	for m.ring.tail < m.ring.head {
		s := m.ring.at(m.ring.tail)
		if s.kind != kindDead && s.at >= cutoff {
			return
		}
		m.popLocked()
	}
}
