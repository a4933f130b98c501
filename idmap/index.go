package idmap

import "math/bits"

// The message mappings of both directions live in one ring of fixed-size
// slots in insertion order (the retention order), indexed by two
// open-addressing tables of ring indexes: no pointer and no allocation per
// entry. Per live entry that is a 20-byte slot plus two 4-byte table cells
// at load <= 2/3 (1.5 x MaxEntries cells at the limit), i.e. 33 bytes at
// the default 1M entries (see idstore/README.md for measurements). The
// memory comes from Options.Arena.

const (
	kindDead uint8 = 0
	kindID   uint8 = 1 // Mapper: (scene, peer, seq) <-> OneBot message_id
	kindUp   uint8 = 2 // SeqMapper: (scene, peer, seq) <-> upstream message_id

	minRing = 1024
)

// slot is one message mapping as the ring stores it (20 bytes): the
// conversation (kind, scene, peer) is an index into Memory.convs, shared
// by every slot of that conversation; conv 0 marks a dead slot. Every
// field is 4 bytes wide, so the slot needs 4-byte alignment only and has
// no padding: the 64-bit seq is kept in two halves (the compiler reads
// them as one 8-byte load on amd64 and arm64), the time in whole seconds
// (see slotTime).
// At the default 1M entries the ring is 20 MiB, not the 24 MiB of a slot
// with an int64 seq and unix nanos.
type slot struct {
	seqLo, seqHi uint32
	at           uint32 // insertion or refresh time, slotTime
	conv         uint32
	id           int32
}

func (s *slot) seq() int64 { return int64(uint64(s.seqHi)<<32 | uint64(s.seqLo)) }

func (s *slot) setSeq(seq int64) { s.seqLo, s.seqHi = uint32(seq), uint32(uint64(seq)>>32) }

// slotTime is unix nanos t as a slot holds it: whole unix seconds (rounded
// down), clamped to what 32 bits hold (1970 to 2106). Retention compares
// these, so its resolution is one second: a mapping inserted at t is alive
// while slotTime(t) >= slotTime(now - MaxAge), i.e. at least MaxAge and
// less than MaxAge + 1 s after t (Options.MaxAge). Records keep unix nanos
// (a slot's time comes out as seconds x 1e9, which maps back to the same
// slot time), so the journal's format is unchanged.
func slotTime(t int64) uint32 {
	switch {
	case t <= 0:
		return 0 // also noCutoff: nothing is older than 0
	case t >= (1<<32)*1e9:
		return 1<<32 - 1
	}
	return uint32(t / 1e9)
}

// ent is one message mapping unpacked: what callers and records hold.
type ent struct {
	peer  int64
	seq   int64
	at    int64 // unix nanos, as records hold it
	id    int32
	scene uint8
	kind  uint8
}

// conv is one conversation of the slots: interned while slots refer to it.
type conv struct {
	peer  int64
	refs  uint32
	kind  uint8
	scene uint8
}

type convRef struct {
	kind, scene uint8
	peer        int64
}

// entOf unpacks slot s.
func (m *Memory) entOf(s *slot) ent {
	c := &m.convs[s.conv]
	return ent{peer: c.peer, seq: s.seq(), at: int64(s.at) * 1e9, id: s.id, scene: c.scene, kind: c.kind}
}

// intern returns the conv index of (kind, scene, peer), counting one more
// slot of it. The last one interned is checked first: consecutive
// messages mostly share a conversation.
func (m *Memory) intern(kind, scene uint8, peer int64) uint32 {
	if c := &m.convs[m.lastConv]; c.refs > 0 && c.peer == peer && c.kind == kind && c.scene == scene {
		c.refs++
		return m.lastConv
	}
	k := convRef{kind, scene, peer}
	x, ok := m.convIdx[k]
	if !ok {
		if n := len(m.convFree); n > 0 {
			x = m.convFree[n-1]
			m.convFree = m.convFree[:n-1]
		} else {
			x = uint32(len(m.convs))
			m.convs = append(m.convs, conv{})
		}
		m.convs[x] = conv{peer: peer, kind: kind, scene: scene}
		m.convIdx[k] = x
	}
	m.convs[x].refs++
	m.lastConv = x
	return x
}

// release drops one slot's reference to conv x, forgetting it at zero.
func (m *Memory) release(x uint32) {
	c := &m.convs[x]
	if c.refs--; c.refs == 0 {
		delete(m.convIdx, convRef{c.kind, c.scene, c.peer})
		m.convFree = append(m.convFree, x)
	}
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

// table is an open-addressing (linear probing, Robin Hood order) set of
// cells; 0 is an empty cell. Its size is twice the ring's (load <= 1/2)
// but at most 1.5 times MaxEntries (what it indexes are live slots, never
// more than MaxEntries + 1: load <= 2/3), so it need not be a power of
// two: the home cell of hash h is the low 32 bits of h scaled to the size.
//
// A cell packs, from the low end (see layout): ring index + 1 (rbits bits,
// 21 at a 1M-slot ring), the cell's distance from its home cell
// (distBits, saturating), and as many bits of the key's hash as are left
// (6 at a 1M-slot ring). The distances let insertion and deletion decide
// without reading slots: at the count limit every insert also deletes the
// oldest entry, and reading the slot of each cell it shifts to recompute
// that cell's home (random reads into a ring of tens of MB) cost most of a
// new id. A probe at distance k reads only the slot of a cell whose
// distance is k (so whose home cell is h's) and whose hash bits match.
type table []uint32

// distBits is the width of a cell's distance field. In Robin Hood order
// at the 2/3 load of a full table the mean distance is 1.0 and the
// largest 14-22, so none saturates (TestMeasureDistances at 1M entries:
// both tables, both kinds, seqs in order in one or 1000 conversations or
// at random); a saturated field (31 or more) is resolved by reading the
// cell's slot.
const distBits = 5

// layout is how the cells of both tables are packed; it depends on the
// ring's size, so it is set with the tables (rebuild).
type layout struct {
	rbits uint   // width of ring index + 1
	dbits uint   // width of the distance field
	low   uint32 // mask of ring index + 1
	dmax  uint32 // largest distance field: "this far or more, ask the ring"
	dmask uint32 // the distance field in place
	tmask uint32 // the hash bits in place
}

// newLayout packs ring indexes below 1<<rbits - 1 with a distance field
// of up to dbits bits.
func newLayout(rbits, dbits uint) layout {
	db := min(dbits, 32-rbits)
	l := layout{rbits: rbits, dbits: db, low: uint32(1)<<rbits - 1, dmax: uint32(1)<<db - 1}
	l.dmask = l.dmax << rbits
	l.tmask = ^uint32(0) << (rbits + db) // 0 when no bit is left
	return l
}

// key is what a cell of a key hashing to h holds above the ring index
// when it sits k cells past its home: a probe compares it whole.
func (l *layout) key(h uint64, k uint64) uint32 {
	return uint32(h>>32)<<(l.rbits+l.dbits)&l.tmask | uint32(min(k, uint64(l.dmax)))<<l.rbits
}

// dist is the distance field of cell v (dmax: at least that far).
func (l *layout) dist(v uint32) uint64 { return uint64(v & l.dmask >> l.rbits) }

// withDist is cell v moved to d cells past its home.
func (l *layout) withDist(v uint32, d uint64) uint32 {
	return v&^l.dmask | uint32(min(d, uint64(l.dmax)))<<l.rbits
}

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
	c := &m.convs[s.conv]
	return refHash(c.kind, c.scene, c.peer, s.seq())
}

func (m *Memory) slotIDHash(x uint32) uint64 {
	s := &m.ring.s[x]
	c := &m.convs[s.conv]
	return idHash(c.kind, c.scene, c.peer, s.id)
}

// findRef returns the ring index of the live slot for (kind, scene, peer, seq).
func (m *Memory) findRef(kind, scene uint8, peer, seq int64) (uint32, bool) {
	return m.findRefHashed(refHash(kind, scene, peer, seq), kind, scene, peer, seq)
}

// findRefHashed is findRef given the key's refHash h.
func (m *Memory) findRefHashed(h uint64, kind, scene uint8, peer, seq int64) (uint32, bool) {
	return m.byRef.probe(&m.lay, h, func(x uint32) bool {
		s := &m.ring.s[x]
		if s.seq() != seq {
			return false
		}
		c := &m.convs[s.conv]
		return c.peer == peer && c.kind == kind && c.scene == scene
	})
}

// findID returns the ring index of the live slot holding id: for kindID any
// scene and peer, for kindUp within (scene, peer).
func (m *Memory) findID(kind, scene uint8, peer int64, id int32) (uint32, bool) {
	return m.byID.probe(&m.lay, idHash(kind, scene, peer, id), func(x uint32) bool {
		s := &m.ring.s[x]
		if s.id != id {
			return false
		}
		c := &m.convs[s.conv]
		return c.kind == kind && (kind == kindID || (c.peer == peer && c.scene == scene))
	})
}

// probe walks t from the home cell of hash h and returns the first ring
// index whose cell could be h's at that distance (same distance field,
// same hash bits) and that match accepts (these only narrow: different
// keys can share them). It stops at a cell nearer its home than h's
// would be there: Robin Hood order (see insert) puts h's cell before it.
func (t table) probe(l *layout, h uint64, match func(x uint32) bool) (uint32, bool) {
	if len(t) == 0 {
		return 0, false
	}
	n := uint64(len(t))
	above := ^l.low
	for i, k := home(h, n), uint64(0); ; i, k = next(i, n), k+1 {
		v := t[i]
		if v == 0 {
			return 0, false
		}
		if d := l.dist(v); d < k && d < uint64(l.dmax) {
			return 0, false
		}
		if v&above != l.key(h, k) {
			continue
		}
		if x := v&l.low - 1; match(x) {
			return x, true
		}
	}
}

// home is the first cell of hash h in a table of n cells.
func home(h, n uint64) uint64 { return uint64(uint32(h)) * n >> 32 }

// next is the cell after i, wrapping at n.
func next(i, n uint64) uint64 {
	if i++; i == n {
		return 0
	}
	return i
}

// insert puts ring index x of a key hashing to h, in Robin Hood order:
// along a run of cells, a cell is never nearer its home than the cell
// before it is to that cell's own home, less one. Walking from its home,
// the new cell takes the first cell nearer its own home than the new
// one would be there, and the cell it displaces goes on the same way.
// That keeps distances short and even, lets a probe for a missing key
// stop early, and lets deletion stop at the first cell sitting at home.
// hashOf (a read of a slot) is asked only to compare two saturated
// distances.
func (t table) insert(l *layout, h uint64, x uint32, hashOf func(uint32) uint64) {
	n := uint64(len(t))
	dmax := uint64(l.dmax)
	v, d := l.key(h, 0)|(x+1), uint64(0) // the cell to place, its distance at i
	for i := home(h, n); ; i = next(i, n) {
		c := t[i]
		if c == 0 {
			t[i] = l.withDist(v, d)
			return
		}
		dc := l.dist(c)
		if dc == dmax && d >= dmax {
			dc = back(i, home(hashOf(c&l.low-1), n), n)
		}
		if dc < d {
			t[i] = l.withDist(v, d)
			v, d = c, dc
		}
		d++
	}
}

// remove deletes ring index x (found from its hash h) with backward-shift
// deletion, so the table never holds tombstones: the cells after it move
// back one, up to the first empty cell or cell at its home. Each cell's
// distance field says whether it is at home; hashOf (a read of its slot)
// is asked only when that field saturated.
func (t table) remove(l *layout, h uint64, x uint32, hashOf func(uint32) uint64) {
	n := uint64(len(t))
	i := home(h, n)
	for t[i]&l.low != x+1 {
		if t[i] == 0 {
			return // not indexed (cannot happen for a live slot)
		}
		i = next(i, n)
	}
	for {
		j := next(i, n)
		v := t[j]
		if v == 0 {
			break
		}
		d := l.dist(v)
		if d == uint64(l.dmax) { // (dmax 0: no field, every distance asked)
			d = back(j, home(hashOf(v&l.low-1), n), n)
		}
		if d == 0 {
			break
		}
		t[i] = l.withDist(v, d-1)
		i = j
	}
	t[i] = 0
}

// back is how many cells i lies before j, cyclically in n cells (no
// division: insert and remove run it for saturated distances).
func back(j, i, n uint64) uint64 {
	if j < i {
		return j + n - i
	}
	return j - i
}

// warm loads, back to back, the table cells adding a new entry is about
// to visit: the home cells of its keys (hashes hRef and hID) and, when
// adding it evicts the oldest slot (at the count limit, or expired), those
// of that slot's two keys. The loads do not depend on one another, so
// their cache misses (at 1M entries the tables are 6 MB each, visited at
// random) overlap instead of coming one after another. Only a hint: a
// wrong guess costs a load. The ring slot it will write is loaded too.
//
// Lookups of known entries call it too (they cannot know beforehand), so
// it is kept cheap: the oldest slot's key hashes are computed once per
// oldest slot, not per call. What they still pay is IDFor deriving the
// id for hID: BenchmarkIDForHot/log 38 -> 57 ns, against 710-780 -> 600-630
// ns for a new id at 1M entries (without it the new id's cell is a
// second miss after the lookup's).
func (m *Memory) warm(hRef, hID uint64, cutoff uint32) {
	v := m.byRef[home(hRef, uint64(len(m.byRef)))] + m.byID[home(hID, uint64(len(m.byID)))]
	if r := &m.ring; r.tail < r.head {
		if s := r.at(r.tail); s.conv != 0 && (m.live >= m.o.MaxEntries || s.at < cutoff) {
			if m.oldest.pos != r.tail+1 {
				x := r.index(r.tail)
				m.oldest.pos, m.oldest.hRef, m.oldest.hID = r.tail+1, m.slotRefHash(x), m.slotIDHash(x)
			}
			v += m.byRef[home(m.oldest.hRef, uint64(len(m.byRef)))]
			v += m.byID[home(m.oldest.hID, uint64(len(m.byID)))]
		}
	}
	if r := &m.ring; len(r.s) > 0 {
		// The slot the insert writes: at the limit with a ring larger than
		// MaxEntries it was last touched a lap of the ring ago.
		v += r.at(r.head).conv
	}
	m.sink += v // or the compiler drops the loads
}

// rebuild re-indexes every live slot; called after the ring grew.
func (m *Memory) rebuild() {
	n := min(2*len(m.ring.s), m.maxCells)
	b := m.bufs
	b.byRef = b.table(b.byRef, n)
	b.byID = b.table(b.byID, n)
	m.byRef, m.byID = cellsOf(b.byRef), cellsOf(b.byID)
	m.lay = newLayout(uint(bits.Len(uint(len(m.ring.s)))), distBits)
	for p := m.ring.tail; p < m.ring.head; p++ {
		if m.ring.at(p).conv == 0 {
			continue // dead
		}
		m.indexLocked(m.ring.index(p))
	}
}

// addLocked appends s as the newest slot, first killing whatever holds
// either of its keys (a refreshed or taken-over entry; in a replay, what
// the log says was replaced), then applies the count limit. fresh: the
// caller has just seen that neither key is held, so the look is skipped.
func (m *Memory) addLocked(s ent, fresh bool) {
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
	m.ring.s[x] = slot{at: slotTime(s.at), conv: m.intern(s.kind, s.scene, s.peer), id: s.id}
	m.ring.s[x].setSeq(s.seq)
	m.ring.head++
	m.indexLocked(x)
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

func (m *Memory) indexLocked(x uint32) {
	m.byRef.insert(&m.lay, m.slotRefHash(x), x, m.slotRefHash)
	m.byID.insert(&m.lay, m.slotIDHash(x), x, m.slotIDHash)
}

func (m *Memory) killLocked(x uint32) {
	m.byRef.remove(&m.lay, m.slotRefHash(x), x, m.slotRefHash)
	m.byID.remove(&m.lay, m.slotIDHash(x), x, m.slotIDHash)
	s := &m.ring.s[x]
	m.release(s.conv)
	s.conv = 0 // dead
	m.live--
}

// popLocked drops the oldest slot.
func (m *Memory) popLocked() {
	if m.ring.at(m.ring.tail).conv != 0 {
		m.killLocked(m.ring.index(m.ring.tail))
	}
	m.ring.tail++
}

func (m *Memory) dropDeadTail() {
	for m.ring.tail < m.ring.head && m.ring.at(m.ring.tail).conv == 0 {
		m.ring.tail++
	}
}

// expireLocked drops slots older than cutoff (a slotTime) from the old
// end; slots out of time order (a clock step back) are caught by the
// checks at lookup.
func (m *Memory) expireLocked(cutoff uint32) {
	for m.ring.tail < m.ring.head {
		s := m.ring.at(m.ring.tail)
		if s.conv != 0 && s.at >= cutoff {
			return
		}
		m.popLocked()
	}
}
