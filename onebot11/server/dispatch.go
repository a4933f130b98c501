package server

import (
	"bytes"
	"context"
	"fmt"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/goccy/go-json"
	"github.com/qqbridge/gateway/onebot11"
)

// This file runs one action for any transport: suffixes, timeout, panics,
// observer, and encodes the reply envelope with the caller's echo.

const (
	suffixAsync       = "_async"
	suffixRateLimited = "_rate_limited"
)

// beginAction counts one request as in flight; false once Shutdown began
// (the transport then answers with shuttingDownResponse). endAction must
// follow a true result, after the reply was handed to the transport.
func (s *Server) beginAction() bool {
	s.gate.RLock()
	defer s.gate.RUnlock()
	if s.closing {
		return false
	}
	s.inflight.Add(1)
	return true
}

func (s *Server) endAction() { s.inflight.Done() }

func shuttingDownResponse() *onebot11.Response {
	return onebot11.Failed(onebot11.RetcodeUpstreamDown, "gateway is shutting down")
}

// dispatch runs one request between beginAction and endAction. ctx bounds a
// synchronous call; an _async call detaches from it and runs in the
// background under ActionTimeout, still counted in inflight so Shutdown
// waits for it.
func (s *Server) dispatch(ctx context.Context, transport, action string, params json.RawMessage) *onebot11.Response {
	if action == "" {
		return onebot11.Failed(onebot11.RetcodeBadRequest, "missing action")
	}
	if r := checkParams(params); r != nil {
		return r
	}
	name, async := splitSuffixes(action)
	if async {
		if r := s.validate(ctx, transport, name, params); r != nil {
			return r
		}
		s.inflight.Add(1) // the caller holds one count, so this cannot race Wait
		// params may point into the transport's request buffer, which is
		// reused once the "async" reply is written.
		params = bytes.Clone(params)
		s.workers.spawn(func() {
			defer s.inflight.Done()
			s.run(context.Background(), transport, name, params)
		})
		return &onebot11.Response{Status: "async", Retcode: onebot11.RetcodeAsync}
	}
	return s.run(ctx, transport, name, params)
}

// splitSuffixes strips _async and _rate_limited (either order). The
// _rate_limited form runs like the plain action: the gateway has no global
// rate limit to queue it behind, and never answering 404 to it is what bots
// need.
func splitSuffixes(action string) (name string, async bool) {
	name = action
	limited := false
	if b, ok := strings.CutSuffix(name, suffixRateLimited); ok && b != "" {
		name, limited = b, true
	}
	if b, ok := strings.CutSuffix(name, suffixAsync); ok && b != "" {
		name, async = b, true
	}
	if b, ok := strings.CutSuffix(name, suffixRateLimited); ok && b != "" && !limited {
		name = b
	}
	return name, async
}

// validate asks a Validator backend whether an _async call would be
// refused for its name or params; nil when it would run (or the backend
// cannot tell). A refusal is observed like a finished action.
func (s *Server) validate(ctx context.Context, transport, action string, params json.RawMessage) (resp *onebot11.Response) {
	v, ok := s.backend.(Validator)
	if !ok {
		return nil
	}
	start := time.Now()
	defer func() {
		if p := recover(); p != nil {
			s.log.Error("action validation panicked", "action", onebot11.Clip(action), "panic", onebot11.ClipTo(fmt.Sprint(p), onebot11.LogValueBytes))
			resp = nil // let the action itself run and report
		}
		if resp != nil {
			s.observe(transport, action, resp.Retcode, start)
		}
	}()
	ctx, cancel := context.WithTimeout(ctx, s.cfg.ActionTimeout)
	defer cancel()
	return v.ValidateAction(ctx, action, params)
}

// run calls the backend under ActionTimeout. A DeadlineBound backend runs
// on the calling goroutine; any other runs in its own goroutine (a reused
// one, see workers) so a call that ignores its context still gets a timely
// reply.
func (s *Server) run(ctx context.Context, transport, action string, params json.RawMessage) *onebot11.Response {
	start := time.Now()
	var resp *onebot11.Response
	if _, inline := s.backend.(DeadlineBound); inline && ctx == context.Background() {
		dctx := &deadlineCtx{deadline: start.Add(s.cfg.ActionTimeout)}
		resp = s.callBackend(dctx, action, params)
		dctx.release()
	} else {
		ctx, cancel := context.WithTimeout(ctx, s.cfg.ActionTimeout)
		defer cancel()
		done := make(chan *onebot11.Response, 1)
		s.workers.spawn(func() { done <- s.callBackend(ctx, action, params) })
		select {
		case resp = <-done:
		case <-ctx.Done():
			resp = onebot11.Failed(onebot11.RetcodeUpstreamDown, fmt.Sprintf("action %s timed out after %s", onebot11.Clip(action), s.cfg.ActionTimeout))
		}
	}
	if resp == nil {
		resp = onebot11.Failed(onebot11.RetcodeUpstream, "backend returned no response")
	}
	s.observe(transport, action, resp.Retcode, start)
	return resp
}

// deadlineCtx is the context of an action run inline (DeadlineBound): a
// Background that ends at deadline. It is context.WithDeadline without the
// timer, which is made only if someone asks for Done: the first direction's
// backend only reads Deadline and Err, and a timer set and stopped per call
// is measurable at this rate.
type deadlineCtx struct {
	deadline time.Time
	once     sync.Once
	done     chan struct{}
	timer    *time.Timer
	stopped  atomic.Bool
}

func (c *deadlineCtx) Deadline() (time.Time, bool) { return c.deadline, true }

func (c *deadlineCtx) Done() <-chan struct{} {
	c.once.Do(func() {
		c.done = make(chan struct{})
		d := time.Until(c.deadline)
		if d <= 0 || c.stopped.Load() {
			close(c.done)
			return
		}
		c.timer = time.AfterFunc(d, func() { close(c.done) })
	})
	return c.done
}

// Err is Canceled after release and DeadlineExceeded once the deadline
// passed, as a WithDeadline context's after cancel and at its deadline.
func (c *deadlineCtx) Err() error {
	if c.stopped.Load() {
		return context.Canceled
	}
	if !time.Now().Before(c.deadline) {
		return context.DeadlineExceeded
	}
	return nil
}

func (c *deadlineCtx) Value(any) any { return nil }

// release ends the context like a WithDeadline's cancel: Done (if anyone
// asked for it) closes and its timer stops.
func (c *deadlineCtx) release() {
	c.stopped.Store(true)
	c.once.Do(func() { c.done = closedChan }) // Done from now on: closed
	if c.timer != nil && c.timer.Stop() {
		close(c.done) // stopped before it fired: nobody else closes it
	}
}

var closedChan = func() chan struct{} { c := make(chan struct{}); close(c); return c }()

func (c *deadlineCtx) String() string { return "onebot11.server.deadlineCtx" }

// callBackend calls the backend, turning a panic into a failed call: neither
// fasthttp nor the workers recover, so a panic would end the process.
func (s *Server) callBackend(ctx context.Context, action string, params json.RawMessage) (resp *onebot11.Response) {
	defer func() {
		if p := recover(); p != nil {
			s.log.Error("action panicked", "action", onebot11.Clip(action), "panic", onebot11.ClipTo(fmt.Sprint(p), onebot11.LogValueBytes))
			resp = onebot11.Failed(onebot11.RetcodeUpstream, "internal error")
		}
	}()
	return s.backend.HandleAction(ctx, action, params)
}

func (s *Server) observe(transport, action string, retcode int, start time.Time) {
	label := action
	if retcode == onebot11.RetcodeNotFound {
		label = "_unknown" // bots choose names; keep metric labels bounded
	}
	s.obs.ActionDone(transport, label, retcode, time.Since(start).Seconds())
}

// checkParams rejects params that are present but not a JSON object.
func checkParams(params json.RawMessage) *onebot11.Response {
	p := bytes.TrimSpace(params)
	if len(p) == 0 || p[0] == '{' || bytes.Equal(p, []byte("null")) {
		return nil
	}
	return onebot11.Failed(onebot11.RetcodeBadRequest, "params: must be a JSON object")
}

// encodeResponse marshals r and appends echo exactly as received: echo is
// spliced in as raw bytes because the JSON encoder would compact it.
func encodeResponse(r *onebot11.Response, echo json.RawMessage) []byte {
	out := *r
	out.Echo = nil
	b, err := marshalReply(&out)
	if err != nil {
		b, _ = json.Marshal(onebot11.Failed(onebot11.RetcodeUpstream, "encode response: "+err.Error()))
	}
	if len(echo) == 0 {
		return b
	}
	b = append(b[:len(b)-1], `,"echo":`...)
	b = append(b, echo...)
	return append(b, '}')
}

// marshalReply encodes a reply, turning an encoder panic (a value's own
// MarshalJSON, or the encoder itself) into an error: replies are encoded
// on worker goroutines and under fasthttp, neither of which recovers, so a
// panic would end the process.
func marshalReply(r *onebot11.Response) (b []byte, err error) {
	defer func() {
		if p := recover(); p != nil {
			b, err = nil, fmt.Errorf("panic: %v", p)
		}
	}()
	return json.Marshal(r)
}

// parseFrame decodes one WS request frame. On a malformed frame it returns a
// 1400 response and, when the frame is at least a JSON object, its echo.
func parseFrame(data []byte) (onebot11.Request, *onebot11.Response) {
	var req onebot11.Request
	if err := json.Unmarshal(data, &req); err != nil {
		var loose map[string]json.RawMessage
		if json.Unmarshal(data, &loose) == nil {
			req.Echo = loose["echo"]
		} else {
			req.Echo = nil
		}
		return req, onebot11.Failed(onebot11.RetcodeBadRequest, "invalid request frame: "+onebot11.Clip(err.Error()))
	}
	return req, nil
}
