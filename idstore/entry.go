package idstore

import "math"

// entry is one mapping held in memory. ref, id, seq and at never change
// after creation (a refresh makes a new entry), so a flush can encode an
// entry without a lock; state and the list links belong to the owner's mutex.
type entry struct {
	ref   Ref
	id    int32
	state entryState
	isNew bool   // took a free id (not a refresh or an expired slot); for Stats
	seq   uint64 // insertion order, the retention key
	at    int64  // insertion/refresh time, unix nanos

	prev, next *entry
}

type entryState uint8

const (
	stateNone    entryState = iota // decoded from disk, not in memory
	statePending                   // in memory, not yet committed
	stateCached                    // in memory and committed (evictable)
	stateDead                      // replaced, swept or evicted
)

// list is an intrusive doubly linked list: front = oldest, back = newest.
// The Store uses it as its LRU, the Memory store as insertion order.
type list struct {
	root entry
	n    int
}

func (l *list) init() {
	l.root.next = &l.root
	l.root.prev = &l.root
}

func (l *list) front() *entry {
	if l.n == 0 {
		return nil
	}
	return l.root.next
}

func (l *list) pushBack(e *entry) {
	at := l.root.prev
	e.prev = at
	e.next = &l.root
	at.next = e
	l.root.prev = e
	l.n++
}

func (l *list) remove(e *entry) {
	if e.prev == nil {
		return
	}
	e.prev.next = e.next
	e.next.prev = e.prev
	e.prev, e.next = nil, nil
	l.n--
}

func (l *list) moveToBack(e *entry) {
	if l.root.prev == e {
		return
	}
	l.remove(e)
	l.pushBack(e)
}

// normalize maps any int32 (e.g. from a test hash hook) into 1..2^31-1.
func normalize(id int32) int32 {
	v := id & math.MaxInt32
	if v == 0 {
		v = 1
	}
	return v
}
