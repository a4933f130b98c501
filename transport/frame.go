package transport

import (
	"sync"
	"sync/atomic"
)

// Frame is a pooled buffer for one encoded event, for an event pump:
// NewFrame, append the event to B, hand it to a server's PublishFrame,
// which pushes it to its queues with PushOwned and holds it once more for
// itself while it does. Once every writer it went to has written and
// committed it, it returns to the pool, so a steady stream of events
// allocates no buffer per event. A frame that also went where bytes are
// kept longer (a webhook, a spool) or was dropped from a queue is simply
// left to the garbage collector: its count never reaches zero.
type Frame struct {
	B    []byte
	refs atomic.Int32
}

// maxPooledFrame: a frame grown beyond this is not pooled again (one huge
// event must not pin its buffer).
const maxPooledFrame = 64 << 10

var framePool = sync.Pool{New: func() any { return &Frame{B: make([]byte, 0, 4<<10)} }}

// NewFrame returns an empty frame from the pool.
func NewFrame() *Frame {
	f := framePool.Get().(*Frame)
	f.B = f.B[:0]
	return f
}

// Hold counts one more holder of f (a queue it was pushed to, or the
// publisher while it fans out).
func (f *Frame) Hold() { f.refs.Add(1) }

// Release implements Releaser: one holder is done with f. The last one
// returns it to the pool.
func (f *Frame) Release() {
	if f.refs.Add(-1) == 0 && cap(f.B) <= maxPooledFrame {
		framePool.Put(f)
	}
}
