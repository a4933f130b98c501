package server

import (
	"bytes"
	"errors"
	"strconv"
	"sync"
	"time"

	"github.com/qqbridge/gateway/spool"
	"github.com/qqbridge/gateway/transport"
)

// Drop reasons reported through Observer.EventDropped.
const (
	DropBufferFull  = "buffer_full"  // memory buffer over --event-buffer events
	DropBufferBytes = "buffer_bytes" // memory buffer over --event-buffer-bytes
	DropTooLarge    = "too_large"    // one event bigger than the whole buffer
	DropSpoolFull   = "spool_full"   // memory buffer and spool both full
	DropSpoolError  = "spool_error"  // the spool could not be written or read
	DropExpired     = "expired"      // older than --event-max-age
	DropRejected    = "rejected"     // the bot answered 4xx to this event
	DropConnClosed  = "conn_closed"  // a forward socket closed with events queued
)

func dropReason(r transport.DropReason) string {
	switch r {
	case transport.DropQueueFull:
		return DropBufferFull
	case transport.DropQueueBytes:
		return DropBufferBytes
	}
	return DropTooLarge
}

// outbox holds the events waiting for one target: a bounded memory queue
// and, for webhook and reverse-WS targets when --spool-dir is set, an
// on-disk spool that takes what the memory queue cannot hold, so a long
// outage costs disk rather than events. Order is kept: once anything is
// spooled, every newer event is spooled too until the spool is empty, and
// the sender empties the memory queue (older events) before the spool.
type outbox struct {
	transport string
	obs       Observer
	q         *transport.Queue
	sp        *spool.Spool // nil: no spool
	maxAge    time.Duration
	notify    chan struct{}

	// mu orders a push's choice (memory or spool) against the sender
	// finding the spool empty. It is held across the spool's file append;
	// that path runs only while the target is down and the memory full.
	mu       sync.Mutex
	spilling bool

	// batch is the sender's last Peek: from the memory queue (mark) or,
	// when fromSpool, from the spool.
	fromSpool bool
	mark      transport.Mark
}

func newOutbox(s *Server, tr, target string, reportDepth bool, sp *spool.Spool) *outbox {
	o := &outbox{transport: tr, obs: s.obs, sp: sp, maxAge: s.cfg.EventMaxAge, notify: make(chan struct{}, 1)}
	cfg := transport.QueueConfig{
		MaxEvents: s.cfg.QueueSize,
		MaxBytes:  s.cfg.QueueBytes,
		OnDrop:    func(r transport.DropReason) { s.obs.EventDropped(tr, dropReason(r)) },
	}
	// Forward connections come and go; a gauge per remote address would
	// grow without bound.
	if reportDepth {
		cfg.OnDepth = func(n int) { s.obs.QueueDepth(tr, target, n+o.spooled()) }
	}
	o.q = transport.NewQueue(cfg)
	if sp != nil && sp.Len() > 0 {
		o.spilling = true // events of an earlier run go first
		o.signal()
	}
	return o
}

func (o *outbox) signal() {
	select {
	case o.notify <- struct{}{}:
	default:
	}
}

func (o *outbox) spooled() int {
	if o.sp == nil {
		return 0
	}
	return o.sp.Len()
}

// push queues ev; it never waits for the target.
func (o *outbox) push(ev []byte) {
	if o.sp == nil {
		o.q.Push(ev)
		o.signal()
		return
	}
	o.mu.Lock()
	if !o.spilling && o.q.Fits(len(ev)) {
		o.q.Push(ev)
		o.mu.Unlock()
		o.signal()
		return
	}
	o.spilling = true
	err := o.sp.Append(ev)
	o.mu.Unlock()
	switch {
	case err == nil:
		o.signal()
	case errors.Is(err, spool.ErrFull):
		o.obs.EventDropped(o.transport, DropSpoolFull)
	default:
		o.obs.EventDropped(o.transport, DropSpoolError)
	}
}

// pushOwned is push for a pooled frame: with a memory-only outbox it
// takes a hold on owner (released when the sender commits the event) and
// reports true; an outbox with a spool may copy the bytes anywhere, so it
// takes a plain push and reports false (owner then is never pooled again).
func (o *outbox) pushOwned(ev []byte, owner *transport.Frame) bool {
	if o.sp != nil {
		o.push(ev)
		return false
	}
	owner.Hold()
	o.q.PushOwned(ev, owner)
	o.signal()
	return true
}

// peek returns the oldest waiting event (nil when none) without removing
// it; commit removes it after it was delivered (or deliberately dropped).
// Events older than maxAge are dropped here, counted as expired. One
// sender per outbox.
func (o *outbox) peek(buf [][]byte) []byte {
	b := o.peekBatch(buf[:0], 1, 0)
	if len(b) == 0 {
		return nil
	}
	ev := b[0]
	clear(b)
	return ev
}

func (o *outbox) commit() { o.commitN(1) }

// peekBatch appends to dst up to maxEvents of the oldest waiting events
// (stopping before maxBytes, but always at least one; 0: no byte limit),
// all from memory or all from the spool, without removing them; commitN
// removes the first n of them once written. A WebSocket writer sends the
// batch with one system call instead of one per event. Expired events at
// the front are dropped here; an expired one further in ends the batch
// (the next peek drops it). One sender per outbox.
func (o *outbox) peekBatch(dst [][]byte, maxEvents, maxBytes int) [][]byte {
	for {
		b, m := o.q.Peek(dst[:0], maxEvents, maxBytes)
		if len(b) > 0 {
			if n := o.fresh(b); n > 0 {
				o.fromSpool, o.mark = false, m
				clear(b[n:])
				return b[:n]
			}
			clear(b)
			o.q.Commit(m, 1)
			o.obs.EventDropped(o.transport, DropExpired)
			continue
		}
		if o.sp == nil {
			return b
		}
		b, err := o.sp.Peek(dst[:0], max(maxEvents, 1))
		if err != nil {
			// Unreadable spool (corrupt mid-segment): skip the record
			// rather than stall the target forever.
			clear(b)
			o.obs.EventDropped(o.transport, DropSpoolError)
			_ = o.sp.Commit(1)
			continue
		}
		if len(b) == 0 {
			o.mu.Lock()
			if o.sp.Len() == 0 {
				o.spilling = false // newer events may use memory again
			}
			o.mu.Unlock()
			if o.q.Len() > 0 {
				continue
			}
			return b
		}
		// The spool has no byte limit of its own: cut the batch here.
		size, n := 0, 0
		for n < len(b) && (n == 0 || maxBytes <= 0 || size+len(b[n]) <= maxBytes) {
			size += len(b[n])
			n++
		}
		if n = o.fresh(b[:n]); n > 0 {
			o.fromSpool = true
			clear(b[n:])
			return b[:n]
		}
		clear(b)
		_ = o.sp.Commit(1)
		o.obs.EventDropped(o.transport, DropExpired)
	}
}

// fresh is how many events at the front of b are not expired.
func (o *outbox) fresh(b [][]byte) int {
	for i, ev := range b {
		if o.expired(ev) {
			return i
		}
	}
	return len(b)
}

// commitN removes the first n events of the last peekBatch.
func (o *outbox) commitN(n int) {
	if n <= 0 {
		return
	}
	if o.fromSpool {
		_ = o.sp.Commit(n)
		return
	}
	o.q.Commit(o.mark, n)
}

// len is the number of waiting events, memory and spool.
func (o *outbox) len() int { return o.q.Len() + o.spooled() }

// discard empties the memory queue (a forward socket that closed) and
// counts its events as lost with reason.
func (o *outbox) discard(reason string) {
	for range o.q.Discard() {
		o.obs.EventDropped(o.transport, reason)
	}
}

// close runs once the sender stopped. With a spool, what the memory queue
// still holds (older than anything spooled) goes to the spool's front, so
// a restart delivers it first; then the spool is closed.
func (o *outbox) close() {
	if o.sp == nil {
		return
	}
	left, _ := o.q.Peek(nil, 0, 0)
	if len(left) > 0 {
		kept, err := o.sp.Prepend(left)
		for range len(left) - kept {
			reason := DropSpoolFull
			if err != nil && !errors.Is(err, spool.ErrFull) {
				reason = DropSpoolError
			}
			o.obs.EventDropped(o.transport, reason)
		}
		o.q.Discard()
	}
	_ = o.sp.Close()
}

// expired reports whether ev's "time" (OneBot events carry the Unix time
// of the happening as their first field) is more than maxAge ago. An
// event without a readable time never expires.
func (o *outbox) expired(ev []byte) bool {
	if o.maxAge <= 0 {
		return false
	}
	t, ok := eventTime(ev)
	return ok && time.Since(time.Unix(t, 0)) > o.maxAge
}

var timeKey = []byte(`"time":`)

// eventTime reads the "time" member near the start of an encoded event
// without decoding it (the gateway encodes Header first).
func eventTime(ev []byte) (int64, bool) {
	head := ev[:min(len(ev), 128)]
	i := bytes.Index(head, timeKey)
	if i < 0 {
		return 0, false
	}
	rest := bytes.TrimLeft(head[i+len(timeKey):], " ")
	j := 0
	for j < len(rest) && rest[j] >= '0' && rest[j] <= '9' {
		j++
	}
	t, err := strconv.ParseInt(string(rest[:j]), 10, 64)
	return t, err == nil
}
