package ob11test

import "sync"

// pipe delivers values in order on an unbuffered channel without ever
// blocking the producer (a socket reader must not stall because a test has
// not consumed events yet). After close, the remaining values are still
// delivered and then the channel is closed; abort discards them.
type pipe[T any] struct {
	mu     sync.Mutex
	items  []T
	closed bool
	wake   chan struct{}
	abort  chan struct{}
	once   sync.Once
	out    chan T
}

func newPipe[T any]() *pipe[T] {
	p := &pipe[T]{wake: make(chan struct{}, 1), abort: make(chan struct{}), out: make(chan T)}
	go p.pump()
	return p
}

func (p *pipe[T]) put(v T) {
	p.mu.Lock()
	if p.closed {
		p.mu.Unlock()
		return
	}
	p.items = append(p.items, v)
	p.mu.Unlock()
	p.poke()
}

func (p *pipe[T]) close() {
	p.mu.Lock()
	p.closed = true
	p.mu.Unlock()
	p.poke()
}

func (p *pipe[T]) stop() { p.once.Do(func() { close(p.abort) }) }

func (p *pipe[T]) poke() {
	select {
	case p.wake <- struct{}{}:
	default:
	}
}

func (p *pipe[T]) pump() {
	defer close(p.out)
	for {
		p.mu.Lock()
		if len(p.items) == 0 {
			closed := p.closed
			p.mu.Unlock()
			if closed {
				return
			}
			select {
			case <-p.wake:
			case <-p.abort:
				return
			}
			continue
		}
		v := p.items[0]
		var zero T
		p.items[0] = zero
		p.items = p.items[1:]
		p.mu.Unlock()
		select {
		case p.out <- v:
		case <-p.abort:
			return
		}
	}
}
