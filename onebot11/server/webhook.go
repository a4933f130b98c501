package server

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/url"
	"strconv"
	"sync/atomic"
	"time"

	"github.com/goccy/go-json"

	"github.com/qqbridge/gateway/onebot11"
	"github.com/qqbridge/gateway/transport"
)

// Webhooks (OneBot "HTTP POST"): every event is POSTed to every URL, in
// order, one at a time per URL. A failed POST (network error, timeout, 5xx,
// 3xx, 408, 429) leaves the event at the head of the target's outbox and
// is tried again after a delay (transport.Backoff from WebhookRetryInterval
// doubling to webhookMaxDelay, full jitter) that a success resets: there is no retry
// count, so a short outage costs a short pause and a long one loses
// nothing while the memory buffer and the spool have room. Any other 4xx
// means the receiver refused that event: it is dropped after being logged
// (EventDropped("webhook", "rejected")) instead of blocking the queue
// forever. A 2xx answer whose body is a non-empty JSON object is a quick
// operation for the backend.

type webhookTarget struct {
	s       *Server
	url     string
	label   string
	queue   *outbox
	client  *http.Client
	healthy atomic.Bool
	stopped chan struct{} // closed when loop returns
}

// webhookMaxDelay caps the retry delay: one POST every few seconds costs a
// down bot nothing, and a bot that is back gets its backlog soon after.
const webhookMaxDelay = 5 * time.Second

type deliveryOutcome int

const (
	deliveryOK deliveryOutcome = iota
	deliveryRejected
	deliveryFailed
)

func newWebhookTarget(s *Server, rawURL string) *webhookTarget {
	label := transport.RedactURL(rawURL)
	tr := http.DefaultTransport.(*http.Transport).Clone()
	tr.MaxIdleConnsPerHost = 2
	t := &webhookTarget{
		s:     s,
		url:   rawURL,
		label: label,
		queue: newOutbox(s, TransportWebhook, label, true, s.openSpool(TransportWebhook, rawURL, label)),
		// Redirects are not followed: a 301/302 would turn the POST into a
		// GET and lose the event. A 3xx is reported and retried instead.
		client: &http.Client{Transport: tr, CheckRedirect: func(*http.Request, []*http.Request) error {
			return http.ErrUseLastResponse
		}},
		stopped: make(chan struct{}),
	}
	t.healthy.Store(true)
	return t
}

func (t *webhookTarget) loop(ctx context.Context) {
	defer close(t.stopped)
	defer t.client.CloseIdleConnections()
	// A target counts as connected while it is reachable, and it starts out
	// so (healthy): report that, or the first failure's ConnClosed left the
	// connections gauge one below the truth for good (-1 while down).
	t.s.obs.ConnOpened(TransportWebhook, t.label)
	defer func() {
		if t.healthy.Load() {
			t.s.obs.ConnClosed(TransportWebhook, t.label, nil)
		}
	}()
	backoff := transport.Backoff{Min: t.s.cfg.WebhookRetryInterval, Max: webhookMaxDelay}
	buf := make([][]byte, 0, 1)
	for {
		ev := t.queue.peek(buf)
		if ev == nil {
			select {
			case <-t.queue.notify:
				continue
			case <-ctx.Done():
				return
			}
		}
		switch t.deliver(ctx, ev) {
		case deliveryOK:
			t.queue.commit()
			backoff.Reset()
			t.setHealthy(true, nil)
		case deliveryRejected:
			t.queue.commit()
			t.s.obs.EventDropped(TransportWebhook, DropRejected)
			backoff.Reset()
			t.setHealthy(true, nil)
		case deliveryFailed:
			if ctx.Err() != nil {
				return
			}
			t.setHealthy(false, fmt.Errorf("event kept queued; %d waiting", t.queue.len()))
			if !transport.Sleep(ctx, backoff.Next()) {
				return
			}
		}
	}
}

func (t *webhookTarget) setHealthy(ok bool, err error) {
	if t.healthy.Swap(ok) == ok {
		return
	}
	if ok {
		t.s.obs.ConnOpened(TransportWebhook, t.label)
		t.s.log.Info("webhook target reachable again", "url", t.label)
	} else {
		t.s.obs.ConnClosed(TransportWebhook, t.label, err)
	}
}

// deliver posts ev once and runs the quick operation it answers.
func (t *webhookTarget) deliver(ctx context.Context, ev []byte) deliveryOutcome {
	status, body, err := t.post(ctx, ev)
	switch {
	case err == nil && status >= 200 && status < 300:
		t.quickOperation(ctx, ev, body)
		return deliveryOK
	case err == nil && status >= 400 && status < 500 && status != http.StatusRequestTimeout && status != http.StatusTooManyRequests:
		t.s.log.Warn("webhook rejected event; dropped", "url", t.label, "status", status)
		return deliveryRejected
	}
	if err == nil {
		err = fmt.Errorf("HTTP %d", status)
	}
	if ctx.Err() == nil {
		// Warn on the first failure of an outage only; the rest are noise.
		level := slog.LevelDebug
		if t.healthy.Load() {
			level = slog.LevelWarn
		}
		t.s.log.Log(ctx, level, "webhook post failed; event kept queued", "url", t.label, "err", err, "queued", t.queue.len())
	}
	return deliveryFailed
}

// post sends one event and returns the status and (bounded) response body.
func (t *webhookTarget) post(ctx context.Context, ev []byte) (int, []byte, error) {
	cfg := &t.s.cfg
	ctx, cancel := context.WithTimeout(ctx, cfg.WebhookTimeout)
	defer cancel()
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, t.url, bytes.NewReader(ev))
	if err != nil {
		return 0, nil, err
	}
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("User-Agent", cfg.UserAgent)
	req.Header.Set("X-Self-ID", strconv.FormatInt(t.s.backend.SelfID(), 10))
	if cfg.Secret != "" {
		req.Header.Set("X-Signature", signature(cfg.Secret, ev))
	}
	resp, err := t.client.Do(req)
	if err != nil {
		// *url.Error quotes the full URL, which may carry a token.
		var ue *url.Error
		if errors.As(err, &ue) {
			err = fmt.Errorf("%s %s: %w", ue.Op, t.label, ue.Err)
		}
		return 0, nil, err
	}
	defer resp.Body.Close()
	body, err := io.ReadAll(io.LimitReader(resp.Body, cfg.MaxBodyBytes))
	if err != nil && resp.StatusCode >= 200 && resp.StatusCode < 300 {
		// The event arrived; only the quick operation is unreadable.
		t.s.log.Warn("webhook response unreadable; quick operation ignored", "url", t.label, "err", err)
		return resp.StatusCode, nil, nil
	}
	return resp.StatusCode, body, nil
}

// quickOperation hands a non-empty JSON object answer to the backend.
// 204, an empty body or {} mean no operation.
func (t *webhookTarget) quickOperation(ctx context.Context, ev, body []byte) {
	b := bytes.TrimSpace(body)
	if len(b) == 0 {
		return
	}
	var op map[string]json.RawMessage
	if b[0] != '{' || json.Unmarshal(b, &op) != nil {
		t.s.log.Debug("webhook answer is not a JSON object; ignored", "url", t.label)
		return
	}
	if len(op) == 0 {
		return
	}
	qctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), t.s.cfg.ActionTimeout)
	defer cancel()
	start := time.Now()
	err := t.runQuickOperation(qctx, ev, b)
	retcode := onebot11.RetcodeOK
	if err != nil {
		retcode = onebot11.RetcodeUpstream
		var e *onebot11.Error
		if errors.As(err, &e) {
			retcode = e.Retcode
		}
		t.s.log.Warn("quick operation failed", "url", t.label, "err", onebot11.ClipTo(err.Error(), onebot11.LogValueBytes))
	}
	t.s.obs.ActionDone(TransportWebhook, ".handle_quick_operation", retcode, time.Since(start).Seconds())
}

// runQuickOperation calls the backend with the bot's answer (untrusted
// input) in the sender's own goroutine: a panic becomes an error, as it
// does for actions, instead of ending the process.
func (t *webhookTarget) runQuickOperation(ctx context.Context, ev, op []byte) (err error) {
	defer func() {
		if p := recover(); p != nil {
			t.s.log.Error("quick operation panicked", "url", t.label, "panic", onebot11.ClipTo(fmt.Sprint(p), onebot11.LogValueBytes))
			err = onebot11.Errorf(onebot11.RetcodeUpstream, "internal error")
		}
	}()
	return t.s.backend.QuickOperation(ctx, ev, op)
}

// drain waits until the queue is empty, the target is down, its sender
// stopped (or never started), or ctx ends.
func (t *webhookTarget) drain(ctx context.Context) {
	transport.PollUntil(ctx, t.stopped, drainPoll, func() bool {
		return !t.s.started.Load() || t.queue.len() == 0 || !t.healthy.Load()
	})
}
