package transport

import "sync"

// DropReason says why a Queue lost an event; observers label metrics with it.
type DropReason string

const (
	// DropQueueFull: the queue held MaxEvents events, so the oldest went.
	DropQueueFull DropReason = "queue_full"
	// DropQueueBytes: the queue held MaxBytes bytes, so the oldest went.
	DropQueueBytes DropReason = "queue_bytes"
	// DropTooLarge: the event alone is bigger than MaxBytes; it was refused.
	DropTooLarge DropReason = "too_large"
)

var dropReasons = [...]DropReason{DropQueueFull, DropQueueBytes, DropTooLarge}

// QueueConfig bounds a Queue. Zero values take the defaults.
type QueueConfig struct {
	MaxEvents int // default 4096
	MaxBytes  int // default 64 MiB
	// OnDrop, when set, is called (outside the lock) once per lost event.
	OnDrop func(DropReason)
	// OnDepth, when set, is called (outside the lock) with the new length
	// after every push and commit.
	OnDepth func(int)
}

const (
	DefaultQueueEvents = 4096
	DefaultQueueBytes  = 64 << 20
	minRing            = 16
)

// Queue is the bounded FIFO of encoded events waiting for one subscriber (a
// WebSocket, an SSE stream, a webhook URL). Push never blocks: when the
// queue is full the oldest events are dropped and counted. The subscriber's
// single writer peeks a batch, writes it, and commits only what was written,
// so a failed write loses nothing: the events stay queued for the next
// attempt. Payloads are shared, never copied, so they must not be modified
// after Push. Storage is a ring that grows by doubling up to MaxEvents:
// push, drop and commit are O(1).
type Queue struct {
	maxEvents, maxBytes int
	onDrop              func(DropReason)
	onDepth             func(int)
	notify              chan struct{}

	mu   sync.Mutex
	ring [][]byte
	// owners parallels ring for events pushed with PushOwned (nil until
	// the first): Commit releases each committed event's owner.
	owners  []Releaser
	head    int    // index in ring of the oldest event
	n       int    // events queued
	bytes   int    // sum of their lengths
	headSeq uint64 // sequence number of the oldest event
	dropped [len(dropReasons)]uint64
}

// NewQueue builds an empty queue.
func NewQueue(cfg QueueConfig) *Queue {
	if cfg.MaxEvents <= 0 {
		cfg.MaxEvents = DefaultQueueEvents
	}
	if cfg.MaxBytes <= 0 {
		cfg.MaxBytes = DefaultQueueBytes
	}
	return &Queue{
		maxEvents: cfg.MaxEvents, maxBytes: cfg.MaxBytes,
		onDrop: cfg.OnDrop, onDepth: cfg.OnDepth,
		notify: make(chan struct{}, 1),
	}
}

// Releaser is told when a queue is done with an event it was given by
// PushOwned: the subscriber committed it, so neither the queue nor the
// subscriber's writer holds its bytes any more. An event the queue drops
// (overflow, Discard) is not released: a writer may still be using a
// batch it peeked, so such an event is left to the garbage collector.
type Releaser interface{ Release() }

// Ready has a token whenever something was pushed since the writer last
// took it. A stale token only costs the writer one empty Peek.
func (q *Queue) Ready() <-chan struct{} { return q.notify }

// Push appends ev, dropping the oldest events while the queue is over
// either bound. It reports how many events were lost making room (ev
// itself counts when it alone exceeds MaxBytes).
func (q *Queue) Push(ev []byte) (dropped int) { return q.PushOwned(ev, nil) }

// PushOwned is Push, and once the subscriber commits ev the queue calls
// owner.Release (owner nil: nothing to tell). An event refused or dropped
// is never released.
func (q *Queue) PushOwned(ev []byte, owner Releaser) (dropped int) {
	if len(ev) > q.maxBytes {
		q.mu.Lock()
		q.dropped[2]++
		q.mu.Unlock()
		q.reportDrop(DropTooLarge, 1)
		return 1
	}
	var byCount, byBytes int
	q.mu.Lock()
	for q.n >= q.maxEvents {
		q.popLocked()
		byCount++
	}
	for q.n > 0 && q.bytes+len(ev) > q.maxBytes {
		q.popLocked()
		byBytes++
	}
	if q.n == len(q.ring) {
		q.growLocked()
	}
	slot := (q.head + q.n) % len(q.ring)
	q.ring[slot] = ev
	if owner != nil && q.owners == nil {
		q.owners = make([]Releaser, len(q.ring))
	}
	if q.owners != nil {
		q.owners[slot] = owner
	}
	q.n++
	q.bytes += len(ev)
	q.dropped[0] += uint64(byCount)
	q.dropped[1] += uint64(byBytes)
	depth := q.n
	q.mu.Unlock()

	q.reportDrop(DropQueueFull, byCount)
	q.reportDrop(DropQueueBytes, byBytes)
	if q.onDepth != nil {
		q.onDepth(depth)
	}
	select {
	case q.notify <- struct{}{}:
	default:
	}
	return byCount + byBytes
}

func (q *Queue) reportDrop(r DropReason, n int) {
	if q.onDrop == nil {
		return
	}
	for range n {
		q.onDrop(r)
	}
}

func (q *Queue) popLocked() {
	q.bytes -= len(q.ring[q.head])
	q.ring[q.head] = nil
	if q.owners != nil {
		q.owners[q.head] = nil
	}
	q.head = (q.head + 1) % len(q.ring)
	q.n--
	q.headSeq++
}

// growLocked doubles the ring (up to maxEvents), unwrapping it. Amortised
// O(1) per push; a queue that never backs up stays at minRing slots.
func (q *Queue) growLocked() {
	size := max(minRing, 2*len(q.ring))
	size = min(size, q.maxEvents)
	ring := make([][]byte, size)
	for i := range q.n {
		ring[i] = q.ring[(q.head+i)%len(q.ring)]
	}
	if q.owners != nil {
		owners := make([]Releaser, size)
		for i := range q.n {
			owners[i] = q.owners[(q.head+i)%len(q.ring)]
		}
		q.owners = owners
	}
	q.ring, q.head = ring, 0
}

// Mark identifies a peeked batch for Commit.
type Mark struct {
	seq uint64
	n   int
}

// Len is the number of events in the batch.
func (m Mark) Len() int { return m.n }

// Peek appends to dst up to maxEvents of the oldest events (all when
// maxEvents <= 0), stopping before the batch would exceed maxBytes bytes
// (at least one event is always taken; no byte limit when maxBytes <= 0).
// Nothing is removed: Commit does that after the write succeeded.
func (q *Queue) Peek(dst [][]byte, maxEvents, maxBytes int) ([][]byte, Mark) {
	q.mu.Lock()
	defer q.mu.Unlock()
	m := Mark{seq: q.headSeq}
	size := 0
	for i := 0; i < q.n; i++ {
		if maxEvents > 0 && i >= maxEvents {
			break
		}
		ev := q.ring[(q.head+i)%len(q.ring)]
		if maxBytes > 0 && i > 0 && size+len(ev) > maxBytes {
			break
		}
		size += len(ev)
		dst = append(dst, ev)
		m.n++
	}
	return dst, m
}

// Commit removes the first n events of the batch m (n > m.Len() is
// clamped), those written successfully. Events of the batch that overflow
// already dropped are not removed twice.
func (q *Queue) Commit(m Mark, n int) {
	n = min(n, m.n)
	if n <= 0 {
		return
	}
	q.mu.Lock()
	end := m.seq + uint64(n)
	var release [64]Releaser // released outside the lock; a commit is rarely longer
	rel := release[:0]
	for q.n > 0 && q.headSeq < end {
		if q.owners != nil {
			if o := q.owners[q.head]; o != nil {
				rel = append(rel, o)
			}
		}
		q.popLocked()
	}
	depth := q.n
	q.mu.Unlock()
	for _, o := range rel {
		o.Release()
	}
	if q.onDepth != nil {
		q.onDepth(depth)
	}
}

// Fits reports whether an event of n bytes would be queued now without
// dropping another. A caller with somewhere else to put events (a spool)
// asks before Push; the answer holds only while nobody else pushes.
func (q *Queue) Fits(n int) bool {
	q.mu.Lock()
	defer q.mu.Unlock()
	return n <= q.maxBytes && q.n < q.maxEvents && q.bytes+n <= q.maxBytes
}

// Len is the number of queued events.
func (q *Queue) Len() int {
	q.mu.Lock()
	defer q.mu.Unlock()
	return q.n
}

// Bytes is the sum of the queued events' lengths.
func (q *Queue) Bytes() int {
	q.mu.Lock()
	defer q.mu.Unlock()
	return q.bytes
}

// Dropped is how many events this queue lost for reason r.
func (q *Queue) Dropped(r DropReason) uint64 {
	q.mu.Lock()
	defer q.mu.Unlock()
	for i, x := range dropReasons {
		if x == r {
			return q.dropped[i]
		}
	}
	return 0
}

// Discard empties the queue (a subscriber that left for good) and returns
// how many events it held. They are not counted as drops: the caller knows
// why they went and may report them.
func (q *Queue) Discard() int {
	q.mu.Lock()
	n := q.n
	q.headSeq += uint64(n)
	q.ring, q.owners, q.head, q.n, q.bytes = nil, nil, 0, 0, 0
	q.mu.Unlock()
	if n > 0 && q.onDepth != nil {
		q.onDepth(0)
	}
	return n
}
