package transport

import (
	"context"
	"math/rand/v2"
	"time"
)

// Backoff yields retry delays: capped exponential backoff with full jitter.
// Delay n (0-based since the last Reset) is uniform in [0, min(Max,
// Min·2^n)), so many clients that failed together do not retry together.
// Reset after a success so the next failure starts small again. Not safe
// for concurrent use: one per retrying loop.
type Backoff struct {
	Min, Max time.Duration
	// Rand returns a float in [0, 1); nil means math/rand/v2. Tests pin it.
	Rand    func() float64
	attempt int
}

// HealthyConnection is how long an upstream connection must have lived to
// start its client's redial back-off over (Reset) even if it did no work:
// one that did work (an event, a call's reply) starts it over at once, and
// one that is accepted and dropped at once leaves it growing. Both
// upstream clients, milky/client and onebot11/client, use it.
const HealthyConnection = 10 * time.Second

// Ceiling is the cap of the delay for the next attempt (before jitter).
func (b *Backoff) Ceiling() time.Duration {
	lo, hi := b.Min, b.Max
	if lo <= 0 {
		lo = time.Millisecond
	}
	if hi < lo {
		hi = lo
	}
	d := lo
	for i := 0; i < b.attempt && d < hi; i++ {
		d *= 2
	}
	return min(d, hi)
}

// Next returns the delay before the next attempt and counts the attempt.
func (b *Backoff) Next() time.Duration {
	c := b.Ceiling()
	b.attempt++
	r := b.Rand
	if r == nil {
		r = rand.Float64
	}
	return time.Duration(r() * float64(c))
}

// Attempt is how many delays Next gave since the last Reset.
func (b *Backoff) Attempt() int { return b.attempt }

// Reset starts over from Min; call it after a success.
func (b *Backoff) Reset() { b.attempt = 0 }

// Sleep waits d; false if ctx ended first.
func Sleep(ctx context.Context, d time.Duration) bool {
	if d <= 0 {
		return ctx.Err() == nil
	}
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-t.C:
		return true
	case <-ctx.Done():
		return false
	}
}

// PollUntil checks done every interval until it holds, ctx ends or stop is
// closed (nil: never). It is for waits that have no event to wait on
// (a queue emptying while its writer works, a runtime becoming ready).
func PollUntil(ctx context.Context, stop <-chan struct{}, every time.Duration, done func() bool) {
	tick := time.NewTicker(every)
	defer tick.Stop()
	for !done() {
		select {
		case <-ctx.Done():
			return
		case <-stop:
			return
		case <-tick.C:
		}
	}
}
