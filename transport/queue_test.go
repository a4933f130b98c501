package transport

import (
	"fmt"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func ev(i int) []byte { return []byte(fmt.Sprintf("e%03d", i)) } // 4 bytes each

func peekAll(q *Queue) []string {
	b, _ := q.Peek(nil, 0, 0)
	out := make([]string, len(b))
	for i, x := range b {
		out[i] = string(x)
	}
	return out
}

func TestQueueFIFOAndGrowth(t *testing.T) {
	q := NewQueue(QueueConfig{MaxEvents: 100})
	for i := range 50 { // grows 16 -> 32 -> 64 while wrapped
		q.Push(ev(i))
		if i%3 == 0 {
			_, m := q.Peek(nil, 1, 0)
			q.Commit(m, 1)
		}
	}
	got := peekAll(q)
	require.Len(t, got, q.Len())
	for i := 1; i < len(got); i++ {
		assert.Less(t, got[i-1], got[i], "order kept across growth")
	}
	assert.Equal(t, "e049", got[len(got)-1])
}

func TestQueueDropsOldestByCount(t *testing.T) {
	var drops []DropReason
	q := NewQueue(QueueConfig{MaxEvents: 3, OnDrop: func(r DropReason) { drops = append(drops, r) }})
	for i := range 5 {
		q.Push(ev(i))
	}
	assert.Equal(t, []string{"e002", "e003", "e004"}, peekAll(q))
	assert.Equal(t, uint64(2), q.Dropped(DropQueueFull))
	assert.Equal(t, []DropReason{DropQueueFull, DropQueueFull}, drops)
}

func TestQueueDropsOldestByBytes(t *testing.T) {
	q := NewQueue(QueueConfig{MaxEvents: 100, MaxBytes: 10})
	q.Push(ev(1))
	q.Push(ev(2))
	assert.Equal(t, 1, q.Push(ev(3)), "12 bytes > 10: oldest goes")
	assert.Equal(t, []string{"e002", "e003"}, peekAll(q))
	assert.Equal(t, 8, q.Bytes())
	assert.Equal(t, uint64(1), q.Dropped(DropQueueBytes))
	assert.Equal(t, 1, q.Push(make([]byte, 11)), "alone over the limit: refused")
	assert.Equal(t, uint64(1), q.Dropped(DropTooLarge))
	assert.Equal(t, 2, q.Len())
}

func TestQueuePeekCommitLosesNothingOnFailedWrite(t *testing.T) {
	q := NewQueue(QueueConfig{MaxEvents: 10})
	for i := range 4 {
		q.Push(ev(i))
	}
	b, m := q.Peek(nil, 0, 0)
	require.Len(t, b, 4)
	// The write failed after 2 events: commit only those.
	q.Commit(m, 2)
	assert.Equal(t, []string{"e002", "e003"}, peekAll(q))
	// Nothing written at all: commit nothing.
	_, m = q.Peek(nil, 0, 0)
	q.Commit(m, 0)
	assert.Equal(t, 2, q.Len())
}

func TestQueueCommitAfterConcurrentDrop(t *testing.T) {
	q := NewQueue(QueueConfig{MaxEvents: 3})
	for i := range 3 {
		q.Push(ev(i))
	}
	_, m := q.Peek(nil, 2, 0) // e000 e001 in flight
	q.Push(ev(3))             // overflow drops e000 while we write
	q.Commit(m, 2)            // must remove only e001
	assert.Equal(t, []string{"e002", "e003"}, peekAll(q))
}

func TestQueueFits(t *testing.T) {
	q := NewQueue(QueueConfig{MaxEvents: 2, MaxBytes: 10})
	assert.True(t, q.Fits(4))
	assert.False(t, q.Fits(11), "over MaxBytes alone")
	q.Push(ev(1))
	assert.True(t, q.Fits(6))
	assert.False(t, q.Fits(7), "4+7 > 10")
	q.Push(ev(2))
	assert.False(t, q.Fits(1), "MaxEvents reached")
}

func TestQueuePeekLimits(t *testing.T) {
	q := NewQueue(QueueConfig{})
	for i := range 5 {
		q.Push(ev(i))
	}
	b, m := q.Peek(nil, 2, 0)
	assert.Len(t, b, 2)
	assert.Equal(t, 2, m.Len())
	b, _ = q.Peek(nil, 0, 9)
	assert.Len(t, b, 2, "9 bytes hold two 4-byte events")
	b, _ = q.Peek(nil, 0, 1)
	assert.Len(t, b, 1, "at least one event even over the byte limit")
}

func TestQueueReadyAndDiscard(t *testing.T) {
	var depth int
	q := NewQueue(QueueConfig{OnDepth: func(n int) { depth = n }})
	q.Push(ev(1))
	q.Push(ev(2))
	assert.Equal(t, 2, depth)
	select {
	case <-q.Ready():
	default:
		t.Fatal("no ready token after push")
	}
	_, m := q.Peek(nil, 0, 0)
	assert.Equal(t, 2, q.Discard())
	assert.Equal(t, 0, depth)
	q.Commit(m, 2) // stale mark: harmless
	assert.Equal(t, 0, q.Len())
	q.Push(ev(3))
	assert.Equal(t, []string{"e003"}, peekAll(q))
}

func BenchmarkQueuePushFull(b *testing.B) {
	q := NewQueue(QueueConfig{MaxEvents: 1024})
	p := ev(1)
	b.ReportAllocs()
	for b.Loop() {
		q.Push(p)
	}
}

type countRelease struct{ n int }

func (c *countRelease) Release() { c.n++ }

// PushOwned's owner is released by Commit only: not by an overflow drop
// (a writer may still hold a batch it peeked) nor by Discard.
func TestQueueReleasesOwnerOnCommitOnly(t *testing.T) {
	q := NewQueue(QueueConfig{MaxEvents: 2})
	var a, b, c, d countRelease
	q.PushOwned([]byte("a"), &a)
	q.PushOwned([]byte("b"), &b)
	q.Push([]byte("plain")) // no owner; drops a
	for range 20 {          // the ring grows and wraps
		q.PushOwned([]byte("c"), &c)
		_, m := q.Peek(nil, 1, 0)
		q.Commit(m, 1)
	}
	if a.n != 0 || b.n != 0 {
		t.Fatalf("dropped owners released: a %d b %d", a.n, b.n)
	}
	if c.n != 19 {
		t.Fatalf("c released %d times, want 19 (one still queued)", c.n)
	}
	q.PushOwned([]byte("d"), &d)
	if q.Discard() != 2 || c.n != 19 || d.n != 0 {
		t.Fatalf("Discard released an owner: c %d d %d", c.n, d.n)
	}
}
