// Package metrics owns the gateway's Prometheus collectors and their names
// (documented in README.md). Transports and the runtime record through the
// methods here; translations never do. Label values are kept bounded: no
// user or group id can become a label.
package metrics

import (
	"net/http"
	"runtime"
	"slices"
	"sync"
	"sync/atomic"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/collectors"
	"github.com/prometheus/client_golang/prometheus/promhttp"
)

// latencyBuckets suit calls that take milliseconds, with a tail up to the
// 30 s upstream timeout and beyond.
var latencyBuckets = []float64{.0005, .001, .0025, .005, .01, .025, .05, .1, .25, .5, 1, 2.5, 5, 10, 30, 60}

// gapBuckets suit upstream outages: from a quick reconnect to many minutes.
var gapBuckets = []float64{.1, .5, 1, 2.5, 5, 10, 30, 60, 120, 300, 600, 1800}

// Protocols (label "protocol" of gateway_actions_total; the wiring passes
// its downstream protocol).
const (
	ProtocolOneBot11 = "onebot11"
	ProtocolMilky    = "milky"
	protocolOther    = "other"
)

// Outcomes of a downstream action (label "outcome").
const (
	OutcomeOK            = "ok"
	OutcomeFailed        = "failed"
	OutcomeUnsupported   = "unsupported"
	OutcomeBadRequest    = "bad_request"
	OutcomeNotFound      = "not_found"
	OutcomeUpstreamError = "upstream_error"
)

// Upstream error kinds (label "kind" of gateway_upstream_errors_total).
// ClassifyUpstreamError must return one of these; anything else counts as
// KindError.
const (
	KindHTTP401     = "http_401"
	KindHTTP404     = "http_404"
	KindHTTP415     = "http_415"
	KindHTTPOther   = "http_other"
	KindRetcode     = "retcode"
	KindUnavailable = "unavailable"
	KindTimeout     = "timeout"
	KindCanceled    = "canceled"
	KindError       = "error"
)

// Metrics holds the collectors of one gateway instance on its own registry.
// All methods are safe for concurrent use.
type Metrics struct {
	// ClassifyUpstreamError names the kind of a failed upstream call (one of
	// the Kind constants). The runtime sets it before use, since only it may
	// know the upstream client's error types; nil means a default that
	// recognises timeouts and cancellations only.
	ClassifyUpstreamError func(error) string

	reg *prometheus.Registry

	actions      *prometheus.CounterVec
	actionDur    *prometheus.HistogramVec
	upRequests   *prometheus.CounterVec
	upDur        *prometheus.HistogramVec
	upErrors     *prometheus.CounterVec
	events       *prometheus.CounterVec
	dropped      *prometheus.CounterVec
	untranslated *prometheus.CounterVec
	upConnected  prometheus.GaugeFunc
	upReconnects *prometheus.CounterVec
	upGap        prometheus.Histogram
	downConns    *prometheus.GaugeVec
	bufDepth     *prometheus.GaugeVec
	ids          *idstoreCollector

	// Bounded label values.
	protocols, outcomes, directions, kinds *labelSet
	actionNames                            map[string]*labelSet // by protocol
	apis, eventTypes, reasons              *labelSet
	untransKinds, untransTypes, transports *labelSet

	// eventCounters caches the events counter of each (direction, type)
	// seen, by direction (upstream_in, downstream_out) then type: Event runs
	// twice per event, and the label checks plus the vector's label hashing
	// cost more than the increment. At most maxEventCounters types per
	// direction are cached; beyond that Event takes the slow path (still
	// correct, the labelSets bound the series).
	eventCounters [2]sync.Map // string -> prometheus.Counter
	eventCached   [2]atomic.Int32

	mu           sync.Mutex
	depths       map[string]*transportDepth
	disconnected time.Time // when the upstream stream went down; zero while up

	// gateway_upstream_connected is upStatus's answer at each scrape; until
	// a runtime sets it, streamUp, which the event stream's connect and
	// disconnect reports keep.
	upStatus atomic.Pointer[func() bool]
	streamUp atomic.Bool
}

// transportDepth sums queue depths over one transport's targets.
type transportDepth struct {
	targets map[string]int
	sum     int
}

// New builds the collectors on a fresh registry, with the Go runtime and
// process collectors and gateway_build_info{version,goversion} = 1.
func New(version string) *Metrics {
	m := &Metrics{
		reg: prometheus.NewRegistry(),
		actions: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "gateway_actions_total",
			Help: "Actions (API calls) bots made to the gateway, by downstream protocol, action name (\"unknown\" for names the gateway does not know) and outcome (ok, failed, unsupported, bad_request, not_found, upstream_error).",
		}, []string{"protocol", "action", "outcome"}),
		actionDur: prometheus.NewHistogramVec(prometheus.HistogramOpts{
			Name:    "gateway_action_duration_seconds",
			Help:    "Time from receiving a bot's action to sending its reply, upstream calls included, in seconds.",
			Buckets: latencyBuckets,
		}, []string{"protocol", "action"}),
		upRequests: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "gateway_upstream_requests_total",
			Help: "API calls the gateway made to the upstream implementation, by API name and outcome (ok or failed).",
		}, []string{"api", "outcome"}),
		upDur: prometheus.NewHistogramVec(prometheus.HistogramOpts{
			Name:    "gateway_upstream_request_duration_seconds",
			Help:    "Duration of one upstream API call as the gateway saw it, in seconds.",
			Buckets: latencyBuckets,
		}, []string{"api"}),
		upErrors: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "gateway_upstream_errors_total",
			Help: "Failed upstream API calls by API name and kind: http_401/http_404/http_415/http_other (HTTP status), retcode (the implementation answered \"failed\"), unavailable (not reachable), timeout, canceled, error (anything else).",
		}, []string{"api", "kind"}),
		events: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "gateway_events_total",
			Help: "Events by direction (upstream_in: received from the implementation; downstream_out: translated and published to bots) and event type.",
		}, []string{"direction", "type"}),
		dropped: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "gateway_events_dropped_total",
			Help: "Events not delivered, by reason (buffer_full: a bot's queue overflowed and the oldest event was dropped; send_failed; untranslatable; duplicate_file_message; ...). Counted once per target for delivery failures.",
		}, []string{"reason"}),
		untranslated: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "gateway_untranslated_total",
			Help: "Upstream events or message segments that have no form in the downstream protocol, by kind (event or segment) and upstream type name.",
		}, []string{"kind", "type"}),
		upReconnects: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "gateway_upstream_reconnects_total",
			Help: "Reconnect attempts scheduled for the upstream event stream, by transport (ws, sse, ...).",
		}, []string{"transport"}),
		upGap: prometheus.NewHistogram(prometheus.HistogramOpts{
			Name:    "gateway_upstream_gap_seconds",
			Help:    "How long the upstream event stream was down before it reconnected, in seconds; events in the gap are lost (Milky has no replay).",
			Buckets: gapBuckets,
		}),
		downConns: prometheus.NewGaugeVec(prometheus.GaugeOpts{
			Name: "gateway_downstream_connections",
			Help: "Open bot connections by transport (ws_forward, ws_reverse, webhook targets, http requests in flight, ...).",
		}, []string{"transport"}),
		bufDepth: prometheus.NewGaugeVec(prometheus.GaugeOpts{
			Name: "gateway_event_buffer_depth",
			Help: "Events waiting to be delivered to bots, summed over the targets of each transport.",
		}, []string{"transport"}),
		ids: newIDStoreCollector(),

		protocols:    newLabelSet(protocolOther, 0, ProtocolOneBot11, ProtocolMilky),
		outcomes:     newLabelSet(OutcomeFailed, 0, OutcomeOK, OutcomeFailed, OutcomeUnsupported, OutcomeBadRequest, OutcomeNotFound, OutcomeUpstreamError),
		directions:   newLabelSet("other", 0, "upstream_in", "downstream_out"),
		kinds:        newLabelSet(KindError, 0, KindHTTP401, KindHTTP404, KindHTTP415, KindHTTPOther, KindRetcode, KindUnavailable, KindTimeout, KindCanceled, KindError),
		actionNames:  map[string]*labelSet{ProtocolOneBot11: newLabelSet("unknown", 300), ProtocolMilky: newLabelSet("unknown", 300), protocolOther: newLabelSet("unknown", 0, "unknown")},
		apis:         newLabelSet("other", 200),
		eventTypes:   newLabelSet("other", 200),
		reasons:      newLabelSet("other", 50),
		untransKinds: newLabelSet("other", 0, "event", "segment"),
		untransTypes: newLabelSet("other", 200),
		transports:   newLabelSet("other", 20),
		depths:       map[string]*transportDepth{},
	}
	build := prometheus.NewGauge(prometheus.GaugeOpts{
		Name:        "gateway_build_info",
		Help:        "Always 1; its labels say which gateway version and Go version are running.",
		ConstLabels: prometheus.Labels{"version": version, "goversion": runtime.Version()},
	})
	build.Set(1)
	m.upConnected = prometheus.NewGaugeFunc(prometheus.GaugeOpts{
		Name: "gateway_upstream_connected",
		Help: "1 while the upstream implementation is connected (event stream up and API answering), 0 otherwise.",
	}, m.upstreamConnected)
	m.reg.MustRegister(
		collectors.NewGoCollector(),
		collectors.NewProcessCollector(collectors.ProcessCollectorOpts{}),
		build,
		m.actions, m.actionDur, m.upRequests, m.upDur, m.upErrors,
		m.events, m.dropped, m.untranslated,
		m.upConnected, m.upReconnects, m.upGap, m.downConns, m.bufDepth, m.ids,
	)
	m.initSeries()
	return m
}

// initSeries creates at 0 the series the dashboard and the alert rules
// select (deploy/), so that rate() over them reads 0 rather than "no data"
// before the first event or error. Closed label sets get every value; open
// ones (API and event type names) get their overflow value "other", a value
// the label really takes, so no name is invented and the series count stays
// small. Actions and downstream transports are initialised per protocol in
// SetKnownActions, so a gateway shows only the transports it serves.
func (m *Metrics) initSeries() {
	for _, r := range []string{"buffer_full", "send_failed", "untranslatable"} {
		m.dropped.WithLabelValues(m.reasons.get(r))
	}
	for _, t := range []string{"ws", "sse"} { // upstream event transports (a OneBot 11 upstream reconnects on "ws")
		m.upReconnects.WithLabelValues(m.transports.get(t))
	}
	api := m.apis.get("other")
	m.upDur.WithLabelValues(api)
	for _, o := range []string{OutcomeOK, OutcomeFailed} {
		m.upRequests.WithLabelValues(api, o)
	}
	for _, k := range []string{KindHTTP401, KindHTTP404, KindHTTP415, KindHTTPOther, KindRetcode, KindUnavailable, KindTimeout, KindCanceled, KindError} {
		m.upErrors.WithLabelValues(api, m.kinds.get(k))
	}
	for _, d := range []string{"upstream_in", "downstream_out"} {
		m.events.WithLabelValues(m.directions.get(d), m.eventTypes.get("other"))
	}
	for _, k := range []string{"event", "segment"} {
		m.untranslated.WithLabelValues(m.untransKinds.get(k), m.untransTypes.get("other"))
	}
}

// Handler serves the registry in the Prometheus exposition format.
func (m *Metrics) Handler() http.Handler {
	return promhttp.HandlerFor(m.reg, promhttp.HandlerOpts{
		Registry:      m.reg, // counts its own scrape errors
		ErrorHandling: promhttp.ContinueOnError,
	})
}

// Registry is the instance's registry, for tests and extra collectors.
func (m *Metrics) Registry() *prometheus.Registry { return m.reg }

// SetKnownActions limits the action label of protocol (ProtocolOneBot11 or
// ProtocolMilky) to names; other names are recorded as "unknown". Without it the
// label accepts the first 300 distinct name-like values per protocol.
func (m *Metrics) SetKnownActions(protocol string, names []string) {
	l, ok := m.actionNames[protocol]
	if !ok {
		return
	}
	l.restrict(append(slices.Clone(names), "unknown"))
	// The protocol is now known to be served: its action series exist at 0
	// for every outcome (under the action "unknown", which the label really
	// takes; one series per known action would cost ~20 lines each).
	m.actionDur.WithLabelValues(protocol, "unknown")
	for _, o := range []string{OutcomeOK, OutcomeFailed, OutcomeUnsupported, OutcomeBadRequest, OutcomeNotFound, OutcomeUpstreamError} {
		m.actions.WithLabelValues(protocol, "unknown", o)
	}
	for _, t := range DownstreamTransports[protocol] {
		m.downConns.WithLabelValues(m.transports.get(t))
		m.bufDepth.WithLabelValues(m.transports.get(t))
	}
}

// DownstreamTransports are the transport label values each downstream
// protocol's server reports (gateway_downstream_connections,
// gateway_event_buffer_depth), created at 0 by SetKnownActions: the
// OneBot 11 server's four transports, and the Milky server's /api
// connections, /event WebSocket and SSE subscribers and webhook targets.
var DownstreamTransports = map[string][]string{
	"onebot11": {"http", "ws_forward", "ws_reverse", "webhook"},
	"milky":    {"http", "ws", "sse", "webhook"},
}
