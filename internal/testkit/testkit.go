// Package testkit holds the few helpers that the test suites of several
// packages share (bridge's end-to-end suite, internal/fidelity, the Milky
// client's): a logger that stays quiet unless a variable asks for output,
// a loopback address nothing listens on, a dump of every goroutine and a
// count of them. Test code only.
package testkit

import (
	"io"
	"log/slog"
	"net"
	"os"
	"runtime"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"
)

// Logger discards logs unless the environment variable env is set, then it
// writes debug logs to stderr (logging through t.Log would panic when a
// background goroutine logs after the test ended).
func Logger(env string) *slog.Logger {
	if os.Getenv(env) != "" {
		return slog.New(slog.NewTextHandler(os.Stderr, &slog.HandlerOptions{Level: slog.LevelDebug}))
	}
	return slog.New(slog.NewTextHandler(io.Discard, nil))
}

// FreeAddr reserves a loopback address and releases it: a server that
// starts later can take it, and until then connecting to it is refused.
func FreeAddr(t testing.TB) string {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	require.NoError(t, err)
	addr := ln.Addr().String()
	require.NoError(t, ln.Close())
	return addr
}

// GoroutineDump is every goroutine's stack, whole (the buffer grows until
// runtime.Stack fits): for tests that count or find goroutines, and for
// failure messages.
func GoroutineDump() string {
	for size := 1 << 20; ; size *= 2 {
		buf := make([]byte, size)
		if n := runtime.Stack(buf, true); n < size {
			return string(buf[:n])
		}
	}
}

// GoroutinesBut counts the goroutines whose stack does not mention except:
// leak checks leave out a library's goroutines that come and go on their
// own schedule (fasthttp's worker pool and its cleaner).
func GoroutinesBut(except string) int {
	n := 0
	for _, g := range strings.Split(GoroutineDump(), "\n\n") {
		if g != "" && !strings.Contains(g, except) {
			n++
		}
	}
	return n
}
