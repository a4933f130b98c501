package transport

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"sync"

	"github.com/valyala/fasthttp"
)

// Errors of Serving.Serve; servers wrap or map them to their own words.
var (
	ErrServingClosed = errors.New("closed")
	ErrServeTwice    = errors.New("serve called twice")
)

// Serving runs one fasthttp.Server for a protocol server (the OneBot 11 and
// the Milky one): Serve at most once, Shutdown from another goroutine
// (also before Serve), and tracking of the connections fasthttp has not
// handed over (hijacked), so a stop whose deadline passed can cut the
// keep-alive and in-flight ones fasthttp would go on waiting for.
// The zero value is ready.
type Serving struct {
	mu     sync.Mutex
	fs     *fasthttp.Server
	closed bool
	conns  map[net.Conn]struct{}
}

// Serve serves fs on ln until Shutdown. It replaces fs.ConnState with one
// that tracks connections and then calls the one fs had (if any). It
// returns ErrServingClosed when Shutdown came first, ErrServeTwice on a
// second call, nil once Shutdown stopped it, else the listener's error.
func (h *Serving) Serve(ln net.Listener, fs *fasthttp.Server) error {
	h.mu.Lock()
	if h.closed {
		h.mu.Unlock()
		return ErrServingClosed
	}
	if h.fs != nil {
		h.mu.Unlock()
		return ErrServeTwice
	}
	next := fs.ConnState
	fs.ConnState = func(c net.Conn, st fasthttp.ConnState) {
		h.track(c, st)
		if next != nil {
			next(c, st)
		}
	}
	h.fs = fs
	h.mu.Unlock()
	err := fs.Serve(ln)
	if h.Closed() {
		return nil
	}
	return err
}

func (h *Serving) track(c net.Conn, st fasthttp.ConnState) {
	switch st {
	case fasthttp.StateNew:
		h.mu.Lock()
		if h.conns == nil {
			h.conns = map[net.Conn]struct{}{}
		}
		h.conns[c] = struct{}{}
		h.mu.Unlock()
	case fasthttp.StateClosed, fasthttp.StateHijacked:
		h.mu.Lock()
		delete(h.conns, c)
		h.mu.Unlock()
	}
}

// Closed reports whether Shutdown has been called.
func (h *Serving) Closed() bool {
	h.mu.Lock()
	defer h.mu.Unlock()
	return h.closed
}

// Shutdown closes the listener and the idle connections and waits, up to
// ctx, for requests being answered (fasthttp's ShutdownWithContext). It is
// nil when Serve never ran. It does not cut what is left: see CutConns.
func (h *Serving) Shutdown(ctx context.Context) error {
	h.mu.Lock()
	h.closed = true
	fs := h.fs
	h.mu.Unlock()
	if fs == nil {
		return nil
	}
	return fs.ShutdownWithContext(ctx)
}

// Conns reports how many connections are tracked (open, not hijacked).
func (h *Serving) Conns() int {
	h.mu.Lock()
	defer h.mu.Unlock()
	return len(h.conns)
}

// CutConns closes every tracked connection.
func (h *Serving) CutConns() {
	h.mu.Lock()
	defer h.mu.Unlock()
	for c := range h.conns {
		_ = c.Close()
	}
}

// FastHTTPLogger sends fasthttp's own messages to log at debug level.
func FastHTTPLogger(log *slog.Logger) fasthttp.Logger { return fasthttpLogger{log} }

type fasthttpLogger struct{ log *slog.Logger }

func (l fasthttpLogger) Printf(format string, args ...any) {
	l.log.Debug("fasthttp: " + fmt.Sprintf(format, args...))
}
