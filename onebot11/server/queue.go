package server

import "sync"

// eventQueue is the bounded FIFO of encoded events waiting for one target (a
// forward WS connection, a reverse WS URL or a webhook URL). Publish pushes
// without blocking; when the queue is full the oldest event is dropped and
// counted. The target's sender peeks the head, writes it, and only then
// commits it, so an event whose write failed stays queued for the next
// attempt (reverse WS reconnect, webhook retry).
type eventQueue struct {
	transport, target string
	max               int
	obs               Observer
	// reportDepth is false for forward connections: they come and go, and
	// a gauge per remote address would grow without bound.
	reportDepth bool

	mu      sync.Mutex
	items   [][]byte
	head    int    // index of the oldest item in items
	headSeq uint64 // sequence number of items[head]
	// notify has room for one token; a push leaves one so a sleeping sender
	// wakes. A stale token only costs the sender one empty look.
	notify chan struct{}
}

func newEventQueue(transport, target string, max int, obs Observer) *eventQueue {
	return &eventQueue{transport: transport, target: target, max: max, obs: obs, reportDepth: true, notify: make(chan struct{}, 1)}
}

// push appends ev, dropping the oldest event when full. It never blocks.
func (q *eventQueue) push(ev []byte) {
	q.mu.Lock()
	dropped := false
	if len(q.items)-q.head >= q.max {
		q.items[q.head] = nil
		q.head++
		q.headSeq++
		dropped = true
	}
	q.items = append(q.items, ev)
	// Reclaim the consumed prefix once it is at least half the slice, so the
	// backing array stays within about twice the live length.
	if q.head >= 64 && q.head*2 >= len(q.items) {
		n := copy(q.items, q.items[q.head:])
		clear(q.items[n:])
		q.items = q.items[:n]
		q.head = 0
	}
	depth := len(q.items) - q.head
	q.mu.Unlock()

	if dropped {
		q.obs.EventDropped(q.transport, "buffer_full")
	}
	q.depth(depth)
	select {
	case q.notify <- struct{}{}:
	default:
	}
}

// peek returns the oldest event and its sequence number without removing it.
func (q *eventQueue) peek() ([]byte, uint64, bool) {
	q.mu.Lock()
	defer q.mu.Unlock()
	if q.head >= len(q.items) {
		return nil, 0, false
	}
	return q.items[q.head], q.headSeq, true
}

// commit removes the head if it is still the event with sequence seq (a
// concurrent drop-oldest may already have removed it).
func (q *eventQueue) commit(seq uint64) {
	q.mu.Lock()
	if q.head >= len(q.items) || q.headSeq != seq {
		q.mu.Unlock()
		return
	}
	q.items[q.head] = nil
	q.head++
	q.headSeq++
	depth := len(q.items) - q.head
	if depth == 0 {
		q.items = q.items[:0]
		q.head = 0
	}
	q.mu.Unlock()
	q.depth(depth)
}

func (q *eventQueue) depth(n int) {
	if q.reportDepth {
		q.obs.QueueDepth(q.transport, q.target, n)
	}
}

// len is the number of queued events.
func (q *eventQueue) len() int {
	q.mu.Lock()
	defer q.mu.Unlock()
	return len(q.items) - q.head
}

// discard empties the queue and returns how many events it held.
func (q *eventQueue) discard() int {
	q.mu.Lock()
	n := len(q.items) - q.head
	q.items, q.head, q.headSeq = nil, 0, q.headSeq+uint64(n)
	q.mu.Unlock()
	if n > 0 {
		q.depth(0)
	}
	return n
}
