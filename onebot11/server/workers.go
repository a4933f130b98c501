package server

import (
	"runtime"
	"sync/atomic"
	"time"
)

// workerIdleTimeout ends a worker that got no work for this long: under
// load workers stay busy and keep their stacks; a quiet gateway keeps no
// goroutines around.
const workerIdleTimeout = 2 * time.Second

// workers runs the per-action goroutines (request handler, backend call,
// _async call) on reused goroutines. A fresh goroutine starts with an 8 KiB
// stack, and encoding JSON with goccy/go-json needs several times that, so
// every action used to pay for growing (copying) new stacks; a reused
// goroutine keeps its grown stack.
//
// spawn behaves like the go statement: f starts at once. It is handed to an
// idle worker if one is waiting, else it gets a new goroutine, which
// afterwards waits for more work while fewer than maxIdle others wait. So
// there is no queue and no waiting for a free worker, the busy goroutines
// are exactly those the go statements made, and at most maxIdle idle ones
// stay around, each until workerIdleTimeout passes without work or done
// closes (Shutdown).
type workers struct {
	work        chan func() // unbuffered: a send succeeds only into a waiting worker
	idle        atomic.Int32
	maxIdle     int32
	idleTimeout time.Duration
	done        <-chan struct{}
}

func newWorkers(done <-chan struct{}) *workers {
	return &workers{
		work:        make(chan func()),
		maxIdle:     int32(max(4*runtime.GOMAXPROCS(0), 8)),
		idleTimeout: workerIdleTimeout,
		done:        done,
	}
}

func (w *workers) spawn(f func()) {
	select {
	case w.work <- f:
	default:
		go w.loop(f)
	}
}

func (w *workers) loop(f func()) {
	var timer *time.Timer
	for {
		f()
		f = nil // do not keep the finished call's data alive while idle
		if w.idle.Add(1) > w.maxIdle {
			w.idle.Add(-1)
			return
		}
		if timer == nil {
			timer = time.NewTimer(w.idleTimeout)
		} else {
			timer.Reset(w.idleTimeout) // Go >= 1.23: no stale tick to drain
		}
		select {
		case f = <-w.work:
			w.idle.Add(-1)
		case <-timer.C:
			w.idle.Add(-1)
			return
		case <-w.done:
			w.idle.Add(-1)
			timer.Stop()
			return
		}
	}
}
