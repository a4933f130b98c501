package milkytest

import (
	"context"
	"fmt"
	"sync"
)

// queue is an unbounded FIFO of events with an end: producers never block,
// consumers wait with a context.
type queue struct {
	mu     sync.Mutex
	items  []Event
	notify chan struct{} // closed and replaced on every change
	err    error         // set once: the source ended
}

func newQueue() *queue { return &queue{notify: make(chan struct{})} }

func (q *queue) push(e Event) {
	q.mu.Lock()
	q.items = append(q.items, e)
	close(q.notify)
	q.notify = make(chan struct{})
	q.mu.Unlock()
}

// end marks the source finished; readers get err after the queued events.
func (q *queue) end(err error) {
	q.mu.Lock()
	if q.err == nil {
		q.err = err
		close(q.notify)
		q.notify = make(chan struct{})
	}
	q.mu.Unlock()
}

// nextWhere removes and returns the first queued event match accepts,
// discarding the ones before it, waiting for more until ctx ends.
func (q *queue) nextWhere(ctx context.Context, match func(Event) bool) (Event, error) {
	for {
		q.mu.Lock()
		for len(q.items) > 0 {
			e := q.items[0]
			q.items[0] = Event{}
			q.items = q.items[1:]
			if match == nil || match(e) {
				q.mu.Unlock()
				return e, nil
			}
		}
		err, ch := q.err, q.notify
		q.mu.Unlock()
		if err != nil {
			return Event{}, err
		}
		select {
		case <-ch:
		case <-ctx.Done():
			return Event{}, fmt.Errorf("waiting for an event: %w", ctx.Err())
		}
	}
}

// len is the number of queued events.
func (q *queue) len() int {
	q.mu.Lock()
	defer q.mu.Unlock()
	return len(q.items)
}
