package server

import (
	"bytes"
	"context"
	"runtime"
	"strconv"
	"sync"
	"testing"
	"time"

	"github.com/goccy/go-json"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/qqbridge/gateway/onebot11/ob11test"
)

// goid is the current goroutine's id, from its stack header.
func goid() uint64 {
	buf := make([]byte, 64)
	buf = buf[:runtime.Stack(buf, false)]
	buf = bytes.TrimPrefix(buf, []byte("goroutine "))
	id, _ := strconv.ParseUint(string(buf[:bytes.IndexByte(buf, ' ')]), 10, 64)
	return id
}

func newTestWorkers(t *testing.T, idleTimeout time.Duration) (*workers, context.CancelFunc) {
	ctx, cancel := context.WithCancel(context.Background())
	t.Cleanup(cancel)
	w := newWorkers(ctx.Done())
	w.idleTimeout = idleTimeout
	return w, cancel
}

// runOn spawns f and waits until it returned, reporting the goroutine it ran on.
func runOn(w *workers, f func()) uint64 {
	done := make(chan uint64)
	w.spawn(func() {
		f()
		done <- goid()
	})
	return <-done
}

func TestWorkersReuseAGoroutine(t *testing.T) {
	w, _ := newTestWorkers(t, time.Minute)
	first := runOn(w, func() {})
	require.Eventually(t, func() bool { return w.idle.Load() == 1 }, 5*time.Second, time.Millisecond, "worker parked")
	// The worker counts itself idle just before it blocks on the channel;
	// a call in that instant gets a new goroutine (as the go statement
	// would). Waiting receivers are served first come, first served, so a
	// later call lands on the first worker.
	require.Eventually(t, func() bool { return runOn(w, func() {}) == first }, 5*time.Second, time.Millisecond,
		"a later call ran on the parked worker")
	require.Eventually(t, func() bool { return w.idle.Load() >= 1 }, 5*time.Second, time.Millisecond, "worker parked again")
}

// A busy pool never makes spawn wait: every call starts at once, however
// many are running, and no more than maxIdle stay around afterwards.
func TestWorkersNeverQueue(t *testing.T) {
	w, _ := newTestWorkers(t, time.Minute)
	n := int(w.maxIdle) * 3
	release := make(chan struct{})
	var started, finished sync.WaitGroup
	started.Add(n)
	finished.Add(n)
	for range n {
		w.spawn(func() {
			defer finished.Done()
			started.Done()
			<-release
		})
	}
	require.NoError(t, waitCtx(testCtx(t), started.Wait), "all calls run at the same time")
	close(release)
	finished.Wait()
	require.Eventually(t, func() bool { return w.idle.Load() == w.maxIdle }, 5*time.Second, time.Millisecond)
	// Workers beyond maxIdle exited instead of parking.
	time.Sleep(50 * time.Millisecond)
	assert.Equal(t, w.maxIdle, w.idle.Load())
}

func TestWorkersExitWhenIdleOrDone(t *testing.T) {
	w, _ := newTestWorkers(t, 20*time.Millisecond)
	runOn(w, func() {})
	require.Eventually(t, func() bool { return w.idle.Load() == 0 }, 5*time.Second, time.Millisecond, "idle worker timed out")

	w, cancel := newTestWorkers(t, time.Minute)
	runOn(w, func() {})
	require.Eventually(t, func() bool { return w.idle.Load() == 1 }, 5*time.Second, time.Millisecond)
	cancel()
	require.Eventually(t, func() bool { return w.idle.Load() == 0 }, 5*time.Second, time.Millisecond, "worker left at done")
	// After done a call still runs, on a goroutine of its own.
	ran := make(chan struct{})
	w.spawn(func() { close(ran) })
	<-ran
}

// Many concurrent calls on one connection, with _async ones mixed in, all
// answer correctly through the reused goroutines.
func TestWSConcurrentCallsOnWorkers(t *testing.T) {
	env := newEnv(t, ServerConfig{})
	ctx := testCtx(t)
	cl, err := ob11test.DialForward(ctx, env.ws("/"), "")
	require.NoError(t, err)
	defer cl.Close()
	var wg sync.WaitGroup
	for i := range 300 {
		wg.Go(func() {
			action := "echo_params"
			if i%10 == 0 {
				action += "_async"
			}
			resp, err := cl.Call(ctx, action, map[string]any{"user_id": i})
			if !assert.NoError(t, err) {
				return
			}
			if i%10 == 0 {
				assert.Equal(t, "async", resp.Status)
				return
			}
			var got struct {
				Params struct {
					UserID int `json:"user_id"`
				} `json:"params"`
			}
			assert.NoError(t, json.Unmarshal(resp.Data, &got))
			assert.Equal(t, i, got.Params.UserID)
		})
	}
	wg.Wait()
}
