package metrics

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"regexp"
	"strings"
	"sync"
	"testing"
	"unsafe"

	ob11server "github.com/qqbridge/gateway/onebot11/server"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/testutil/promlint"
	dto "github.com/prometheus/client_model/go"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/qqbridge/gateway/milky"
	milkyclient "github.com/qqbridge/gateway/milky/client"
)

// The recording methods fit the transports' observer interfaces and the
// translations' untranslated hook without this package importing them.
var (
	_ ob11server.Observer    = (*Metrics)(nil)
	_ milkyclient.Observer   = (*Metrics)(nil)
	_ func(kind, typ string) = (*Metrics)(nil).Untranslated
)

// names are the metric families the README documents, with their types.
var names = map[string]string{
	"gateway_actions_total":                     "counter",
	"gateway_action_duration_seconds":           "histogram",
	"gateway_upstream_request_duration_seconds": "histogram",
	"gateway_upstream_requests_total":           "counter",
	"gateway_upstream_errors_total":             "counter",
	"gateway_events_total":                      "counter",
	"gateway_events_dropped_total":              "counter",
	"gateway_untranslated_total":                "counter",
	"gateway_upstream_connected":                "gauge",
	"gateway_upstream_reconnects_total":         "counter",
	"gateway_upstream_gap_seconds":              "histogram",
	"gateway_downstream_connections":            "gauge",
	"gateway_event_buffer_depth":                "gauge",
	"gateway_idstore_entries":                   "gauge",
	"gateway_idstore_lookups_total":             "counter",
	"gateway_idstore_collisions_total":          "counter",
	"gateway_idstore_flush_errors_total":        "counter",
	"gateway_build_info":                        "gauge",
}

func recordOneOfEach(m *Metrics) {
	m.ConnOpened("ws_forward", "127.0.0.1:5555")
	m.ConnClosed("ws_forward", "127.0.0.1:5555", io.EOF)
	m.ActionDone("http", "send_msg", 0, 0.004)
	m.EventDropped("ws_reverse", "buffer_full")
	m.QueueDepth("ws_reverse", "ws://127.0.0.1:8080/", 3)
	m.APICall("send_group_message", 0.002, nil)
	m.APICall("get_friend_list", 0.5, context.DeadlineExceeded)
	m.StreamDisconnected("ws", io.EOF)
	m.StreamReconnect("ws", 1, 3)
	m.StreamConnected("ws")
	m.Event("upstream_in", "message_receive")
	m.Event("downstream_out", "message.group")
	m.Dropped("untranslatable")
	m.Untranslated("segment", "market_face")
	m.SetIDStore(42, 10, 2, 1, 0)
}

func scrape(t *testing.T, m *Metrics) string {
	t.Helper()
	srv := httptest.NewServer(m.Handler())
	defer srv.Close()
	resp, err := http.Get(srv.URL)
	require.NoError(t, err)
	defer resp.Body.Close()
	require.Equal(t, http.StatusOK, resp.StatusCode)
	b, err := io.ReadAll(resp.Body)
	require.NoError(t, err)
	return string(b)
}

func TestScrapeHasEveryMetricWithHelp(t *testing.T) {
	m := New("v1.2.3")
	recordOneOfEach(m)
	body := scrape(t, m)
	for name, typ := range names {
		help := regexp.MustCompile(`(?m)^# HELP ` + name + ` (.+)$`).FindStringSubmatch(body)
		if assert.NotNil(t, help, name) {
			assert.Greater(t, len(strings.Fields(help[1])), 5, "help of %s should say something to a person", name)
		}
		assert.Contains(t, body, "# TYPE "+name+" "+typ+"\n")
	}
	assert.Contains(t, body, `gateway_build_info{goversion="go`)
	assert.Contains(t, body, `version="v1.2.3"} 1`)
	assert.Contains(t, body, `gateway_actions_total{action="send_msg",outcome="ok",protocol="onebot11"} 1`)
	assert.Contains(t, body, `gateway_upstream_errors_total{api="get_friend_list",kind="timeout"} 1`)
	assert.Contains(t, body, `gateway_upstream_requests_total{api="send_group_message",outcome="ok"} 1`)
	assert.Contains(t, body, `gateway_idstore_lookups_total{result="hit"} 10`)
	assert.Contains(t, body, `gateway_idstore_entries 42`)
	assert.Contains(t, body, `gateway_event_buffer_depth{transport="ws_reverse"} 3`)
	assert.Contains(t, body, `gateway_upstream_gap_seconds_count 1`)
	assert.Contains(t, body, "go_goroutines ")
	assert.Contains(t, body, "process_start_time_seconds ") // Linux CI; the collector is a no-op elsewhere

	// Every gateway_ metric the registry exposes is documented here and in
	// the README, and passes Prometheus' own naming lint.
	readme, err := os.ReadFile("README.md")
	require.NoError(t, err)
	for _, line := range strings.Split(body, "\n") {
		if n, ok := strings.CutPrefix(line, "# TYPE gateway_"); ok {
			name := "gateway_" + strings.Fields(n)[0]
			assert.Contains(t, names, name)
			assert.Contains(t, string(readme), "`"+name+"`")
		}
	}
	problems, err := promlint.New(strings.NewReader(body)).Lint()
	require.NoError(t, err)
	for _, p := range problems {
		if strings.HasPrefix(p.Metric, "gateway_") {
			t.Errorf("lint: %s: %s", p.Metric, p.Text)
		}
	}
}

func TestActionOutcomes(t *testing.T) {
	for retcode, want := range map[int]string{
		0: "ok", 1: "ok", 1400: "bad_request", 1404: "not_found", 1501: "unsupported",
		1500: "upstream_error", 1502: "upstream_error", 1401: "failed", 1405: "failed", 100: "failed", -1: "failed",
	} {
		m := New("t")
		m.ActionDone("http", "get_msg", retcode, 0.01)
		assert.Equal(t, 1.0, value(m.actions.WithLabelValues("onebot11", "get_msg", want)), "retcode %d", retcode)
	}
	m := New("t")
	m.ActionDone("ws_forward", "_unknown", 1404, 0.001)
	assert.Equal(t, 1.0, value(m.actions.WithLabelValues("onebot11", "unknown", "not_found")))
	m.Action("milky", "send_private_message", "weird", 0.01)
	assert.Equal(t, 1.0, value(m.actions.WithLabelValues("milky", "send_private_message", "failed")))
	m.Action("satori", "x", "ok", 0.01)
	assert.Equal(t, 1.0, value(m.actions.WithLabelValues("other", "unknown", "ok")))
}

func TestSetKnownActions(t *testing.T) {
	m := New("t")
	known := []string{"send_msg", "get_msg"}
	m.SetKnownActions("onebot11", known)
	assert.Equal(t, []string{"send_msg", "get_msg"}, known, "the caller's slice is not modified")
	m.ActionDone("http", "send_msg", 0, 0.01)
	m.ActionDone("http", "get_status", 0, 0.01)
	m.ActionDone("http", "unknown", 0, 0.01)
	assert.Equal(t, 1.0, value(m.actions.WithLabelValues("onebot11", "send_msg", "ok")))
	assert.Equal(t, 2.0, value(m.actions.WithLabelValues("onebot11", "unknown", "ok")))
}

func TestMilkyOutcome(t *testing.T) {
	for _, tc := range []struct {
		status, retcode int
		want            string
	}{
		{200, 0, OutcomeOK},
		{404, 0, OutcomeNotFound},      // unknown API
		{415, 0, OutcomeBadRequest},    // wrong Content-Type
		{400, 0, OutcomeBadRequest},    // malformed body
		{413, 0, OutcomeBadRequest},    // body over --max-body-bytes
		{401, 0, OutcomeFailed},        // token
		{200, -400, OutcomeBadRequest}, // bad parameter
		{200, -404, OutcomeFailed},     // unknown message_seq: the bot's data, not an unknown API
		{200, -501, OutcomeUnsupported},
		{200, -500, OutcomeUpstreamError},
		{200, -503, OutcomeUpstreamError},
		{200, -504, OutcomeUpstreamError},
		{200, 100, OutcomeFailed}, // the upstream's own refusal passed through
	} {
		assert.Equal(t, tc.want, MilkyOutcome(tc.status, tc.retcode), "HTTP %d retcode %d", tc.status, tc.retcode)
	}
	m := New("t")
	m.SetKnownActions("milky", []string{"send_group_message"})
	m.MilkyActionDone("send_group_message", 200, -501, 0.01)
	m.MilkyActionDone("no_such_api", 404, 0, 0.001)
	assert.Equal(t, 1.0, value(m.actions.WithLabelValues("milky", "send_group_message", "unsupported")))
	assert.Equal(t, 1.0, value(m.actions.WithLabelValues("milky", "unknown", "not_found")))
}

// TestDownstreamTransportsPerProtocol: a gateway shows at 0 only the
// downstream transports of the protocol it serves.
func TestDownstreamTransportsPerProtocol(t *testing.T) {
	for protocol, want := range DownstreamTransports {
		m := New("t")
		m.SetKnownActions(protocol, nil)
		fams, err := m.Registry().Gather()
		require.NoError(t, err)
		for _, f := range fams {
			if f.GetName() != "gateway_downstream_connections" && f.GetName() != "gateway_event_buffer_depth" {
				continue
			}
			var got []string
			for _, mt := range f.GetMetric() {
				got = append(got, mt.GetLabel()[0].GetValue())
			}
			assert.ElementsMatch(t, want, got, "%s of a %s downstream", f.GetName(), protocol)
		}
	}
}

// digitRun finds what could be a QQ number or group id.
var digitRun = regexp.MustCompile(`[0-9]{5,}`)

// TestLabelsCannotCarryIDs feeds hostile label values to every method and
// checks that no exposed gateway_ label value holds an id and that each
// label's value set stays bounded.
func TestLabelsCannotCarryIDs(t *testing.T) {
	m := New("t")
	hostile := []string{"123456789", "group_987654321", "send_msg?user_id=10001", "face:12345", "Send_Msg",
		"", strings.Repeat("a", 65), "message.group.114514", "日本語", "a b", `x"y`}
	for _, h := range hostile {
		m.ConnOpened(h, h)
		m.ActionDone(h, h, 0, 0.01)
		m.Action(h, h, h, 0.01)
		m.EventDropped(h, h)
		m.QueueDepth(h, h, 1)
		m.APICall(h, 0.01, errors.New(h))
		m.StreamReconnect(h, 1, 1)
		m.Event(h, h)
		m.Dropped(h)
		m.Untranslated(h, h)
	}
	// A bot inventing names: the action label stops growing at its cap.
	for i := range 2000 {
		m.ActionDone("http", fmt.Sprintf("action_%c%c%c", 'a'+i%26, 'a'+i/26%26, 'a'+i/676%26), 1404, 0.001)
		m.Event("upstream_in", fmt.Sprintf("type_%d", i))
	}
	families, err := m.Registry().Gather()
	require.NoError(t, err)
	for _, f := range families {
		if !strings.HasPrefix(f.GetName(), "gateway_") || f.GetName() == "gateway_build_info" {
			continue
		}
		values := map[string]map[string]bool{}
		for _, metric := range f.GetMetric() {
			for _, lp := range metric.GetLabel() {
				v := lp.GetValue()
				assert.True(t, nameLike(v), "%s{%s=%q}", f.GetName(), lp.GetName(), v)
				assert.False(t, digitRun.MatchString(v), "%s{%s=%q}", f.GetName(), lp.GetName(), v)
				if values[lp.GetName()] == nil {
					values[lp.GetName()] = map[string]bool{}
				}
				values[lp.GetName()][v] = true
			}
		}
		for label, vs := range values {
			assert.LessOrEqual(t, len(vs), 301, "%s{%s} has %d values", f.GetName(), label, len(vs))
		}
	}
	assert.Equal(t, float64(len(hostile)), value(m.events.WithLabelValues("other", "other")))
	n := value(m.actions.WithLabelValues("onebot11", "unknown", "ok"))
	assert.Equal(t, float64(len(hostile)), n, "every hostile action name is recorded as unknown")
}

func TestUpstreamErrorKinds(t *testing.T) {
	m := New("t")
	m.APICall("a", 0.1, context.Canceled)
	m.APICall("a", 0.1, fmt.Errorf("wrapped: %w", context.DeadlineExceeded))
	m.APICall("a", 0.1, errors.New("boom"))
	assert.Equal(t, 1.0, value(m.upErrors.WithLabelValues("a", "canceled")))
	assert.Equal(t, 1.0, value(m.upErrors.WithLabelValues("a", "timeout")))
	assert.Equal(t, 1.0, value(m.upErrors.WithLabelValues("a", "error")))
	assert.Equal(t, 3.0, value(m.upRequests.WithLabelValues("a", "failed")))

	m = New("t")
	m.ClassifyUpstreamError = func(err error) string {
		var ae *milky.APIError
		if errors.As(err, &ae) {
			return fmt.Sprintf("http_%d", ae.HTTPStatus)
		}
		return "whatever_the_runtime_invents"
	}
	m.APICall("b", 0.1, &milky.APIError{API: "b", HTTPStatus: 401})
	m.APICall("b", 0.1, &milky.APIError{API: "b", HTTPStatus: 500})
	m.APICall("b", 0.1, errors.New("x"))
	assert.Equal(t, 1.0, value(m.upErrors.WithLabelValues("b", "http_401")))
	assert.Equal(t, 2.0, value(m.upErrors.WithLabelValues("b", "error")), "kinds outside the documented set count as error")
}

func TestQueueDepthSumsTargets(t *testing.T) {
	m := New("t")
	depth := func() float64 { return value(m.bufDepth.WithLabelValues("ws_reverse")) }
	m.QueueDepth("ws_reverse", "a", 5)
	m.QueueDepth("ws_reverse", "b", 7)
	assert.Equal(t, 12.0, depth())
	m.QueueDepth("ws_reverse", "a", 2)
	assert.Equal(t, 9.0, depth())
	m.QueueDepth("ws_reverse", "b", 0)
	m.QueueDepth("ws_reverse", "b", 0)
	assert.Equal(t, 2.0, depth())
	m.QueueDepth("webhook", "c", 4)
	assert.Equal(t, 2.0, depth())
	assert.Equal(t, 4.0, value(m.bufDepth.WithLabelValues("webhook")))
}

func TestConnectionsAndStream(t *testing.T) {
	m := New("t")
	m.ConnOpened("ws_forward", "a")
	m.ConnOpened("ws_forward", "b")
	m.ConnClosed("ws_forward", "a", nil)
	assert.Equal(t, 1.0, value(m.downConns.WithLabelValues("ws_forward")))

	assert.Equal(t, 0.0, value(m.upConnected))
	m.StreamConnected("ws") // first connect: no gap
	assert.Equal(t, 1.0, value(m.upConnected))
	m.StreamDisconnected("ws", io.EOF)
	m.StreamDisconnected("ws", io.EOF) // the gap starts at the first
	assert.Equal(t, 0.0, value(m.upConnected))
	m.StreamReconnect("ws", 1, 3)
	m.StreamReconnect("ws", 2, 6)
	m.StreamConnected("ws")
	assert.Equal(t, 2.0, value(m.upReconnects.WithLabelValues("ws")))
	var h dto.Metric
	require.NoError(t, m.upGap.Write(&h))
	assert.Equal(t, uint64(1), h.GetHistogram().GetSampleCount())
	m.StreamDisconnected("ws", io.EOF)
	assert.Equal(t, 0.0, value(m.upConnected))

	// A runtime's own view, once set, decides at each scrape: an HTTP
	// upstream reports no stream at all.
	up := true
	m.SetUpstreamStatus(func() bool { return up })
	assert.Equal(t, 1.0, value(m.upConnected))
	up = false
	m.StreamConnected("ws")
	assert.Equal(t, 0.0, value(m.upConnected), "the stream alone does not decide any more")
}

func TestIDStoreCounters(t *testing.T) {
	m := New("t")
	m.SetIDStore(5, 1, 2, 3, 4)
	m.SetIDStore(6, 10, 20, 30, 40) // cumulative: the latest report is the value
	body := scrape(t, m)
	assert.Contains(t, body, `
# HELP gateway_idstore_lookups_total Lookups of a bot-supplied message id in the id store, by result (hit: resolved; miss: unknown or expired).
# TYPE gateway_idstore_lookups_total counter
gateway_idstore_lookups_total{result="hit"} 10
gateway_idstore_lookups_total{result="miss"} 20
`)
	assert.Contains(t, body, "gateway_idstore_entries 6\n")
	assert.Contains(t, body, "gateway_idstore_collisions_total 30\n")
	assert.Contains(t, body, "gateway_idstore_flush_errors_total 40\n")
}

func TestInstancesAreIndependent(t *testing.T) {
	a, b := New("a"), New("b") // no global registry: two instances do not clash
	a.Dropped("buffer_full")
	assert.Equal(t, 1.0, value(a.dropped.WithLabelValues("buffer_full")))
	assert.Equal(t, 0.0, value(b.dropped.WithLabelValues("buffer_full")))
}

// TestConcurrentRecording runs every method from many goroutines while
// scraping (meaningful under -race).
func TestConcurrentRecording(t *testing.T) {
	m := New("t")
	srv := httptest.NewServer(m.Handler())
	defer srv.Close()
	var wg sync.WaitGroup
	for g := range 8 {
		wg.Go(func() {
			for i := range 500 {
				recordOneOfEach(m)
				m.QueueDepth("webhook", fmt.Sprintf("t%d", g), i%7)
				m.Event("upstream_in", fmt.Sprintf("t%d_%d", g, i%50))
			}
		})
	}
	for range 5 {
		resp, err := http.Get(srv.URL)
		require.NoError(t, err)
		_, _ = io.Copy(io.Discard, resp.Body)
		_ = resp.Body.Close()
	}
	wg.Wait()
	assert.Equal(t, 8*500.0, value(m.actions.WithLabelValues("onebot11", "send_msg", "ok")))
	// Each goroutine's last depth was 499%7 = 2.
	assert.Equal(t, 8*2.0, value(m.bufDepth.WithLabelValues("webhook")))
}

func TestLabelSetCapUnderContention(t *testing.T) {
	l := newLabelSet("other", 10)
	var wg sync.WaitGroup
	for g := range 8 {
		wg.Go(func() {
			for i := range 100 {
				l.get(fmt.Sprintf("n%d_%d", g, i))
			}
		})
	}
	wg.Wait()
	n := 0
	l.seen.Range(func(any, any) bool { n++; return true })
	assert.Equal(t, 10, n)
	assert.Equal(t, "other", l.get("fresh"))
}

func TestNameLike(t *testing.T) {
	for v, want := range map[string]bool{
		"send_msg": true, ".handle_quick_operation": true, "_send_group_notice": true, "message.group": true,
		"http_401": true, "get_msg_1234": true, "get_msg_12345": false, "12345": false, "": false,
		"Send": false, "a-b": false, "a/b": false, strings.Repeat("a", 64): true, strings.Repeat("a", 65): false,
	} {
		assert.Equal(t, want, nameLike(v), v)
	}
}

// value reads the single counter or gauge c.
func value(c prometheus.Collector) float64 {
	ch := make(chan prometheus.Metric, 1)
	c.Collect(ch)
	var d dto.Metric
	if err := (<-ch).Write(&d); err != nil {
		panic(err)
	}
	if d.Counter != nil {
		return d.Counter.GetValue()
	}
	return d.Gauge.GetValue()
}

// Per-event and per-call recording cost (hot path).
func BenchmarkEvent(b *testing.B) {
	m := New("b")
	for b.Loop() {
		m.Event("upstream_in", "message_receive")
	}
}

func BenchmarkActionDone(b *testing.B) {
	m := New("b")
	for b.Loop() {
		m.ActionDone("http", "send_group_msg", 0, 0.003)
	}
}

func BenchmarkQueueDepth(b *testing.B) {
	m := New("b")
	for i := 0; b.Loop(); i++ {
		m.QueueDepth("ws_reverse", "ws://127.0.0.1:8080/", i&63)
	}
}

func BenchmarkEventParallel(b *testing.B) {
	m := New("b")
	b.RunParallel(func(pb *testing.PB) {
		for pb.Next() {
			m.Event("downstream_out", "message.group")
		}
	})
}

// TestEventCounterCacheCountsExactlyAndStaysBounded: Event's per-type
// counter cache must give the same totals as the vector, for types admitted
// as labels and for types that overflow to "other", and must not grow with
// the number of distinct types an upstream invents.
func TestEventCounterCacheCountsExactlyAndStaysBounded(t *testing.T) {
	m := New("t")
	for range 3 {
		m.Event("upstream_in", "message_receive")
	}
	m.Event("downstream_out", "message_receive")
	buf := []byte("message.group")
	typ := string(buf)
	m.Event("downstream_out", typ)
	copy(buf, "xxxxxxxxxxxxx") // a caller reusing its buffer must not rename the cached key
	m.Event("downstream_out", "message.group")
	for i := range 1000 {
		m.Event("upstream_in", fmt.Sprintf("invented_%c%c", 'a'+i%26, 'a'+i/26%26))
	}
	assert.Equal(t, 3.0, value(m.events.WithLabelValues("upstream_in", "message_receive")))
	assert.Equal(t, 1.0, value(m.events.WithLabelValues("downstream_out", "message_receive")))
	assert.Equal(t, 2.0, value(m.events.WithLabelValues("downstream_out", "message.group")))
	assert.Positive(t, value(m.events.WithLabelValues("upstream_in", "other")), "past the label limit, types count as other")
	assert.LessOrEqual(t, m.eventCached[0].Load(), int32(maxEventCounters))
	n := 0
	m.eventCounters[0].Range(func(any, any) bool { n++; return true })
	assert.LessOrEqual(t, n, maxEventCounters)
	families, err := m.Registry().Gather()
	require.NoError(t, err)
	var in float64
	for _, f := range families {
		if f.GetName() != "gateway_events_total" {
			continue
		}
		for _, mt := range f.GetMetric() {
			for _, lp := range mt.GetLabel() {
				if lp.GetName() == "direction" && lp.GetValue() == "upstream_in" {
					in += mt.GetCounter().GetValue()
				}
			}
		}
	}
	assert.Equal(t, 1003.0, in, "every upstream event counted once, cached or not")
}

// TestLabelValuesAreCopies: callers hand in label values that are parts of
// a frame or request buffer they reuse next (an event's segment type, an
// action name); a kept value must not change with that buffer.
func TestLabelValuesAreCopies(t *testing.T) {
	m := New("t")
	m.SetKnownActions("onebot11", []string{"send_msg"})
	buf := []byte("market_face send_msg get_friend_list")
	alias := func(from, to int) string { return unsafe.String(&buf[from], to-from) }
	m.Untranslated("segment", alias(0, 11))
	m.ActionDone("http", alias(12, 20), 0, 0.01) // closed set
	m.APICall(alias(21, 36), 0.01, nil)          // open set
	m.Untranslated("segment", alias(0, 11))      // seen: the set's copy again
	for i := range buf {
		buf[i] = 'x'
	}
	out := scrape(t, m)
	for _, want := range []string{`gateway_untranslated_total{kind="segment",type="market_face"} 2`, `action="send_msg"`, `api="get_friend_list"`} {
		assert.True(t, strings.Contains(out, want), "scrape lacks %s", want)
	}
	assert.False(t, strings.Contains(out, "xxxxx"), "a label value changed with the caller's buffer")
}
