package server

import (
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// hookSink is a webhook endpoint that fails on demand.
type hookSink struct {
	mu     sync.Mutex
	got    []int // event indexes accepted, in arrival order
	auth   []string
	failN  int // answer the next failN POSTs with failure
	failBy string
	srv    *httptest.Server
}

func newHookSink(t *testing.T) *hookSink {
	h := &hookSink{}
	h.srv = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		body, _ := io.ReadAll(r.Body)
		h.mu.Lock()
		h.auth = append(h.auth, r.Header.Get("Authorization"))
		if h.failN > 0 {
			h.failN--
			by := h.failBy
			h.mu.Unlock()
			if by == "reset" { // the connection dies mid-exchange
				c, _, err := w.(http.Hijacker).Hijack()
				if err == nil {
					_ = c.(*net.TCPConn).SetLinger(0)
					_ = c.Close()
				}
				return
			}
			w.WriteHeader(http.StatusServiceUnavailable)
			return
		}
		h.got = append(h.got, eventIndex(t, body))
		h.mu.Unlock()
		w.WriteHeader(http.StatusNoContent)
	}))
	t.Cleanup(h.srv.Close)
	return h
}

func (h *hookSink) fail(n int, by string) {
	h.mu.Lock()
	h.failN, h.failBy = n, by
	h.mu.Unlock()
}

func (h *hookSink) received() []int {
	h.mu.Lock()
	defer h.mu.Unlock()
	return append([]int(nil), h.got...)
}

func seq(n int) []int {
	s := make([]int, n)
	for i := range s {
		s[i] = i
	}
	return s
}

func TestWebhookRetriesUntilRecoveryLosingNothing(t *testing.T) {
	sink := newHookSink(t)
	e := newEnv(t, Config{Token: testToken, Webhooks: []string{sink.srv.URL + "/hook?access_token=x"},
		WebhookMinDelay: time.Millisecond, WebhookMaxDelay: 5 * time.Millisecond})
	sink.fail(4, "503")
	const n = 20
	for i := range n / 2 {
		e.s.Publish(testEvent(i))
	}
	waitFor(t, "first half", func() bool { return len(sink.received()) == n/2 })
	sink.fail(3, "reset") // a network error is retried the same way
	for i := n / 2; i < n; i++ {
		e.s.Publish(testEvent(i))
	}
	waitFor(t, "all events", func() bool { return len(sink.received()) == n })
	assert.Equal(t, seq(n), sink.received(), "in order, none lost, none twice")
	sink.mu.Lock()
	assert.Equal(t, "Bearer "+testToken, sink.auth[0])
	sink.mu.Unlock()
	assert.Zero(t, e.obs.get(func(o *recObserver) int { return len(o.dropped) }))
}

func TestWebhookGivesUpAfterAttempts(t *testing.T) {
	sink := newHookSink(t)
	e := newEnv(t, Config{Webhooks: []string{sink.srv.URL}, WebhookAttempts: 2,
		WebhookMinDelay: time.Millisecond, WebhookMaxDelay: time.Millisecond})
	sink.fail(2, "503")
	e.s.Publish(testEvent(0))
	e.s.Publish(testEvent(1))
	waitFor(t, "second event", func() bool { return len(sink.received()) == 1 })
	assert.Equal(t, []int{1}, sink.received())
	assert.Equal(t, 1, e.obs.get(func(o *recObserver) int { return o.dropped["webhook/"+DropWebhookGaveUp] }))
}

func TestWebhookDoesNotFollowRedirects(t *testing.T) {
	elsewhere := newHookSink(t)
	redirect := httptest.NewServer(http.RedirectHandler(elsewhere.srv.URL, http.StatusTemporaryRedirect))
	defer redirect.Close()
	sink := newHookSink(t)
	e := newEnv(t, Config{Token: testToken, Webhooks: []string{redirect.URL, sink.srv.URL}})
	e.s.Publish(testEvent(0))
	waitFor(t, "redirect refused", func() bool {
		return e.obs.get(func(o *recObserver) int { return o.dropped["webhook/"+DropWebhookRejected] }) == 1
	})
	waitFor(t, "other webhook", func() bool { return len(sink.received()) == 1 })
	assert.Empty(t, elsewhere.received(), "the token never travels to the redirect target")
}

func TestShutdownDrainsEverything(t *testing.T) {
	sink := newHookSink(t)
	e := newEnv(t, Config{Webhooks: []string{sink.srv.URL}, WebhookMinDelay: time.Millisecond, WebhookMaxDelay: 2 * time.Millisecond})
	ws, _, err := e.dialWS("", false)
	require.NoError(t, err)
	defer ws.Close()
	sse, code := e.openSSE("", false)
	require.Equal(t, 200, code)
	waitFor(t, "subscribers", func() bool { return e.s.Subscribers() == 2 })

	// An API call in flight when Shutdown starts must complete.
	apiDone := make(chan int, 1)
	go func() {
		code, _ := e.post("slow", "", ctJSON, `{}`)
		apiDone <- code
	}()
	<-e.api.entered

	sink.fail(3, "503") // the webhook needs retries during the drain
	const n = 50
	for i := range n {
		e.s.Publish(testEvent(i))
	}
	shutDone := make(chan error, 1)
	go func() {
		ctx, cancel := contextWithTimeout(10 * time.Second)
		defer cancel()
		shutDone <- e.s.Shutdown(ctx)
	}()
	// Shutdown waits for the call; new connections are refused meanwhile.
	waitFor(t, "listener closed", func() bool {
		c, err := net.DialTimeout("tcp", e.base[len("http://"):], time.Second)
		if err == nil {
			c.Close()
		}
		return err != nil
	})
	close(e.api.release)
	assert.Equal(t, 200, <-apiDone)
	require.NoError(t, <-shutDone)

	for i := range n {
		_, msg, err := ws.ReadMessage()
		require.NoError(t, err)
		require.Equal(t, i, eventIndex(t, msg))
	}
	_, _, err = ws.ReadMessage()
	assert.Contains(t, err.Error(), "1001")
	for i := range n {
		data, err := sse.next()
		require.NoError(t, err)
		require.Equal(t, i, eventIndex(t, []byte(data)))
	}
	_, err = sse.next()
	assert.ErrorIs(t, err, io.EOF)
	assert.Equal(t, seq(n), sink.received())
}

func TestShutdownCutsOffWhenContextEnds(t *testing.T) {
	// A webhook that never recovers must not hold Shutdown past its ctx.
	sink := newHookSink(t)
	sink.fail(1<<30, "503")
	e := newEnv(t, Config{Webhooks: []string{sink.srv.URL}, WebhookMinDelay: time.Millisecond, WebhookMaxDelay: time.Millisecond})
	e.s.Publish(testEvent(0))
	ctx, cancel := contextWithTimeout(50 * time.Millisecond)
	defer cancel()
	assert.Error(t, e.s.Shutdown(ctx))
}
