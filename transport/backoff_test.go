package transport

import (
	"context"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
)

func TestBackoffCapsDoublesAndResets(t *testing.T) {
	b := Backoff{Min: 100 * time.Millisecond, Max: time.Second, Rand: func() float64 { return 0.5 }}
	var got []time.Duration
	for range 6 {
		got = append(got, b.Next())
	}
	ms := time.Millisecond
	assert.Equal(t, []time.Duration{50 * ms, 100 * ms, 200 * ms, 400 * ms, 500 * ms, 500 * ms}, got)
	assert.Equal(t, 6, b.Attempt())
	b.Reset()
	assert.Equal(t, 50*ms, b.Next(), "starts small again after a success")
}

func TestBackoffFullJitterRange(t *testing.T) {
	b := Backoff{Min: time.Millisecond, Max: 8 * time.Millisecond}
	for range 100 {
		c := b.Ceiling()
		d := b.Next()
		assert.GreaterOrEqual(t, d, time.Duration(0))
		assert.Less(t, d, c)
		assert.LessOrEqual(t, c, 8*time.Millisecond)
	}
}

func TestSleepStopsOnCancel(t *testing.T) {
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	assert.False(t, Sleep(ctx, time.Hour))
	assert.True(t, Sleep(context.Background(), time.Microsecond))
}

func TestPollUntilStopsOnDoneStopOrCtx(t *testing.T) {
	n := 0
	PollUntil(context.Background(), nil, time.Millisecond, func() bool { n++; return n == 3 })
	assert.Equal(t, 3, n, "polled until done")

	stop := make(chan struct{})
	close(stop)
	PollUntil(context.Background(), stop, time.Hour, func() bool { return false })

	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	PollUntil(ctx, nil, time.Hour, func() bool { return false })
}
