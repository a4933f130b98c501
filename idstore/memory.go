package idstore

import (
	"sync"
	"time"
)

// Memory is the non-durable store: the same id semantics as Store
// (deterministic ids, collision probing, retention), held in memory only.
// Ids still come out the same after a restart for refs that did not
// collide, because they are derived from the ref.
type Memory struct {
	o Options

	mu         sync.Mutex
	byRef      map[Ref]*entry
	byID       map[int32]*entry
	order      list // insertion order, oldest first
	seq        uint64
	hits       uint64
	misses     uint64
	collisions uint64
}

var _ Mapper = (*Memory)(nil)

// NewMemory returns an empty in-memory store.
func NewMemory(opts Options) *Memory {
	m := &Memory{
		o:     opts.withDefaults(),
		byRef: make(map[Ref]*entry),
		byID:  make(map[int32]*entry),
	}
	m.order.init()
	return m
}

// IDFor returns ref's id, assigning one if ref is new (or expired).
func (m *Memory) IDFor(ref Ref) int32 {
	ref.Scene = ownScene(ref.Scene)
	cutoff := m.o.cutoff()
	m.mu.Lock()
	defer m.mu.Unlock()
	if e := m.byRef[ref]; e != nil {
		if e.at < cutoff {
			// Expired but not yet swept: refresh it, the message keeps its id.
			m.seq++
			e.seq, e.at = m.seq, m.o.Now().UnixNano()
			m.order.moveToBack(e)
		}
		return e.id
	}
	m.expireLocked(cutoff)
	id := normalize(m.o.hash(ref))
	for collided := false; ; id = nextID(id) {
		h := m.byID[id]
		if h != nil && h.at < cutoff {
			m.removeLocked(h)
			h = nil
		}
		if h == nil {
			if collided {
				m.collisions++
			}
			break
		}
		collided = true
	}
	m.seq++
	e := &entry{ref: ref, id: id, state: stateCached, seq: m.seq, at: m.o.Now().UnixNano()}
	m.byRef[ref] = e
	m.byID[id] = e
	m.order.pushBack(e)
	for m.order.n > m.o.MaxEntries {
		m.removeLocked(m.order.front())
	}
	return id
}

// RefFor returns the ref an id was issued for, false if unknown or expired.
func (m *Memory) RefFor(id int32) (Ref, bool) {
	cutoff := m.o.cutoff()
	m.mu.Lock()
	defer m.mu.Unlock()
	m.expireLocked(cutoff)
	if e := m.byID[id]; e != nil && e.at >= cutoff {
		m.hits++
		return e.ref, true
	}
	m.misses++
	return Ref{}, false
}

// expireLocked drops expired entries from the old end; entries out of time
// order (a clock step back) are caught by the checks at lookup.
func (m *Memory) expireLocked(cutoff int64) {
	if cutoff == noCutoff {
		return
	}
	for e := m.order.front(); e != nil && e.at < cutoff; e = m.order.front() {
		m.removeLocked(e)
	}
}

func (m *Memory) removeLocked(e *entry) {
	m.order.remove(e)
	if m.byRef[e.ref] == e {
		delete(m.byRef, e.ref)
	}
	if m.byID[e.id] == e {
		delete(m.byID, e.id)
	}
	e.state = stateDead
}

// Flush is a no-op (nothing to persist); it exists to match Store.
func (m *Memory) Flush() error { return nil }

// Close is a no-op; the store stays usable.
func (m *Memory) Close() error { return nil }

// Stats reports the mapping size and counters.
func (m *Memory) Stats() Stats {
	m.mu.Lock()
	defer m.mu.Unlock()
	return Stats{
		Entries:    m.order.n,
		Hits:       m.hits,
		Misses:     m.misses,
		Collisions: m.collisions,
		Cached:     m.order.n,
		LastFlush:  time.Time{},
	}
}
