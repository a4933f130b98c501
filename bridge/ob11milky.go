package bridge

import (
	"context"
	"fmt"
	"maps"
	"net"
	"slices"
	"time"

	eventmap "github.com/qqbridge/gateway/eventmap/ob11milky"
	"github.com/qqbridge/gateway/metrics"
	"github.com/qqbridge/gateway/milky"
	milkyclient "github.com/qqbridge/gateway/milky/client"
	"github.com/qqbridge/gateway/onebot11"
	ob11server "github.com/qqbridge/gateway/onebot11/server"
	"github.com/qqbridge/gateway/segment"
	translate "github.com/qqbridge/gateway/translate/ob11milky"
	"github.com/qqbridge/gateway/transport"
)

// OneBotOnMilky is the first direction: a Milky implementation upstream,
// OneBot 11 bots downstream. Events: milky client → eventmap/ob11milky →
// OneBot 11 server. Actions: OneBot 11 server → translate/ob11milky → milky
// client.
type OneBotOnMilky struct {
	rt     *Runtime
	client *milkyclient.Client
	caller *trackingCaller
	env    *translate.Env
	events *eventmap.Env
	ob     *ob11server.Server
	// tryEv is the envelope of the event tryEvent handles (the stream
	// calls it from one goroutine); emptied after each event.
	tryEv milky.Event
}

var _ Direction = (*OneBotOnMilky)(nil)

// NewOneBotOnMilky returns the runtime for the first direction (nil m: a
// fresh metrics registry).
func NewOneBotOnMilky(opts Options, m *metrics.Metrics) *Runtime {
	return New(opts, &OneBotOnMilky{}, m)
}

// Protocols implements Direction.
func (d *OneBotOnMilky) Protocols() (string, string) { return "milky", "onebot11" }

// Open implements Direction.
func (d *OneBotOnMilky) Open(rt *Runtime) error {
	d.rt = rt
	opts := &rt.Opts
	rt.Metrics.ClassifyUpstreamError = classifyMilkyError
	rt.Metrics.SetKnownActions("onebot11", slices.Collect(maps.Keys(translate.Actions)))

	client, err := milkyclient.NewClient(milkyclient.ClientConfig{
		BaseURL:  opts.UpstreamURL,
		Token:    opts.UpstreamToken,
		Timeout:  opts.UpstreamTimeout,
		Logger:   rt.Log,
		Observer: rt.Metrics,
	})
	if err != nil {
		return fmt.Errorf("upstream: %w", err)
	}
	d.client = client
	d.caller = &trackingCaller{next: client, reachable: milkyReachable}

	localFile, err := localFilePolicy(opts.MediaLocalFiles)
	if err != nil {
		return err
	}
	conv := segment.ForOneBot{
		Upstream: d.caller, IDs: rt.IDs, SelfID: rt.SelfID, SelfNickname: rt.SelfNickname,
		MessageFormat: opts.MessageFormat, LocalFile: localFile,
		// The type names an event's data (its buffer is reused for the
		// next event, see RunEvents), and a new metrics label keeps its
		// string: the label gets a copy. Rare: only unknown types get here.
		OnUntranslated: rt.Metrics.Untranslated,
	}
	d.events = &eventmap.Env{ForOneBot: conv}
	d.env = &translate.Env{
		ForOneBot:      conv,
		Now:            func() int64 { return time.Now().Unix() },
		UpstreamStatus: func() (bool, bool) { return rt.Ready(), d.caller.ok.Load() },
		Version:        opts.Version,
	}
	d.ob = ob11server.NewServer(ob11server.ServerConfig{
		AccessToken:       opts.AccessToken,
		ReverseWS:         opts.ReverseWS,
		Webhooks:          opts.Webhooks,
		Secret:            opts.Secret,
		Heartbeat:         opts.Heartbeat,
		ReconnectInterval: opts.ReconnectInterval,
		ReverseAuthScheme: opts.ReverseAuthScheme,
		QueueSize:         opts.EventBuffer,
		QueueBytes:        int(opts.EventBufferBytes),
		SpoolDir:          opts.SpoolDir,
		SpoolMaxBytes:     opts.SpoolMaxBytes,
		EventMaxAge:       opts.EventMaxAge,
		ActionTimeout:     opts.UpstreamTimeout + 5*time.Second,
		MaxBodyBytes:      opts.MaxBodyBytes,
		Logger:            rt.Log,
		Observer:          rt.Metrics,
	}, backend{d})
	return nil
}

// Serve implements Direction.
func (d *OneBotOnMilky) Serve(ln net.Listener) error { return d.ob.Serve(ln) }

// Start implements Direction.
func (d *OneBotOnMilky) Start(ctx context.Context) error {
	d.ob.Start(ctx)
	return nil
}

// RunEvents implements Direction. The client reuses one event and its
// Data for every event (ReuseEvent): onEvent encodes what it needs before
// it returns and keeps no string of the event. The common event is
// decoded and mapped in one pass over the payload (tryEvent), the rest
// goes through the client's decoder to onEvent.
func (d *OneBotOnMilky) RunEvents(ctx context.Context) {
	_ = d.client.RunEvents(ctx, milkyclient.StreamConfig{Transport: d.rt.Opts.UpstreamEvents, ReuseEvent: true,
		TryEvent: d.tryEvent}, d.onEvent)
}

// tryEvent is onEvent for a payload the client has not decoded: it
// handles it only when eventmap.TryMapRaw takes it (then the client skips
// its own decoding); otherwise nothing happened and the payload goes the
// usual way.
func (d *OneBotOnMilky) tryEvent(raw []byte) bool {
	ev := &d.tryEv
	res, taken, err := eventmap.TryMapRaw(d.events, raw, ev)
	if taken {
		d.publish(ev, res, err)
	}
	*ev = milky.Event{} // no slice of the reused payload kept
	return taken
}

// onEvent is the per-event hot path: translate, encode once, fan out.
func (d *OneBotOnMilky) onEvent(ev *milky.Event) {
	res, err := eventmap.Map(d.events, ev)
	d.publish(ev, res, err)
}

// publish counts a mapped event, encodes its OneBot events once and fans
// them out.
func (d *OneBotOnMilky) publish(ev *milky.Event, res eventmap.Result, err error) {
	m := d.rt.Metrics
	m.Event("upstream_in", ev.EventType)
	// Map reads the event's own self_id before the runtime's, so setting
	// it after mapping changes nothing for this event.
	d.rt.SetSelfID(ev.SelfID)
	if err != nil {
		m.Dropped("untranslatable")
		d.rt.Log.Warn("event not translated", "event_type", ev.EventType, "err", err)
		return
	}
	if res.Skipped != "" {
		// Unknown event types and scenes are already counted as untranslated
		// (Milky's compatibility rule); only deliberate drops such as the
		// duplicate file message count as dropped.
		if res.Skipped == eventmap.SkipDuplicateFile {
			m.Dropped(res.Skipped)
		}
		d.rt.Log.Debug("event skipped", "event_type", ev.EventType, "reason", res.Skipped)
	}
	for _, out := range res.Events {
		// Encoded straight into a pooled frame, which the queues keep
		// until the bots' writers have sent it, and which then serves a
		// later event.
		f := transport.NewFrame()
		b, err := onebot11.AppendEvent(f.B, out)
		if err != nil {
			m.Dropped("encode_failed")
			d.rt.Log.Error("event encode failed", "event_type", ev.EventType, "err", err)
			continue
		}
		f.B = b
		m.Event("downstream_out", out.EventName())
		d.ob.PublishFrame(f)
	}
	res.Release() // every event is encoded: its memory serves the next one
}

// Probe implements Direction: get_login_info.
func (d *OneBotOnMilky) Probe(ctx context.Context) (Account, error) {
	var info milky.GetLoginInfoOutput
	if err := d.caller.Call(ctx, milky.APIGetLoginInfo, nil, &info); err != nil {
		return Account{}, err
	}
	return Account{SelfID: info.Uin, Nickname: info.Nickname}, nil
}

// Status implements Direction.
func (d *OneBotOnMilky) Status() (bool, bool) {
	if d.caller == nil {
		return false, false
	}
	return d.caller.ok.Load(), d.client.StreamConnected()
}

// Connections implements Direction.
func (d *OneBotOnMilky) Connections() map[string]int {
	if d.ob == nil {
		return nil
	}
	return d.ob.Connections()
}

// Shutdown implements Direction: the OneBot server refuses new calls, lets
// in-flight ones finish, flushes queued events, closes WebSockets with 1001
// and then closes its port.
func (d *OneBotOnMilky) Shutdown(ctx context.Context) error {
	if d.ob == nil {
		return nil
	}
	return d.ob.Shutdown(ctx)
}

// Close implements Direction (the Milky client holds only pooled
// connections, which go with the process).
func (d *OneBotOnMilky) Close() {}
