package bridge

import (
	"context"
	"errors"
	"fmt"
	"maps"
	"net"
	"slices"
	"sync/atomic"
	"time"

	eventmap "github.com/qqbridge/gateway/eventmap/milkyob11"
	"github.com/qqbridge/gateway/metrics"
	"github.com/qqbridge/gateway/milky"
	milkyserver "github.com/qqbridge/gateway/milky/server"
	"github.com/qqbridge/gateway/onebot11"
	ob11client "github.com/qqbridge/gateway/onebot11/client"
	translate "github.com/qqbridge/gateway/translate/milkyob11"
	"github.com/qqbridge/gateway/transport"
)

// MilkyOnOneBot is the reverse direction: a OneBot 11 implementation
// upstream, Milky 1.2 bots downstream. Events: onebot11 client →
// eventmap/milkyob11 → Milky server. Actions: Milky server →
// translate/milkyob11 → onebot11 client. It reads the same way as
// OneBotOnMilky (ob11milky.go), section by section.
type MilkyOnOneBot struct {
	rt     *Runtime
	client *ob11client.Client
	caller *trackingCaller
	impl   atomic.Pointer[onebot11.Impl]
	// detected is set once Probe has named the implementation; before
	// that, currentImpl asks the client what it learnt at connect.
	detected atomic.Bool
	env      translate.Env // template; calls use a copy with the current Impl
	callEnv  atomic.Pointer[translate.Env]
	events   *eventmap.Env
	dir      *directory
	quotes   *quoteCache
	srv      *milkyserver.Server
	// stopped: the event stream has ended (RunEvents returned).
	stopped atomic.Bool
}

var _ Direction = (*MilkyOnOneBot)(nil)

// NewMilkyOnOneBot returns the runtime for the reverse direction (nil m: a
// fresh metrics registry).
func NewMilkyOnOneBot(opts Options, m *metrics.Metrics) *Runtime {
	return New(opts, &MilkyOnOneBot{}, m)
}

// Protocols implements Direction.
func (d *MilkyOnOneBot) Protocols() (string, string) { return "onebot11", "milky" }

// Open implements Direction.
func (d *MilkyOnOneBot) Open(rt *Runtime) error {
	d.rt = rt
	opts := &rt.Opts
	rt.Metrics.ClassifyUpstreamError = classifyOneBotError
	rt.Metrics.SetKnownActions("milky", slices.Collect(maps.Keys(translate.APIs)))
	unknown := onebot11.Unknown
	d.impl.Store(&unknown)

	client, err := ob11client.New(ob11client.Config{
		URL:           opts.UpstreamURL,
		Listen:        opts.UpstreamListen,
		Token:         opts.UpstreamToken,
		Secret:        opts.UpstreamSecret,
		Timeout:       opts.UpstreamTimeout,
		MaxFrameBytes: int(opts.MaxBodyBytes),
		Handler:       eventHandler{d},
		Observer:      reverseClientObserver{ob11ClientObserver{rt.Metrics}, d},
		Logger:        rt.Log,
	})
	if err != nil {
		return fmt.Errorf("upstream: %w", err)
	}
	d.client = client
	d.caller = &trackingCaller{next: client, reachable: oneBotReachable}

	ids, ok := rt.IDs.(reverseIDs)
	if !ok {
		return errors.New("id store: the reverse direction needs message-seq and flag mappings")
	}
	localFile, err := localFilePolicy(opts.MediaLocalFiles)
	if err != nil {
		return err
	}
	d.quotes = newQuoteCache(quoteCacheSize)
	d.env = translate.Env{
		LocalFile: localFile,
		Upstream:  d.caller, Seqs: ids, Flags: ids, SelfID: rt.SelfID,
		Now: func() int64 { return time.Now().Unix() }, Version: opts.Version, Quotes: d.quotes,
	}
	d.callEnv.Store(nil) // a copy of an earlier template must not serve
	d.dir = newDirectory(d.callMilky, rt.Log)
	d.events = &eventmap.Env{
		Seqs: ids, Flags: ids, Dir: d.dir, Quotes: d.quotes,
		Now: func() int64 { return time.Now().Unix() }, OnUntranslated: rt.Metrics.Untranslated,
	}
	d.srv = milkyserver.New(milkyserver.Config{
		Token:        opts.AccessToken,
		API:          apiHandler{d},
		Logger:       rt.Log,
		Observer:     milkyServerObserver{rt.Metrics},
		Routes:       map[string]fasthttpHandler{oneBotPostPath: client.PostHandler()},
		MaxBodyBytes: int(opts.MaxBodyBytes),
		QueueEvents:  opts.EventBuffer,
		Webhooks:     opts.Webhooks,
	})
	return nil
}

// oneBotPostPath is where a OneBot 11 upstream in HTTP mode POSTs its
// events, on the downstream port (the gateway's CLI contract).
const oneBotPostPath = "/onebot/v11/post"

// Serve implements Direction.
func (d *MilkyOnOneBot) Serve(ln net.Listener) error { return d.srv.Serve(ln) }

// Start implements Direction: the client dials (forward WS), binds
// --upstream-listen (reverse WS) or starts probing (HTTP).
func (d *MilkyOnOneBot) Start(context.Context) error {
	if err := d.client.Start(); err != nil {
		return fmt.Errorf("upstream: %w", err)
	}
	return nil
}

// RunEvents implements Direction. The client delivers events from its own
// reading goroutine (onEvent) and reconnects by itself; Probe follows the
// implementation and refreshes the directory. When ctx ends (the runtime's Shutdown, before the downstream drains) the
// stream counts as stopped: the client keeps its socket for in-flight
// calls until Shutdown, but events it still reads are dropped and counted
// instead of being queued behind the drain, where they were lost unseen.
func (d *MilkyOnOneBot) RunEvents(ctx context.Context) {
	<-ctx.Done()
	d.stopped.Store(true)
}

// eventHandler is the client's Handler: OnEvent for classified events,
// TryEvent (ob11client.EventTrier) for the common event taken in one pass.
type eventHandler struct{ d *MilkyOnOneBot }

func (h eventHandler) OnEvent(raw []byte)       { h.d.onEvent(raw) }
func (h eventHandler) TryEvent(raw []byte) bool { return h.d.tryEvent(raw) }

// tryEvent is onEvent for a frame the client has not classified: it
// handles the frame only when eventmap.TryMapRaw can tell it is an event
// (then the client skips its own scan); otherwise nothing happened and the
// frame goes the usual way, shutdown included.
func (d *MilkyOnOneBot) tryEvent(raw []byte) bool {
	if d.stopped.Load() {
		return false
	}
	d.events.SelfID = d.rt.SelfID()
	d.events.Impl = d.currentImpl()
	res, ok := eventmap.TryMapRaw(d.events, raw)
	if ok {
		d.publish(res)
		res.Release() // every event is encoded: its memory serves the next one
	}
	return ok
}

// onEvent is the per-event hot path: translate, encode once, fan out. The
// client calls it from one goroutine, in order.
func (d *MilkyOnOneBot) onEvent(raw []byte) {
	m := d.rt.Metrics
	if d.stopped.Load() {
		m.Dropped("shutdown")
		return
	}
	d.events.SelfID = d.rt.SelfID()
	d.events.Impl = d.currentImpl()
	res, err := eventmap.MapRaw(d.events, raw)
	if err != nil {
		m.Dropped("untranslatable")
		d.rt.Log.Warn("event not translated", "err", err)
		return
	}
	d.publish(res)
	res.Release()
}

// publish counts, encodes and fans out a mapped event.
func (d *MilkyOnOneBot) publish(res eventmap.Result) {
	m := d.rt.Metrics
	if res.Skipped != "" {
		m.Event("upstream_in", "skipped."+res.Skipped)
		d.rt.Log.Debug("event skipped", "reason", res.Skipped)
		return
	}
	for i := range res.Events {
		ev := &res.Events[i]
		typ := ev.Data.EventType()
		m.Event("upstream_in", typ)
		d.rt.SetSelfID(ev.SelfID)
		d.dir.observe(ev)
		// Encoded straight into a pooled frame, which the queues keep
		// until the bots' writers have sent it, and which then serves a
		// later event.
		f := transport.NewFrame()
		b, err := milky.AppendTypedEvent(f.B, *ev)
		d.quotes.remember(ev) // copies what it keeps; the event is untouched
		if err != nil {
			m.Dropped("encode_failed")
			d.rt.Log.Error("event encode failed", "event_type", typ, "err", err)
			continue
		}
		f.B = b
		m.Event("downstream_out", typ)
		d.srv.PublishFrame(f)
	}
}

// Probe implements Direction: the account and implementation the client
// learnt at its last (re)connect (get_login_info, get_version_info).
func (d *MilkyOnOneBot) Probe(ctx context.Context) (Account, error) {
	d.awaitClient(ctx)
	info, ok := d.client.Info()
	if !ok || info.SelfID == 0 {
		// Ask again through the caller, so /readyz follows the API.
		var li struct {
			UserID   int64  `json:"user_id"`
			Nickname string `json:"nickname"`
		}
		if err := d.caller.Call(ctx, "get_login_info", nil, &li); err != nil {
			return Account{}, err
		}
		if li.UserID == 0 {
			return Account{}, errors.New("upstream is not logged in (get_login_info has no user_id)")
		}
		return Account{SelfID: li.UserID, Nickname: li.Nickname}, nil
	}
	impl := onebot11.DetectImpl(info.AppName, info.AppVersion)
	if old := d.impl.Swap(&impl); *old != impl {
		d.rt.Log.Info("upstream implementation", "impl", string(impl), "app_name", info.AppName, "app_version", info.AppVersion)
		d.dir.refresh(ctx)
	}
	d.detected.Store(true) // after the Swap: no reader sees detected with the old impl
	// A cheap call keeps the API verdict fresh between events.
	if err := d.caller.Call(ctx, "get_status", nil, nil); err != nil {
		return Account{}, err
	}
	return Account{SelfID: info.SelfID, Nickname: info.Nickname}, nil
}

// probeWait bounds how long Probe waits for the client to come up. The
// runtime re-probes a failed upstream only every 2s; waiting here instead
// lets /readyz turn 200 within a poll tick of the client connecting (the
// runtime probes once at Start, before a WebSocket can be up, and a
// reconnected upstream was otherwise seen up to 2s late).
const (
	probeWait = 2 * time.Second
	probeTick = 20 * time.Millisecond
)

// awaitClient returns when the client is Ready, ctx ends or probeWait
// passes. It runs on the runtime's watcher goroutine only.
func (d *MilkyOnOneBot) awaitClient(ctx context.Context) {
	if d.client.Ready() {
		return
	}
	deadline := time.NewTimer(probeWait)
	defer deadline.Stop()
	tick := time.NewTicker(probeTick)
	defer tick.Stop()
	for !d.client.Ready() {
		select {
		case <-ctx.Done():
			return
		case <-deadline.C:
			return
		case <-tick.C:
		}
	}
}

// Status implements Direction.
func (d *MilkyOnOneBot) Status() (bool, bool) {
	if d.caller == nil {
		return false, false
	}
	return d.caller.ok.Load(), d.client.Ready()
}

// Connections implements Direction.
func (d *MilkyOnOneBot) Connections() map[string]int {
	if d.srv == nil {
		return nil
	}
	return map[string]int{"event": d.srv.Subscribers()}
}

// Shutdown implements Direction: the Milky server refuses new calls,
// finishes in-flight ones, flushes queued events to subscribers and
// webhooks and closes WebSockets with 1001; then the upstream client stops.
func (d *MilkyOnOneBot) Shutdown(ctx context.Context) error {
	if d.srv == nil {
		return nil
	}
	err := d.srv.Shutdown(ctx)
	if cerr := d.client.Shutdown(ctx); err == nil && cerr != nil {
		err = fmt.Errorf("upstream: %w", cerr)
	}
	return err
}

// Close implements Direction.
func (d *MilkyOnOneBot) Close() {
	if d.client != nil {
		_ = d.client.Close()
	}
	if d.dir != nil {
		d.dir.stop()
	}
}

// currentImpl is the detected implementation. Until the runtime's probe
// has run, it is read from what the client learnt at connect, so that the
// first events already use the implementation's own conversation seq.
func (d *MilkyOnOneBot) currentImpl() onebot11.Impl {
	impl := *d.impl.Load()
	if impl == onebot11.Unknown && !d.detected.Load() {
		// Only until the first probe: an upstream that stays unknown
		// must not cost a client lookup per event.
		if info, ok := d.client.Info(); ok {
			impl = onebot11.DetectImpl(info.AppName, info.AppVersion)
		}
	}
	return impl
}

// callMilky runs one Milky API of this direction for the gateway itself
// (the directory fills its cache through the same mapping bots use).
func (d *MilkyOnOneBot) callMilky(ctx context.Context, api string, body []byte) (any, error) {
	impl := d.currentImpl()
	env := d.callEnv.Load()
	if env == nil || env.Impl != impl {
		// The implementation changed (or first call): a new copy of the
		// template. Handlers never write to their Env, so calls share it
		// instead of each allocating its own copy.
		e := d.env
		e.Impl = impl
		env = &e
		d.callEnv.Store(env)
	}
	return translate.Do(ctx, env, api, body)
}

// apiHandler serves the bots' /api calls with the current implementation.
type apiHandler struct{ d *MilkyOnOneBot }

func (h apiHandler) HandleAPI(ctx context.Context, api string, body []byte) (any, error) {
	out, err := h.d.callMilky(ctx, api, body)
	if err != nil {
		h.logFailed(api, err)
	}
	return out, err
}

// logFailed writes the one line of a failed call, as the first direction's
// backend does: bounded, the API name clipped, the request body never
// logged (it may carry message content).
func (h apiHandler) logFailed(api string, err error) {
	retcode := 0
	var ae *milky.APIError
	if errors.As(err, &ae) {
		retcode = ae.Retcode
	}
	h.d.rt.Log.Warn("api failed", "api", onebot11.Clip(api), "retcode", retcode, "message", clipLog(err.Error()))
}

// reverseClientObserver lets every answer the client gets count for the
// API verdict, including the get_login_info it sends itself on each
// (re)connect. Calls through d.caller already set it; without this, a
// failed call during an outage left the API marked down after the upstream
// came back, until the runtime's next probe (up to 10s later). Only
// answers are recorded here: failures are trackingCaller's to judge, so a
// timeout is not counted twice.
type reverseClientObserver struct {
	ob11ClientObserver
	d *MilkyOnOneBot
}

func (o reverseClientObserver) APICall(action string, seconds float64, err error) {
	o.ob11ClientObserver.APICall(action, seconds, err)
	if err == nil || oneBotReachable(err) {
		if c := o.d.caller; c != nil {
			c.timeouts.Store(0)
			c.ok.Store(true)
		}
	}
}
