package milkytest

import (
	"context"
	"io"
	"net"
	"net/http"
	"sync"
	"sync/atomic"
)

// WebhookReceiver receives Milky webhook POSTs on a loopback port. It
// requires "Authorization: Bearer TOKEN" when a token is given (401
// otherwise), can fail the next POSTs with a status to exercise retries,
// and queues every accepted event.
type WebhookReceiver struct {
	URL   string
	token string
	srv   *http.Server
	ln    net.Listener
	q     *queue

	mu       sync.Mutex
	failNext int
	failCode int
	attempts atomic.Int64
	refused  atomic.Int64 // bad or missing token
	authSeen atomic.Value // string: the last Authorization header
}

// NewWebhookReceiver listens on 127.0.0.1:0; Close stops it.
func NewWebhookReceiver(token string) (*WebhookReceiver, error) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return nil, err
	}
	w := &WebhookReceiver{URL: "http://" + ln.Addr().String() + "/milky", token: token, ln: ln, q: newQueue()}
	w.authSeen.Store("")
	w.srv = &http.Server{Handler: http.HandlerFunc(w.serve)}
	go func() { _ = w.srv.Serve(ln) }()
	return w, nil
}

// FailNext answers the next n POSTs with status (e.g. 503) without
// accepting their events.
func (w *WebhookReceiver) FailNext(n, status int) {
	w.mu.Lock()
	w.failNext, w.failCode = n, status
	w.mu.Unlock()
}

func (w *WebhookReceiver) serve(rw http.ResponseWriter, r *http.Request) {
	w.attempts.Add(1)
	auth := r.Header.Get("Authorization")
	w.authSeen.Store(auth)
	body, err := io.ReadAll(io.LimitReader(r.Body, 64<<20))
	if err != nil || r.Method != http.MethodPost {
		http.Error(rw, "POST with a body", http.StatusBadRequest)
		return
	}
	if w.token != "" && auth != "Bearer "+w.token {
		w.refused.Add(1)
		http.Error(rw, "bad token", http.StatusUnauthorized)
		return
	}
	w.mu.Lock()
	fail := 0
	if w.failNext > 0 {
		w.failNext--
		fail = w.failCode
	}
	w.mu.Unlock()
	if fail != 0 {
		http.Error(rw, "failing on purpose", fail)
		return
	}
	e, err := decodeEvent(body)
	if err != nil {
		http.Error(rw, err.Error(), http.StatusBadRequest)
		return
	}
	w.q.push(e)
	rw.WriteHeader(http.StatusNoContent)
}

// NextWhere returns the next accepted event match accepts.
func (w *WebhookReceiver) NextWhere(ctx context.Context, match func(Event) bool) (Event, error) {
	return w.q.nextWhere(ctx, match)
}

// NextOfType returns the next accepted event of eventType.
func (w *WebhookReceiver) NextOfType(ctx context.Context, eventType string) (Event, error) {
	return w.q.nextWhere(ctx, func(e Event) bool { return e.EventType == eventType })
}

// Attempts counts POSTs received (accepted, failed on purpose or refused).
func (w *WebhookReceiver) Attempts() int { return int(w.attempts.Load()) }

// Refused counts POSTs refused for a bad or missing token.
func (w *WebhookReceiver) Refused() int { return int(w.refused.Load()) }

// LastAuthorization is the Authorization header of the last POST.
func (w *WebhookReceiver) LastAuthorization() string { return w.authSeen.Load().(string) }

// Close stops the receiver.
func (w *WebhookReceiver) Close() error {
	err := w.srv.Close()
	w.q.end(http.ErrServerClosed)
	return err
}
