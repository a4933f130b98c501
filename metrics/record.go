package metrics

import (
	"context"
	"errors"
	"net"
	"strings"
	"time"

	"github.com/prometheus/client_golang/prometheus"

	"github.com/qqbridge/gateway/onebot11"
)

// The methods below satisfy ob11server.Observer and milkyclient.Observer
// structurally (asserted in metrics_test.go), so this package imports no
// transport; it reads only onebot11's retcode constants (a pure wire
// package, so the outcome labels follow the retcodes the server answers).

// ConnOpened counts a bot connection (ob11server.Observer).
func (m *Metrics) ConnOpened(transport, remote string) {
	m.downConns.WithLabelValues(m.transports.get(transport)).Inc()
}

// ConnClosed uncounts a bot connection (ob11server.Observer).
func (m *Metrics) ConnClosed(transport, remote string, err error) {
	m.downConns.WithLabelValues(m.transports.get(transport)).Dec()
}

// ActionDone records a OneBot 11 action by its reply's retcode
// (ob11server.Observer).
func (m *Metrics) ActionDone(transport, action string, retcode int, seconds float64) {
	m.Action(ProtocolOneBot11, action, oneBotOutcome(retcode), seconds)
}

// oneBotOutcome maps a OneBot 11 retcode to the outcome label.
func oneBotOutcome(retcode int) string {
	switch retcode {
	case onebot11.RetcodeOK, onebot11.RetcodeAsync: // async: accepted, runs later
		return OutcomeOK
	case onebot11.RetcodeBadRequest:
		return OutcomeBadRequest
	case onebot11.RetcodeNotFound:
		return OutcomeNotFound
	case onebot11.RetcodeUnsupported:
		return OutcomeUnsupported
	case onebot11.RetcodeUpstream, onebot11.RetcodeUpstreamDown:
		return OutcomeUpstreamError
	}
	return OutcomeFailed
}

// MilkyActionDone records a Milky API call a bot made, by the HTTP status
// and retcode of the reply (milky/server's Observer.APICall).
func (m *Metrics) MilkyActionDone(api string, httpStatus, retcode int, seconds float64) {
	m.Action("milky", api, MilkyOutcome(httpStatus, retcode), seconds)
}

// MilkyOutcome maps a Milky reply to the outcome label, with the same
// meaning as OneBot 11's retcodes get: not_found is an unknown API (HTTP
// 404, as OneBot's 1404), bad_request a request or parameter the gateway
// refused (HTTP 400/413/415, retcode -400), unsupported an API the upstream
// cannot serve (-501), upstream_error the upstream failing, unreachable or
// timing out (-500, -503, -504). Anything else (HTTP 401, -403, -404 for an
// unknown message or request, an upstream's own positive retcode) is
// failed. The negative codes are translate/milkyob11's (errors.go).
func MilkyOutcome(httpStatus, retcode int) string {
	switch httpStatus {
	case 200:
	case 404:
		return OutcomeNotFound
	case 400, 413, 415:
		return OutcomeBadRequest
	default:
		return OutcomeFailed
	}
	switch retcode {
	case 0:
		return OutcomeOK
	case -400:
		return OutcomeBadRequest
	case -501:
		return OutcomeUnsupported
	case -500, -503, -504:
		return OutcomeUpstreamError
	}
	return OutcomeFailed
}

// Action records one downstream action of any protocol: outcome is one of
// the Outcome constants (anything else counts as failed).
func (m *Metrics) Action(protocol, action, outcome string, seconds float64) {
	protocol = m.protocols.get(protocol)
	if action == "_unknown" { // the OneBot 11 server's own label for unknown names
		action = "unknown"
	}
	action = m.actionNames[protocol].get(action)
	m.actions.WithLabelValues(protocol, action, m.outcomes.get(outcome)).Inc()
	m.actionDur.WithLabelValues(protocol, action).Observe(seconds)
}

// EventDropped counts an event one target did not get (ob11server.Observer).
func (m *Metrics) EventDropped(transport, reason string) {
	m.Dropped(reason)
}

// QueueDepth records one target's queue length; the gauge is the sum over
// the transport's targets (ob11server.Observer).
func (m *Metrics) QueueDepth(transport, target string, depth int) {
	transport = m.transports.get(transport)
	m.mu.Lock()
	td := m.depths[transport]
	if td == nil {
		td = &transportDepth{targets: map[string]int{}}
		m.depths[transport] = td
	}
	td.sum += depth - td.targets[target]
	if depth == 0 {
		delete(td.targets, target) // forward WS targets come and go
	} else {
		td.targets[target] = depth
	}
	sum := td.sum
	m.mu.Unlock()
	m.bufDepth.WithLabelValues(transport).Set(float64(sum))
}

// APICall records one upstream call (milkyclient.Observer).
func (m *Metrics) APICall(api string, seconds float64, err error) {
	api = m.apis.get(api)
	m.upDur.WithLabelValues(api).Observe(seconds)
	if err == nil {
		m.upRequests.WithLabelValues(api, OutcomeOK).Inc()
		return
	}
	m.upRequests.WithLabelValues(api, OutcomeFailed).Inc()
	classify := m.ClassifyUpstreamError
	if classify == nil {
		classify = defaultClassify
	}
	m.upErrors.WithLabelValues(api, m.kinds.get(classify(err))).Inc()
}

// defaultClassify recognises what the standard library can tell.
func defaultClassify(err error) string {
	var ne net.Error
	switch {
	case errors.Is(err, context.DeadlineExceeded), errors.As(err, &ne) && ne.Timeout():
		return KindTimeout
	case errors.Is(err, context.Canceled):
		return KindCanceled
	}
	return KindError
}

// StreamConnected marks the upstream event stream up and records how long
// it was down (milkyclient.Observer).
func (m *Metrics) StreamConnected(transport string) {
	m.mu.Lock()
	down := m.disconnected
	m.disconnected = time.Time{}
	m.mu.Unlock()
	if !down.IsZero() {
		m.upGap.Observe(time.Since(down).Seconds())
	}
	m.streamUp.Store(true)
}

// StreamDisconnected marks the upstream event stream down
// (milkyclient.Observer).
func (m *Metrics) StreamDisconnected(transport string, err error) {
	m.mu.Lock()
	if m.disconnected.IsZero() {
		m.disconnected = time.Now()
	}
	m.mu.Unlock()
	m.streamUp.Store(false)
}

// StreamReconnect counts a scheduled reconnect (milkyclient.Observer).
func (m *Metrics) StreamReconnect(transport string, attempt int, delaySeconds float64) {
	m.upReconnects.WithLabelValues(m.transports.get(transport)).Inc()
}

// SetUpstreamStatus makes gateway_upstream_connected read up at each
// scrape: the runtime's own view (API answering and event stream up), which
// every upstream transport has. The event stream's connect and disconnect
// reports alone left the gauge at 0 for a OneBot 11 upstream over HTTP,
// which has no stream of its own (it POSTs its events), so the
// GatewayUpstreamDown alert fired on a healthy gateway.
func (m *Metrics) SetUpstreamStatus(up func() bool) { m.upStatus.Store(&up) }

func (m *Metrics) upstreamConnected() float64 {
	up := m.streamUp.Load()
	if f := m.upStatus.Load(); f != nil {
		up = (*f)()
	}
	if up {
		return 1
	}
	return 0
}

// Event counts an event; direction is "upstream_in" or "downstream_out",
// typ its type name (e.g. "message_receive", "message.group").
func (m *Metrics) Event(direction, typ string) {
	d := -1
	switch direction {
	case "upstream_in":
		d = 0
	case "downstream_out":
		d = 1
	}
	if d < 0 {
		m.events.WithLabelValues(m.directions.get(direction), m.eventTypes.get(typ)).Inc()
		return
	}
	if c, ok := m.eventCounters[d].Load(typ); ok {
		c.(prometheus.Counter).Inc()
		return
	}
	c := m.events.WithLabelValues(direction, m.eventTypes.get(typ))
	c.Inc()
	if m.eventCached[d].Add(1) <= maxEventCounters {
		// The key is cloned: typ may point into a buffer the caller reuses.
		if _, loaded := m.eventCounters[d].LoadOrStore(strings.Clone(typ), c); loaded {
			m.eventCached[d].Add(-1)
		}
	} else {
		m.eventCached[d].Add(-1)
	}
}

// maxEventCounters bounds the per-direction cache of Event: above the
// eventTypes label limit, so every admitted type fits, with room for a few
// spellings that overflow to "other".
const maxEventCounters = 256

// Dropped counts an event dropped for reason.
func (m *Metrics) Dropped(reason string) {
	m.dropped.WithLabelValues(m.reasons.get(reason)).Inc()
}

// Untranslated counts an upstream event or segment type (kind "event" or
// "segment") with no downstream form; it fits translate.Env.OnUntranslated.
func (m *Metrics) Untranslated(kind, typ string) {
	m.untranslated.WithLabelValues(m.untransKinds.get(kind), m.untransTypes.get(typ)).Inc()
}

// SetIDStore publishes the message-id store's cumulative statistics.
func (m *Metrics) SetIDStore(entries int, hits, misses, collisions, flushErrors uint64) {
	m.ids.set(idStats{entries: entries, hits: hits, misses: misses, collisions: collisions, flushErrors: flushErrors})
}
