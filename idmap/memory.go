package idmap

import (
	"errors"
	"fmt"
	"math/bits"
	"sync"
)

// Memory implements Mapper, SeqMapper and FlagMapper in memory, with
// retention by count and age. On its own it is the store of tests and of a
// gateway without a data directory (ids of refs that did not collide still
// come out the same after a restart, because they are derived from the
// ref); with a Journal it is the in-memory half of idstore.Store.
//
// Every method takes one mutex; lookups of known entries do not allocate.
type Memory struct {
	o Options

	mu    sync.Mutex
	ring  ring
	byRef table
	byID  table
	bufs  *arenaBufs // the memory of ring, byRef and byID
	// maxCells caps the tables' size (load <= 2/3 at MaxEntries).
	maxCells int
	// convs are the conversations slots refer to (interned, refcounted);
	// convIdx finds them, convFree are unused indexes.
	convs    []conv
	convIdx  map[convRef]uint32
	convFree []uint32
	lastConv uint32
	lay      layout // how table cells are packed
	live     int
	conv     map[convKey]int64 // highest seq issued per conversation (SeqMapper)
	fl       flagSet
	rec      Record // journal scratch, under mu

	hits, misses, collisions uint64

	sink   uint32 // where warm's loads go
	oldest struct {
		pos       uint64 // ring position + 1 the hashes are of (positions are never reused)
		hRef, hID uint64
	}
}

// convKey is a conversation: scene code and peer.
type convKey struct {
	scene uint8
	peer  int64
}

var (
	_ Mapper     = (*Memory)(nil)
	_ SeqMapper  = (*Memory)(nil)
	_ FlagMapper = (*Memory)(nil)
)

// NewMemory returns an empty in-memory map.
func NewMemory(opts Options) *Memory {
	m := &Memory{o: opts.withDefaults(), conv: make(map[convKey]int64)}
	m.convs = make([]conv, 1, 16) // index 0: dead slots
	m.convIdx = make(map[convRef]uint32)
	m.bufs = newArenaBufs(m, m.o.Arena)
	// Room the arena may reserve: the ring reaches the power of two above
	// MaxEntries, twice that if dead slots (refreshes, takeovers) fill it.
	slots := 2 << bits.Len(uint(max(m.o.MaxEntries, minRing)-1))
	m.bufs.ringMax, m.bufs.tableMax = slots*slotSize, 2*slots*cellSize
	// Tables index live slots only (at most MaxEntries + 1 while adding).
	m.maxCells = max(m.o.MaxEntries+m.o.MaxEntries/2, 2*minRing)
	m.growRing()
	m.rebuild()
	m.fl.init()
	return m
}

const noCutoff = -1 << 63

// cutoff is the oldest insertion time (unix nanos) still alive; without an
// age limit it is noCutoff and the clock is not read. Flags compare it as
// it is, message mappings as slotCutoff (whole seconds).
func (m *Memory) cutoff() int64 {
	if m.o.MaxAge <= 0 {
		return noCutoff
	}
	return m.o.Now().Add(-m.o.MaxAge).UnixNano()
}

// slotCutoff is cutoff as a slot time: a slot is alive while its at is at
// least this (0 without an age limit: every slot).
func (m *Memory) slotCutoff() uint32 { return slotTime(m.cutoff()) }

func (m *Memory) now() int64 { return m.o.Now().UnixNano() }

func (m *Memory) derive(ref Ref) int32 { return NormalizeID(m.o.Hash(ref)) }

// IDFor returns ref's OneBot message_id, assigning one if ref is new or
// expired: its derived id, or on a collision the next free one. A ref of
// a scene SceneCode does not know gets its derived id, unrecorded.
func (m *Memory) IDFor(ref Ref) int32 {
	sc, ok := SceneCode(ref.Scene)
	if !ok {
		return m.derive(ref)
	}
	cutoff := m.slotCutoff()
	derived := m.derive(ref)
	m.mu.Lock()
	defer m.mu.Unlock()
	// Most refs met are new (a message's first event): fetch the cells
	// the insert visits while the lookup waits for its own.
	h := refHash(kindID, sc, ref.Peer, ref.Seq)
	m.warm(h, idHash(kindID, 0, 0, derived), cutoff)
	if x, ok := m.findRefHashed(h, kindID, sc, ref.Peer, ref.Seq); ok {
		s := &m.ring.s[x]
		if s.at >= cutoff {
			return s.id
		}
		// Expired but still holding its id: refresh it, the message keeps its id.
		ns := m.entOf(s)
		ns.at = m.now()
		m.addLocked(ns, false)
		m.journalEnt(&ns)
		return ns.id
	}
	m.expireLocked(cutoff)
	id := derived
	for collided := false; ; id = NextID(id) {
		x, ok := m.findID(kindID, 0, 0, id)
		if ok && m.ring.s[x].at < cutoff {
			m.killLocked(x) // an expired holder gives its id up
			ok = false
		}
		if !ok {
			if collided {
				m.collisions++
			}
			break
		}
		collided = true
	}
	s := ent{peer: ref.Peer, seq: ref.Seq, at: m.now(), id: id, scene: sc, kind: kindID}
	m.addLocked(s, true)
	m.journalEnt(&s)
	return id
}

// RefFor returns the ref id was issued for; false if unknown or expired.
func (m *Memory) RefFor(id int32) (Ref, bool) {
	cutoff := m.slotCutoff()
	m.mu.Lock()
	defer m.mu.Unlock()
	if id > 0 {
		if x, ok := m.findID(kindID, 0, 0, id); ok && m.ring.s[x].at >= cutoff {
			m.hits++
			return m.refOf(x), true
		}
	}
	m.misses++
	return Ref{}, false
}

func (m *Memory) refOf(x uint32) Ref {
	s := &m.ring.s[x]
	c := &m.convs[s.conv]
	scene, _ := SceneName(c.scene)
	return Ref{Scene: scene, Peer: c.peer, Seq: s.seq()}
}

// RefForUpstream implements SeqMapper. When upstreamSeq > 0 but that seq
// already belongs to another live upstream message of the conversation,
// the conversation's next seq is used instead, so two messages never share
// a Ref. A scene SceneCode does not know is answered unrecorded with
// upstreamSeq as the seq.
func (m *Memory) RefForUpstream(scene string, peer int64, id int32, upstreamSeq int64) Ref {
	sc, ok := SceneCode(scene)
	if !ok {
		return Ref{Scene: scene, Peer: peer, Seq: upstreamSeq}
	}
	name, _ := SceneName(sc)
	cutoff := m.slotCutoff()
	m.mu.Lock()
	defer m.mu.Unlock()
	// next: the conversation's next seq, for an id the upstream gives none
	// a seq for (read once: nothing below changes it before the insert).
	next := int64(0)
	guess := upstreamSeq
	if guess <= 0 {
		next = m.conv[convKey{sc, peer}] + 1
		guess = next
	}
	// Most ids met are new (a message's first event): fetch the cells the
	// insert visits (for the seq it most likely gets) while the lookup
	// waits for its own, as IDFor does.
	m.warm(refHash(kindUp, sc, peer, guess), idHash(kindUp, sc, peer, id), cutoff)
	if x, ok := m.findID(kindUp, sc, peer, id); ok {
		s := &m.ring.s[x]
		if s.at >= cutoff {
			return Ref{Scene: name, Peer: peer, Seq: s.seq()}
		}
		ns := m.entOf(s)
		ns.at = m.now()
		m.addLocked(ns, false)
		m.journalEnt(&ns)
		return Ref{Scene: name, Peer: peer, Seq: ns.seq}
	}
	m.expireLocked(cutoff)
	seq := upstreamSeq
	// fresh: neither key is held, not even by an expired slot, so the
	// insert need not look again. The id was just seen free; the seq is
	// known free when it was looked up and found nowhere, or when it is the
	// conversation's next: every slot of the conversation, expired ones
	// included, holds a seq at most its high-water mark (addLocked raises
	// the mark with each insert, replays included).
	fresh := false
	if seq > 0 {
		x, ok := m.findRef(kindUp, sc, peer, seq)
		switch {
		case !ok:
			fresh = true
		case m.ring.s[x].at >= cutoff:
			seq = 0
		}
	}
	if seq <= 0 {
		if next == 0 {
			next = m.conv[convKey{sc, peer}] + 1
		}
		seq, fresh = next, true
	}
	s := ent{peer: peer, seq: seq, at: m.now(), id: id, scene: sc, kind: kindUp}
	m.addLocked(s, fresh) // otherwise an expired holder of the seq may remain
	m.journalEnt(&s)
	return Ref{Scene: name, Peer: peer, Seq: seq}
}

// UpstreamID implements SeqMapper.
func (m *Memory) UpstreamID(ref Ref) (int32, bool) {
	sc, ok := SceneCode(ref.Scene)
	cutoff := m.slotCutoff()
	m.mu.Lock()
	defer m.mu.Unlock()
	if ok {
		if x, ok := m.findRef(kindUp, sc, ref.Peer, ref.Seq); ok && m.ring.s[x].at >= cutoff {
			m.hits++
			return m.ring.s[x].id, true
		}
	}
	m.misses++
	return 0, false
}

func (m *Memory) journalEnt(s *ent) {
	if m.o.Journal == nil {
		return
	}
	r := &m.rec
	*r = Record{Kind: RecordID, Peer: s.peer, Seq: s.seq, ID: s.id, At: s.at}
	if s.kind == kindUp {
		r.Kind = RecordUpstream
	}
	r.Scene, _ = SceneName(s.scene)
	m.o.Journal.Append(r)
}

// Flush applies retention now (expired entries are otherwise dropped as
// new ones arrive). It never fails; the error matches idstore.Store.
func (m *Memory) Flush() error {
	cutoff := m.cutoff()
	m.mu.Lock()
	defer m.mu.Unlock()
	m.expireLocked(slotTime(cutoff))
	m.fl.expire(cutoff)
	return nil
}

// Close is a no-op; the map stays usable.
func (m *Memory) Close() error { return nil }

// Stats reports sizes and counters.
func (m *Memory) Stats() Stats {
	m.mu.Lock()
	defer m.mu.Unlock()
	return Stats{
		Entries:    m.live,
		Flags:      m.fl.live,
		Hits:       m.hits,
		Misses:     m.misses,
		Collisions: m.collisions,
		Cached:     m.live + m.fl.live,
	}
}

// ErrBadRecord is returned by Load for a record no Memory could have written.
var ErrBadRecord = errors.New("idmap: bad record")

// Load applies a journaled record without journaling it again: replaying
// a journal's records in order rebuilds the Memory that wrote them
// (retention included; call Flush afterwards to drop what expired since).
func (m *Memory) Load(r *Record) error {
	m.mu.Lock()
	defer m.mu.Unlock()
	switch r.Kind {
	case RecordID, RecordUpstream, RecordConvSeq:
		sc, ok := SceneCode(r.Scene)
		if !ok {
			return fmt.Errorf("%w: scene %q", ErrBadRecord, r.Scene)
		}
		switch r.Kind {
		case RecordID:
			if r.ID < 1 {
				return fmt.Errorf("%w: message_id %d", ErrBadRecord, r.ID)
			}
			m.addLocked(ent{peer: r.Peer, seq: r.Seq, at: r.At, id: r.ID, scene: sc, kind: kindID}, false)
		case RecordUpstream:
			m.addLocked(ent{peer: r.Peer, seq: r.Seq, at: r.At, id: r.ID, scene: sc, kind: kindUp}, false)
		default:
			if ck := (convKey{sc, r.Peer}); r.Seq > m.conv[ck] {
				m.conv[ck] = r.Seq
			}
		}
	case RecordFlag, RecordFlagSeq:
		kc, ok := FlagKindCode(r.FlagKind)
		if !ok {
			return fmt.Errorf("%w: flag kind %q", ErrBadRecord, r.FlagKind)
		}
		if r.Kind == RecordFlagSeq {
			m.fl.raise(kc, r.Seq)
			return nil
		}
		if len(r.Flag) > MaxFlagLen || r.Seq < 1 {
			return fmt.Errorf("%w: flag of %d bytes, seq %d", ErrBadRecord, len(r.Flag), r.Seq)
		}
		m.fl.add(kc, r.Flag, r.Seq, r.At, m.o.MaxEntries)
	default:
		return fmt.Errorf("%w: kind %d", ErrBadRecord, r.Kind)
	}
	return nil
}

// snapshotChunk bounds the records copied under the lock at a time.
const snapshotChunk = 4096

// Snapshot writes out the live state as records for a compacted journal.
// begin runs under the lock before anything is copied (the journal marks
// its position there); emit then receives batches, each copied under the
// lock and emitted without it, so lookups continue meanwhile. Loading the
// batches in order, then every record journaled after begin, rebuilds the
// Memory. emit must not keep the slice.
func (m *Memory) Snapshot(begin func(), emit func([]Record) error) error {
	buf := make([]Record, 0, snapshotChunk)
	cutoff := m.cutoff()
	slotCut := slotTime(cutoff)
	m.mu.Lock()
	if begin != nil {
		begin()
	}
	pos, end := m.ring.tail, m.ring.head
	fpos, fend := m.fl.base, m.fl.base+uint64(len(m.fl.q))
	// High-water marks first; later changes raise them through the journal.
	hw := make([]Record, 0, len(m.conv)+numFlagKinds)
	for ck, seq := range m.conv {
		scene, _ := SceneName(ck.scene)
		hw = append(hw, Record{Kind: RecordConvSeq, Scene: scene, Peer: ck.peer, Seq: seq})
	}
	for k := uint8(1); k <= numFlagKinds; k++ {
		if seq := m.fl.high[k]; seq > 0 {
			name, _ := FlagKindName(k)
			hw = append(hw, Record{Kind: RecordFlagSeq, FlagKind: name, Seq: seq})
		}
	}
	m.mu.Unlock()
	if err := emit(hw); err != nil {
		return err
	}
	for pos < end {
		buf = buf[:0]
		m.mu.Lock()
		pos = max(pos, m.ring.tail)
		for ; pos < end && len(buf) < snapshotChunk; pos++ {
			if s := m.ring.at(pos); s.conv == 0 || s.at < slotCut {
				continue
			}
			s := m.entOf(m.ring.at(pos))
			r := Record{Kind: RecordID, Peer: s.peer, Seq: s.seq, ID: s.id, At: s.at}
			if s.kind == kindUp {
				r.Kind = RecordUpstream
			}
			r.Scene, _ = SceneName(s.scene)
			buf = append(buf, r)
		}
		m.mu.Unlock()
		if err := emit(buf); err != nil {
			return err
		}
	}
	for fpos < fend {
		buf = buf[:0]
		m.mu.Lock()
		fpos = max(fpos, m.fl.base)
		for ; fpos < fend && len(buf) < snapshotChunk; fpos++ {
			e := &m.fl.q[fpos-m.fl.base]
			if !e.live || e.at < cutoff {
				continue
			}
			name, _ := FlagKindName(e.kind)
			buf = append(buf, Record{Kind: RecordFlag, FlagKind: name, Flag: e.flag, Seq: e.seq, At: e.at})
		}
		m.mu.Unlock()
		if err := emit(buf); err != nil {
			return err
		}
	}
	return nil
}
