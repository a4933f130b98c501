package server

import (
	"fmt"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func TestEventQueueDropOldest(t *testing.T) {
	obs := newRecObserver()
	q := newEventQueue("webhook", "t", 3, obs)
	for i := 1; i <= 5; i++ {
		q.push(fmt.Appendf(nil, "%d", i))
	}
	assert.Equal(t, 3, q.len())
	assert.Equal(t, 2, obs.get(&obs.drops, "webhook/buffer_full"))
	var got []string
	for {
		ev, seq, ok := q.peek()
		if !ok {
			break
		}
		got = append(got, string(ev))
		q.commit(seq)
	}
	assert.Equal(t, []string{"3", "4", "5"}, got)
}

func TestEventQueueCommitAfterConcurrentDrop(t *testing.T) {
	q := newEventQueue("ws_reverse", "t", 2, noopObserver{})
	q.push([]byte("a"))
	q.push([]byte("b"))
	ev, seq, ok := q.peek()
	require.True(t, ok)
	assert.Equal(t, "a", string(ev))
	q.push([]byte("c")) // drops "a" while it is being written
	q.commit(seq)       // must not remove "b"
	ev, _, _ = q.peek()
	assert.Equal(t, "b", string(ev))
	assert.Equal(t, 2, q.len())
}

func TestEventQueueFailedWriteKeepsHead(t *testing.T) {
	q := newEventQueue("ws_reverse", "t", 10, noopObserver{})
	q.push([]byte("a"))
	_, _, _ = q.peek() // write failed: no commit
	ev, _, ok := q.peek()
	require.True(t, ok)
	assert.Equal(t, "a", string(ev))
}

func TestEventQueueLongRunCompacts(t *testing.T) {
	q := newEventQueue("ws_forward", "t", 100, noopObserver{})
	for i := range 20000 {
		q.push(fmt.Appendf(nil, "%d", i))
		if i%3 != 0 {
			_, seq, _ := q.peek()
			q.commit(seq)
		}
	}
	assert.LessOrEqual(t, cap(q.items), 1024, "backing array stays bounded")
	for i := range 100 {
		q.push(fmt.Appendf(nil, "tail-%d", i))
	}
	assert.Equal(t, 100, q.len())
	ev, _, _ := q.peek()
	assert.Equal(t, "tail-0", string(ev))
	assert.Equal(t, 100, q.discard())
	assert.Equal(t, 0, q.len())
}
