package main

import (
	"context"
	"errors"
	"fmt"
	"sync/atomic"
	"time"

	"github.com/gorilla/websocket"
)

// The event path: the fake upstream pushes stamped events on the stream the
// path under test opened; a bot connection of the tool reads what comes out
// the other end and notes, by the marker, which event arrived when. Sender
// and reader share one monotonic clock (this process), so a latency is a
// difference of two readings of it.

// epoch is the zero of every timestamp the tool takes.
var epoch = time.Now()

func now() int64 { return int64(time.Since(epoch)) }

// eventBot is one bot connection reading events for the whole run.
type eventBot struct {
	conn     *websocket.Conn
	lastSeen atomic.Int64        // highest marker index read so far
	sink     atomic.Pointer[run] // the measurement in progress, if any
	readErr  atomic.Pointer[error]
	closed   chan struct{}
}

// run is one measurement: events base..base+n-1.
type run struct {
	base    int64
	n       int
	recv    []int64 // by index-base; written by the reader only
	got     int
	credits chan struct{} // nil when paced
	done    chan struct{} // closed by the reader when all n arrived
}

func dialEventBot(ctx context.Context, url string) (*eventBot, error) {
	d := websocket.Dialer{HandshakeTimeout: 10 * time.Second, ReadBufferSize: 64 << 10}
	c, _, err := d.DialContext(ctx, url, nil)
	if err != nil {
		return nil, fmt.Errorf("bot: dial %s: %w", url, err)
	}
	b := &eventBot{conn: c, closed: make(chan struct{})}
	b.lastSeen.Store(-1)
	go b.read()
	return b, nil
}

// read reads frames into one reused buffer, as a bot that keeps up does.
func (b *eventBot) read() {
	defer close(b.closed)
	buf := make([]byte, 0, 8<<10)
	for {
		_, r, err := b.conn.NextReader()
		if err != nil {
			b.readErr.Store(&err)
			return
		}
		buf = buf[:0]
		for {
			if len(buf) == cap(buf) {
				buf = append(buf, 0)[:len(buf)]
			}
			n, err := r.Read(buf[len(buf):cap(buf)])
			buf = buf[:len(buf)+n]
			if err != nil {
				break
			}
		}
		t := now()
		i := markerIndex(buf)
		if i < 0 {
			continue // lifecycle, heartbeat
		}
		if i > b.lastSeen.Load() {
			b.lastSeen.Store(i)
		}
		s := b.sink.Load()
		if s == nil {
			continue
		}
		k := i - s.base
		if k < 0 || k >= int64(s.n) || s.recv[k] != 0 {
			continue // a probe, or an event of another measurement
		}
		s.recv[k] = t
		s.got++
		if s.credits != nil {
			<-s.credits
		}
		if s.got == s.n {
			b.sink.Store(nil)
			close(s.done)
		}
	}
}

func (b *eventBot) err() error {
	if e := b.readErr.Load(); e != nil {
		return *e
	}
	return errors.New("bot connection closed")
}

func (b *eventBot) close() {
	_ = b.conn.Close()
	<-b.closed
}

// eventPath is one path under test as the event driver sees it.
type eventPath struct {
	up   upstream
	bot  *eventBot
	tpl  *frameTemplate
	next *atomic.Int64 // next event index, shared by both paths: unique seqs
}

// prime pushes probe events until the bot reads one: then the whole path
// (upstream stream, relay or gateway, bot subscription) is open.
func (p *eventPath) prime(ctx context.Context) error {
	ctx, cancel := context.WithTimeout(ctx, 30*time.Second)
	defer cancel()
	if err := p.up.waitStream(ctx); err != nil {
		return err
	}
	for {
		i := p.next.Add(1) - 1
		if err := p.up.push(p.tpl.stamp(i)); err != nil {
			return err
		}
		select {
		case <-ctx.Done():
			return fmt.Errorf("no probe event reached the bot: %w", ctx.Err())
		case <-p.bot.closed:
			return p.bot.err()
		case <-time.After(50 * time.Millisecond):
		}
		if p.bot.lastSeen.Load() >= i {
			return nil
		}
	}
}

// eventResult is what one measurement saw.
type eventResult struct {
	n       int
	elapsed time.Duration   // first send to last arrival
	latency []time.Duration // per event, arrival minus send
	slipped time.Duration   // paced: schedule time skipped because the sender was late
}

// measure pushes n events, either as fast as the path takes them with at
// most window in flight (rate 0), or at a steady rate per second.
func (p *eventPath) measure(ctx context.Context, n, window int, rate float64) (eventResult, error) {
	s := &run{n: n, recv: make([]int64, n), done: make(chan struct{})}
	s.base = p.next.Add(int64(n)) - int64(n)
	if rate == 0 {
		s.credits = make(chan struct{}, window)
	}
	sent := make([]int64, n)
	p.bot.sink.Store(s)
	defer p.bot.sink.Store(nil)
	var interval time.Duration
	if rate > 0 {
		interval = time.Duration(float64(time.Second) / rate)
	}
	// A late sender (descheduled on a busy machine) does not catch up in a
	// burst: that would measure a queue, not a steady rate. The schedule
	// moves on from now and the skipped time is reported.
	var slipped time.Duration
	due := now()
	for k := range n {
		if s.credits != nil {
			select {
			case s.credits <- struct{}{}:
			case <-p.bot.closed:
				return eventResult{}, p.bot.err()
			case <-ctx.Done():
				return eventResult{}, ctx.Err()
			}
		} else {
			if d := due - now(); d > 0 {
				time.Sleep(time.Duration(d))
			} else if late := time.Duration(-d); late > 2*interval {
				slipped += late
				due = now()
			}
			due += int64(interval)
		}
		sent[k] = now()
		if err := p.up.push(p.tpl.stamp(s.base + int64(k))); err != nil {
			return eventResult{}, err
		}
	}
	// Everything sent: the rest is the path draining.
	select {
	case <-s.done:
	case <-p.bot.closed:
		return eventResult{}, p.bot.err()
	case <-time.After(30 * time.Second):
		return eventResult{}, fmt.Errorf("events lost: fewer than %d of %d arrived within 30 s of the last send", n, n)
	case <-ctx.Done():
		return eventResult{}, ctx.Err()
	}
	res := eventResult{n: n, latency: make([]time.Duration, n), slipped: slipped}
	var last int64
	for k := range n {
		res.latency[k] = time.Duration(s.recv[k] - sent[k])
		last = max(last, s.recv[k])
	}
	res.elapsed = time.Duration(last - sent[0])
	return res, nil
}

func (r eventResult) perSecond() float64 { return float64(r.n) / r.elapsed.Seconds() }
