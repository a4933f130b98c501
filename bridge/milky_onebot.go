package bridge

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"net/http"
	"sync"
	"sync/atomic"
	"time"

	"github.com/qqbridge/gateway/idmap"
	milkyclient "github.com/qqbridge/gateway/milky/client"
	"github.com/qqbridge/gateway/segment"

	ob11server "github.com/qqbridge/gateway/onebot11/server"

	"github.com/goccy/go-json"

	eventmap "github.com/qqbridge/gateway/eventmap/ob11milky"
	"github.com/qqbridge/gateway/idstore"
	"github.com/qqbridge/gateway/metrics"
	"github.com/qqbridge/gateway/milky"
	"github.com/qqbridge/gateway/simulator"
	translate "github.com/qqbridge/gateway/translate/ob11milky"
)

// MilkyOneBot runs a Milky upstream behind a OneBot 11 downstream.
//
// Lifecycle: New → Start (binds listeners, starts the event stream, the
// reverse-WS and webhook senders) → Shutdown (stop the upstream stream, stop
// accepting, finish in-flight calls, flush queued events, close WebSockets
// with 1001, flush the id store). Run does all three around a context.
type MilkyOneBot struct {
	opts    Options
	log     *slog.Logger
	metrics *metrics.Metrics

	sim       *simulator.Sim
	simServer *http.Server

	client *milkyclient.Client
	caller *trackingCaller
	ids    idMapper
	env    *translate.Env
	events *eventmap.Env
	ob     *ob11server.Server

	selfID   atomic.Int64
	nickname atomic.Pointer[string]

	listen, metricsLn net.Listener
	httpServer        *http.Server
	metricsServer     *http.Server

	streamCancel context.CancelFunc
	wg           sync.WaitGroup
	shutdownOnce sync.Once
}

// idMapper is the id store as the runtime sees it: the Mapper translations
// use, plus what operations need.
type idMapper interface {
	idmap.Mapper
	Stats() idstore.Stats
	Close() error
}

// NewMilkyOneBot builds the gateway; nothing is bound or started yet.
func NewMilkyOneBot(opts Options, m *metrics.Metrics) (*MilkyOneBot, error) {
	opts.defaults()
	if m == nil {
		m = metrics.New(opts.Version)
	}
	g := &MilkyOneBot{opts: opts, log: opts.Logger, metrics: m}
	m.ClassifyUpstreamError = classifyUpstreamError
	names := make([]string, 0, len(translate.Actions))
	for name := range translate.Actions {
		names = append(names, name)
	}
	m.SetKnownActions("onebot11", names)
	return g, nil
}

// Start binds the listeners and starts every background loop. A failed
// Start releases what it took (listeners, the built-in simulator, the id
// store's file lock), so the same data directory can be opened again.
func (g *MilkyOneBot) Start(ctx context.Context) (err error) {
	defer func() {
		if err != nil {
			g.abortStart()
		}
	}()
	opts := &g.opts
	upstreamURL := opts.UpstreamURL
	if upstreamURL == "" {
		if err := g.startSimulator(); err != nil {
			return err
		}
		upstreamURL = "http://" + g.simServer.Addr
	}

	client, err := milkyclient.NewClient(milkyclient.ClientConfig{
		BaseURL:  upstreamURL,
		Token:    opts.UpstreamToken,
		Timeout:  opts.UpstreamTimeout,
		Logger:   g.log,
		Observer: g.metrics,
	})
	if err != nil {
		return fmt.Errorf("upstream: %w", err)
	}
	g.client = client
	g.caller = &trackingCaller{next: client}

	if err := g.openIDs(); err != nil {
		return err
	}

	conv := segment.ForOneBot{
		Upstream: g.caller, IDs: g.ids, SelfID: g.selfID.Load, SelfNickname: g.selfNickname,
		MessageFormat: opts.MessageFormat, OnUntranslated: g.metrics.Untranslated,
	}
	g.events = &eventmap.Env{ForOneBot: conv}
	g.env = &translate.Env{
		ForOneBot:      conv,
		Now:            func() int64 { return time.Now().Unix() },
		UpstreamStatus: func() (bool, bool) { return g.Ready(), g.caller.ok.Load() },
		Version:        opts.Version,
	}
	if g.env.LocalFile, err = localFilePolicy(opts.MediaLocalFiles); err != nil {
		return err
	}
	g.ob = ob11server.NewServer(ob11server.ServerConfig{
		AccessToken:       opts.AccessToken,
		ReverseWS:         opts.ReverseWS,
		Webhooks:          opts.Webhooks,
		Secret:            opts.Secret,
		Heartbeat:         opts.Heartbeat,
		ReconnectInterval: opts.ReconnectInterval,
		ReverseAuthScheme: opts.ReverseAuthScheme,
		QueueSize:         opts.EventBuffer,
		ActionTimeout:     opts.UpstreamTimeout + 5*time.Second,
		MaxBodyBytes:      opts.MaxBodyBytes,
		Logger:            g.log,
		Observer:          g.metrics,
	}, backend{g})

	g.listen, err = net.Listen("tcp", opts.Listen)
	if err != nil {
		return fmt.Errorf("listen %s: %w", opts.Listen, err)
	}
	g.httpServer = &http.Server{Handler: g.ob.Handler(), ReadHeaderTimeout: 10 * time.Second, IdleTimeout: 5 * time.Minute}
	g.serve(g.httpServer, g.listen, "onebot11")

	if opts.MetricsListen != "" {
		g.metricsLn, err = net.Listen("tcp", opts.MetricsListen)
		if err != nil {
			return fmt.Errorf("metrics-listen %s: %w", opts.MetricsListen, err)
		}
		g.metricsServer = &http.Server{Handler: g.healthMux(), ReadHeaderTimeout: 10 * time.Second}
		g.serve(g.metricsServer, g.metricsLn, "metrics")
	}

	g.ob.Start(ctx)

	streamCtx, cancel := context.WithCancel(context.Background())
	g.streamCancel = cancel
	g.wg.Add(2)
	go func() {
		defer g.wg.Done()
		_ = g.client.RunEvents(streamCtx, milkyclient.StreamConfig{Transport: opts.UpstreamEvents}, g.onEvent)
	}()
	go func() {
		defer g.wg.Done()
		g.watchUpstream(streamCtx)
	}()
	return nil
}

// abortStart undoes a partial Start. Nothing it releases has reached the
// background loops yet: those start only after every fallible step.
func (g *MilkyOneBot) abortStart() {
	if g.httpServer != nil {
		_ = g.httpServer.Close()
		g.httpServer = nil
	}
	if g.simServer != nil {
		_ = g.simServer.Close()
		g.sim.Close()
		g.simServer = nil
	}
	g.wg.Wait()
	if g.ids != nil {
		_ = g.ids.Close()
		g.ids = nil
	}
}

func (g *MilkyOneBot) serve(srv *http.Server, ln net.Listener, name string) {
	g.wg.Add(1)
	go func() {
		defer g.wg.Done()
		if err := srv.Serve(ln); err != nil && !errors.Is(err, http.ErrServerClosed) {
			g.log.Error("server stopped", "server", name, "err", err)
		}
	}()
}

func (g *MilkyOneBot) startSimulator() error {
	g.sim = simulator.New(simulator.Options{Echo: g.opts.SimulatorEcho, Logger: g.log})
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return fmt.Errorf("simulator: %w", err)
	}
	g.simServer = &http.Server{Addr: ln.Addr().String(), Handler: g.sim.Handler(), ReadHeaderTimeout: 10 * time.Second}
	g.serve(g.simServer, ln, "simulator")
	return nil
}

func (g *MilkyOneBot) openIDs() error {
	opts := idstore.Options{MaxEntries: g.opts.IDMaxEntries, MaxAge: g.opts.IDRetention, Logger: g.log}
	if g.opts.DataDir == "" {
		g.ids = idstore.NewMemory(opts)
		return nil
	}
	st, err := idstore.Open(g.opts.DataDir, opts)
	if err != nil {
		return fmt.Errorf("data %s: %w", g.opts.DataDir, err)
	}
	g.ids = st
	return nil
}

// onEvent is the per-event hot path: translate, encode once, fan out.
func (g *MilkyOneBot) onEvent(ev *milky.Event) {
	g.metrics.Event("upstream_in", ev.EventType)
	if ev.SelfID != 0 {
		g.selfID.Store(ev.SelfID)
	}
	res, err := eventmap.Map(g.events, ev)
	if err != nil {
		g.metrics.Dropped("untranslatable")
		g.log.Warn("event not translated", "event_type", ev.EventType, "err", err)
		return
	}
	if res.Skipped != "" {
		// Unknown event types and scenes are already counted as untranslated
		// (Milky's compatibility rule); only deliberate drops such as the
		// duplicate file message count as dropped.
		if res.Skipped == eventmap.SkipDuplicateFile {
			g.metrics.Dropped(res.Skipped)
		}
		g.log.Debug("event skipped", "event_type", ev.EventType, "reason", res.Skipped)
	}
	for _, out := range res.Events {
		b, err := json.Marshal(out)
		if err != nil {
			g.metrics.Dropped("encode_failed")
			g.log.Error("event encode failed", "event_type", ev.EventType, "err", err)
			continue
		}
		g.metrics.Event("downstream_out", eventName(out))
		g.ob.Publish(b)
	}
}

// watchUpstream keeps the self id and the API readiness fresh: it asks
// get_login_info until it answers, then re-checks periodically so /readyz
// follows an upstream that goes away and comes back.
func (g *MilkyOneBot) watchUpstream(ctx context.Context) {
	interval := time.Second
	for {
		callCtx, cancel := context.WithTimeout(ctx, 5*time.Second)
		var info milky.GetLoginInfoOutput
		err := g.caller.Call(callCtx, milky.APIGetLoginInfo, nil, &info)
		cancel()
		if err == nil && info.Uin != 0 {
			g.nickname.Store(&info.Nickname)
			if g.selfID.Swap(info.Uin) != info.Uin {
				g.log.Info("upstream account", "self_id", info.Uin, "nickname", info.Nickname)
			}
			interval = 10 * time.Second
		} else if err != nil {
			interval = 2 * time.Second
		}
		// gateway_upstream_connected has one writer, the stream observer.
		st := g.ids.Stats()
		g.metrics.SetIDStore(st.Entries, st.Hits, st.Misses, st.Collisions, st.FlushErrors)
		select {
		case <-ctx.Done():
			return
		case <-time.After(interval):
		}
	}
}

// Ready is true when the upstream API answers and its event stream is up.
func (g *MilkyOneBot) Ready() bool {
	return g.caller != nil && g.caller.ok.Load() && g.client.StreamConnected()
}

// Addr is the bound downstream address.
func (g *MilkyOneBot) Addr() string { return g.listen.Addr().String() }

// MetricsAddr is the bound metrics address ("" when disabled).
func (g *MilkyOneBot) MetricsAddr() string {
	if g.metricsLn == nil {
		return ""
	}
	return g.metricsLn.Addr().String()
}

// Simulator is the built-in simulator, or nil when an upstream is configured.
func (g *MilkyOneBot) Simulator() *simulator.Sim { return g.sim }

func (g *MilkyOneBot) selfNickname() string {
	if p := g.nickname.Load(); p != nil {
		return *p
	}
	return ""
}

// SelfID is the upstream account (0 until known).
func (g *MilkyOneBot) SelfID() int64 { return g.selfID.Load() }

// Shutdown drains: the upstream stream stops first so no new events arrive,
// then the downstream finishes in-flight calls, flushes queued events and
// closes WebSockets with 1001, then the id store is flushed.
func (g *MilkyOneBot) Shutdown(ctx context.Context) error {
	var errs []error
	g.shutdownOnce.Do(func() {
		if g.streamCancel != nil {
			g.streamCancel()
		}
		// The OneBot server first: it refuses new calls, lets in-flight ones
		// finish, flushes queued events and closes WebSockets with 1001
		// (http.Server.Shutdown does not know hijacked connections). Then the
		// HTTP server stops accepting and waits for what is left.
		if g.ob != nil {
			if err := g.ob.Shutdown(ctx); err != nil {
				errs = append(errs, fmt.Errorf("downstream: %w", err))
			}
		}
		if g.httpServer != nil {
			if err := g.httpServer.Shutdown(ctx); err != nil {
				errs = append(errs, fmt.Errorf("downstream http: %w", err))
			}
		}
		if g.metricsServer != nil {
			_ = g.metricsServer.Shutdown(ctx)
		}
		if g.simServer != nil {
			// Every call to it has finished (the downstream drained above).
			// Close, not Shutdown: Shutdown waits up to 5s for connections
			// the upstream client dialled but never used (net/http counts
			// new connections as active), which a burst of calls leaves.
			_ = g.simServer.Close()
			g.sim.Close()
		}
		g.wg.Wait()
		if g.ids != nil {
			if err := g.ids.Close(); err != nil {
				errs = append(errs, fmt.Errorf("id store: %w", err))
			}
		}
	})
	return errors.Join(errs...)
}

// Run starts the gateway, waits for ctx, then shuts down within the grace period.
func (g *MilkyOneBot) Run(ctx context.Context) error {
	if err := g.Start(ctx); err != nil {
		return err
	}
	<-ctx.Done()
	g.log.Info("shutting down", "grace", g.opts.GracePeriod)
	sctx, cancel := context.WithTimeout(context.Background(), g.opts.GracePeriod)
	defer cancel()
	return g.Shutdown(sctx)
}
