package ob11test

import (
	"context"
	"crypto/hmac"
	"crypto/sha1"
	"crypto/subtle"
	"encoding/hex"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"

	"github.com/goccy/go-json"
)

// WebhookReceiver is a bot's HTTP POST endpoint. With a secret it verifies
// X-Signature: sha1=<hex HMAC-SHA1(secret, body)> in constant time and
// answers 403 to a missing or wrong signature (counted in BadSignatures,
// not delivered). Accepted events are answered 204, or with the configured
// quick operation.
type WebhookReceiver struct {
	// URL is http://127.0.0.1:PORT/onebot/v11/post.
	URL string

	secret string
	srv    *httptest.Server
	events *pipe[Delivery]

	mu        sync.Mutex
	all       []Delivery
	attempts  int
	badSig    int
	failures  []int // statuses to answer the next requests with
	quickOps  []json.RawMessage
	quickAll  json.RawMessage
	badBodies int
}

// Delivery is one accepted event.
type Delivery struct {
	Body   []byte
	Header http.Header
	// Answered is the quick operation sent back (nil for 204).
	Answered json.RawMessage
}

// Event decodes the delivery's common event header.
func (d Delivery) Event() (Event, error) { return ParseEvent(d.Body) }

// NewWebhookReceiver starts a receiver on 127.0.0.1. secret "" skips the
// signature check.
func NewWebhookReceiver(secret string) *WebhookReceiver {
	w := &WebhookReceiver{secret: secret, events: newPipe[Delivery]()}
	w.srv = httptest.NewServer(http.HandlerFunc(w.handle))
	w.URL = w.srv.URL + "/onebot/v11/post"
	return w
}

func (w *WebhookReceiver) handle(rw http.ResponseWriter, r *http.Request) {
	body, err := io.ReadAll(r.Body)
	w.mu.Lock()
	w.attempts++
	if len(w.failures) > 0 {
		status := w.failures[0]
		w.failures = w.failures[1:]
		w.mu.Unlock()
		http.Error(rw, "configured failure", status)
		return
	}
	w.mu.Unlock()
	if err != nil || r.Method != http.MethodPost || !json.Valid(body) {
		w.mu.Lock()
		w.badBodies++
		w.mu.Unlock()
		http.Error(rw, "bad request", http.StatusBadRequest)
		return
	}
	if w.secret != "" && !ValidSignature(w.secret, body, r.Header.Get("X-Signature")) {
		w.mu.Lock()
		w.badSig++
		w.mu.Unlock()
		http.Error(rw, "bad signature", http.StatusForbidden)
		return
	}
	d := Delivery{Body: body, Header: r.Header.Clone()}
	w.mu.Lock()
	if len(w.quickOps) > 0 {
		d.Answered = w.quickOps[0]
		w.quickOps = w.quickOps[1:]
	} else if w.quickAll != nil {
		d.Answered = w.quickAll
	}
	w.all = append(w.all, d)
	w.mu.Unlock()
	w.events.put(d)
	if d.Answered == nil {
		rw.WriteHeader(http.StatusNoContent)
		return
	}
	rw.Header().Set("Content-Type", "application/json")
	_, _ = rw.Write(d.Answered)
}

// ValidSignature checks an X-Signature header against body, in constant
// time.
func ValidSignature(secret string, body []byte, header string) bool {
	got, ok := strings.CutPrefix(header, "sha1=")
	if !ok {
		return false
	}
	m := hmac.New(sha1.New, []byte(secret))
	m.Write(body)
	want := hex.EncodeToString(m.Sum(nil))
	return subtle.ConstantTimeCompare([]byte(strings.ToLower(got)), []byte(want)) == 1
}

// QuickOperation answers the next n accepted events with op (n < 0: every
// event from now on).
func (w *WebhookReceiver) QuickOperation(op json.RawMessage, n int) {
	w.mu.Lock()
	defer w.mu.Unlock()
	if n < 0 {
		w.quickAll = op
		return
	}
	for range n {
		w.quickOps = append(w.quickOps, op)
	}
}

// Fail answers the next n requests with status (e.g. 500, 503) without
// recording them, to simulate a bot that is down.
func (w *WebhookReceiver) Fail(status, n int) {
	w.mu.Lock()
	defer w.mu.Unlock()
	for range n {
		w.failures = append(w.failures, status)
	}
}

// Events delivers accepted events in arrival order.
func (w *WebhookReceiver) Events() <-chan Delivery { return w.events.out }

// NextEvent waits for the next accepted event.
func (w *WebhookReceiver) NextEvent(ctx context.Context) (Delivery, error) {
	select {
	case d, ok := <-w.events.out:
		if !ok {
			return Delivery{}, fmt.Errorf("webhook receiver closed")
		}
		return d, nil
	case <-ctx.Done():
		return Delivery{}, ctx.Err()
	}
}

// Deliveries returns all accepted events so far.
func (w *WebhookReceiver) Deliveries() []Delivery {
	w.mu.Lock()
	defer w.mu.Unlock()
	return append([]Delivery(nil), w.all...)
}

// Attempts counts every request received, failed ones included.
func (w *WebhookReceiver) Attempts() int {
	w.mu.Lock()
	defer w.mu.Unlock()
	return w.attempts
}

// BadSignatures counts requests refused for their signature.
func (w *WebhookReceiver) BadSignatures() int {
	w.mu.Lock()
	defer w.mu.Unlock()
	return w.badSig
}

// BadBodies counts requests that were not a POST of valid JSON.
func (w *WebhookReceiver) BadBodies() int {
	w.mu.Lock()
	defer w.mu.Unlock()
	return w.badBodies
}

// Close stops the receiver.
func (w *WebhookReceiver) Close() {
	w.srv.Close()
	w.events.stop()
}
