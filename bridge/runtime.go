// Package bridge is the gateway's one runtime: it binds the listeners, opens
// the id store, starts a direction's upstream event pump and downstream
// server, keeps the upstream account and readiness fresh, serves /metrics,
// /healthz and /readyz, and drains everything on shutdown. Each direction is
// a short wiring file (ob11milky.go, milkyob11.go) implementing Direction;
// neither holds mapping logic: every decision about how one protocol's thing
// becomes the other's lives in translate/ and eventmap/.
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

	"github.com/qqbridge/gateway/metrics"
)

// Direction is one way through the gateway: an upstream client, the mapping
// packages of that direction, and a downstream server for bots.
type Direction interface {
	// Protocols names the upstream and downstream protocols, for logs and
	// metrics labels ("milky", "onebot11").
	Protocols() (upstream, downstream string)
	// Open builds the upstream client and the downstream server around the
	// runtime's id store and account; nothing is bound or started yet.
	Open(rt *Runtime) error
	// Serve serves bots on ln until Shutdown.
	Serve(ln net.Listener) error
	// Start starts the downstream's own background loops (reverse WebSocket
	// dialers, webhook senders, heartbeats) and connects the upstream
	// client (binding its listener, for an upstream that dials in).
	Start(ctx context.Context) error
	// RunEvents pumps upstream events to the downstream until ctx ends,
	// reconnecting as needed. It is the direction's only event goroutine.
	RunEvents(ctx context.Context)
	// Probe asks the upstream for its account.
	Probe(ctx context.Context) (Account, error)
	// Status says whether the upstream API answered its last call and the
	// upstream event stream is connected.
	Status() (api, stream bool)
	// Connections counts the bots connected downstream, by transport.
	Connections() map[string]int
	// Shutdown drains the downstream: refuse new calls, finish in-flight
	// ones, flush queued events, close WebSockets with 1001.
	Shutdown(ctx context.Context) error
	// Close releases the upstream client once everything has stopped.
	Close()
}

// Account is the upstream's logged-in QQ account.
type Account struct {
	SelfID   int64
	Nickname string
}

// Runtime runs one Direction. Lifecycle: New → Start (binds listeners,
// opens the id store, starts the event pump and the upstream watcher) →
// Shutdown (stop the upstream stream, drain the downstream, flush the id
// store). Run does all three around a context.
type Runtime struct {
	Opts    Options
	Log     *slog.Logger
	Metrics *metrics.Metrics
	// IDs is the id store both directions' mappings use (durable under
	// Options.DataDir, in memory without one); open after Start.
	IDs IDStore

	dir      Direction
	selfID   atomic.Int64
	nickname atomic.Pointer[string]
	// probed is set once the upstream has named its account through Probe
	// (an event's self_id alone does not make the gateway ready: bots must
	// not register under an account the API has not confirmed).
	probed atomic.Bool

	listen, metricsLn net.Listener
	metricsServer     *http.Server

	streamCancel context.CancelFunc
	wg           sync.WaitGroup
	shutdownOnce sync.Once
}

// New builds a runtime for dir; nothing is bound or started yet. A nil m
// makes a fresh metrics registry.
func New(opts Options, dir Direction, m *metrics.Metrics) *Runtime {
	opts.defaults()
	if m == nil {
		m = metrics.New(opts.Version)
	}
	return &Runtime{Opts: opts, Log: opts.Logger, Metrics: m, dir: dir}
}

// Start binds the listeners and starts every background loop. A failed
// Start releases what it took (listeners, the id store's file lock), so the
// same data directory can be opened again.
func (rt *Runtime) Start(ctx context.Context) (err error) {
	defer func() {
		if err != nil {
			rt.abortStart()
		}
	}()
	if rt.IDs, err = openIDs(rt.Opts, rt.Log); err != nil {
		return err
	}
	if err := rt.dir.Open(rt); err != nil {
		return err
	}
	// The upstream gauge is the runtime's own view, as /readyz's: the event
	// stream's reports alone never come from an HTTP upstream.
	rt.Metrics.SetUpstreamStatus(func() bool {
		api, stream := rt.dir.Status()
		return api && stream
	})
	if rt.listen, err = net.Listen("tcp", rt.Opts.Listen); err != nil {
		return fmt.Errorf("listen %s: %w", rt.Opts.Listen, err)
	}
	if rt.Opts.MetricsListen != "" {
		if rt.metricsLn, err = net.Listen("tcp", rt.Opts.MetricsListen); err != nil {
			return fmt.Errorf("metrics-listen %s: %w", rt.Opts.MetricsListen, err)
		}
		rt.metricsServer = &http.Server{Handler: rt.healthMux(), ReadHeaderTimeout: 10 * time.Second}
		rt.goServe("metrics", func() error { return rt.metricsServer.Serve(rt.metricsLn) })
	}

	if err := rt.dir.Start(ctx); err != nil {
		return err
	}
	// Bots are served only now that the upstream client has started (Start
	// does not wait for the upstream): a call taken before would be
	// answered "client not started". The port is bound since Listen above,
	// so a bot connecting meanwhile waits in the backlog, refused by nobody.
	rt.goServe("downstream", func() error { return rt.dir.Serve(rt.listen) })
	streamCtx, cancel := context.WithCancel(context.Background())
	rt.streamCancel = cancel
	rt.wg.Add(2)
	go func() {
		defer rt.wg.Done()
		rt.dir.RunEvents(streamCtx)
	}()
	go func() {
		defer rt.wg.Done()
		rt.watchUpstream(streamCtx)
	}()
	return nil
}

// abortStart undoes a partial Start. Nothing it releases has reached the
// background loops yet: those start only after every fallible step.
func (rt *Runtime) abortStart() {
	if rt.listen != nil {
		_ = rt.dir.Shutdown(context.Background())
		_ = rt.listen.Close()
	}
	if rt.metricsServer != nil {
		_ = rt.metricsServer.Close()
	}
	rt.wg.Wait()
	rt.dir.Close()
	if rt.IDs != nil {
		_ = rt.IDs.Close()
		rt.IDs = nil
	}
}

func (rt *Runtime) goServe(name string, serve func() error) {
	rt.wg.Add(1)
	go func() {
		defer rt.wg.Done()
		if err := serve(); err != nil && !errors.Is(err, http.ErrServerClosed) && !errors.Is(err, net.ErrClosed) {
			rt.Log.Error("server stopped", "server", name, "err", err)
		}
	}()
}

// watchUpstream keeps the account and the API readiness fresh: it probes
// until the upstream answers, then re-checks periodically so /readyz
// follows an upstream that goes away and comes back.
func (rt *Runtime) watchUpstream(ctx context.Context) {
	interval := time.Second
	for {
		callCtx, cancel := context.WithTimeout(ctx, 5*time.Second)
		acct, err := rt.dir.Probe(callCtx)
		cancel()
		switch {
		case err == nil && acct.SelfID != 0:
			rt.nickname.Store(&acct.Nickname)
			if rt.selfID.Swap(acct.SelfID) != acct.SelfID || !rt.probed.Load() {
				rt.Log.Info("upstream account", "self_id", acct.SelfID, "nickname", acct.Nickname)
			}
			rt.probed.Store(true)
			interval = 10 * time.Second
		case err != nil:
			interval = 2 * time.Second
		}
		st := rt.IDs.Stats()
		rt.Metrics.SetIDStore(st.Entries, st.Hits, st.Misses, st.Collisions, st.FlushErrors)
		select {
		case <-ctx.Done():
			return
		case <-time.After(interval):
		}
	}
}

// SetSelfID records the account an upstream event names (events may carry
// it before the first Probe answers).
func (rt *Runtime) SetSelfID(id int64) {
	if id != 0 {
		rt.selfID.Store(id)
	}
}

// SelfID is the upstream account (0 until known).
func (rt *Runtime) SelfID() int64 { return rt.selfID.Load() }

// SelfNickname is the upstream account's nickname ("" until known).
func (rt *Runtime) SelfNickname() string {
	if p := rt.nickname.Load(); p != nil {
		return *p
	}
	return ""
}

// Ready is true when the upstream has named its account, its API answers
// and its event stream is up: what bots need to be served.
func (rt *Runtime) Ready() bool {
	api, stream := rt.dir.Status()
	return api && stream && rt.probed.Load() && rt.selfID.Load() != 0
}

// Addr is the bound downstream address.
func (rt *Runtime) Addr() string { return rt.listen.Addr().String() }

// MetricsAddr is the bound metrics address ("" when disabled).
func (rt *Runtime) MetricsAddr() string {
	if rt.metricsLn == nil {
		return ""
	}
	return rt.metricsLn.Addr().String()
}

// Direction is the wiring this runtime runs.
func (rt *Runtime) Direction() Direction { return rt.dir }

// Shutdown drains: the upstream stream stops first so no new events arrive,
// then the downstream finishes in-flight calls, flushes queued events and
// closes WebSockets with 1001, then the id store is flushed.
func (rt *Runtime) Shutdown(ctx context.Context) error {
	var errs []error
	rt.shutdownOnce.Do(func() {
		if rt.streamCancel != nil {
			rt.streamCancel()
		}
		if err := rt.dir.Shutdown(ctx); err != nil {
			errs = append(errs, fmt.Errorf("downstream: %w", err))
		}
		if rt.metricsServer != nil {
			_ = rt.metricsServer.Shutdown(ctx)
		}
		rt.wg.Wait()
		rt.dir.Close()
		if rt.IDs != nil {
			if err := rt.IDs.Close(); err != nil {
				errs = append(errs, fmt.Errorf("id store: %w", err))
			}
		}
	})
	return errors.Join(errs...)
}

// Run starts the gateway, waits for ctx, then shuts down within the grace
// period. It is the one start/wait/drain sequence of every command that
// serves (the gateway itself, `simulate --protocol onebot11`).
func (rt *Runtime) Run(ctx context.Context, started func(*Runtime)) error {
	if err := rt.Start(ctx); err != nil {
		return err
	}
	if started != nil {
		started(rt)
	}
	<-ctx.Done()
	rt.Log.Info("shutting down", "grace", rt.Opts.GracePeriod)
	sctx, cancel := context.WithTimeout(context.Background(), rt.Opts.GracePeriod)
	defer cancel()
	return rt.Shutdown(sctx)
}
