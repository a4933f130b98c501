package metrics

import (
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"testing"

	dto "github.com/prometheus/client_model/go"
	"github.com/stretchr/testify/require"
)

// deployQueryFiles are the files under deploy/ whose PromQL reads gateway
// metrics: the dashboard and the alert rules (both copies).
var deployQueryFiles = []string{
	"../deploy/grafana/dashboards/*.json",
	"../deploy/prometheus/alerts.yml",
	"../deploy/kubernetes/prometheusrule.yaml",
}

// selectorRE finds a gateway metric name and its optional {matchers}.
var selectorRE = regexp.MustCompile(`\b(gateway_[a-z0-9_]+)(\{[^}]*\})?`)

// matcherRE finds one label matcher; values may be JSON-escaped (\").
var matcherRE = regexp.MustCompile(`([a-z_]+)\s*(=~|!~|!=|=)\s*\\?"([^"\\]*)\\?"`)

// TestFreshScrapeHasDeploySeries starts the registry as the gateway does and
// checks that every series the dashboard and the alert rules select exists on
// the first scrape, at zero: rate() of an absent series is "no data", so an
// error-ratio alert or panel would stay empty until the first error.
func TestFreshScrapeHasDeploySeries(t *testing.T) {
	// As each direction's Open in bridge does for the protocol it serves:
	// the same dashboard and rules must work for either.
	for _, tc := range []struct{ protocol, action string }{
		{"onebot11", "send_msg"},          // first direction (bridge/ob11milky.go)
		{"milky", "send_private_message"}, // reverse direction (bridge/milkyob11.go)
	} {
		t.Run(tc.protocol, func(t *testing.T) {
			m := New("test")
			m.SetKnownActions(tc.protocol, []string{tc.action, "get_login_info"})
			checkDeploySeries(t, m)
		})
	}
}

func checkDeploySeries(t *testing.T, m *Metrics) {
	fams, err := m.Registry().Gather()
	require.NoError(t, err)
	series := map[string][]map[string]string{} // name as selected -> label sets
	for _, f := range fams {
		for _, mt := range f.GetMetric() {
			labels := map[string]string{}
			for _, lp := range mt.GetLabel() {
				labels[lp.GetName()] = lp.GetValue()
			}
			name := f.GetName()
			series[name] = append(series[name], labels)
			if f.GetType() == dto.MetricType_HISTOGRAM {
				for _, suffix := range []string{"_bucket", "_sum", "_count"} {
					series[name+suffix] = append(series[name+suffix], labels)
				}
			}
		}
	}

	checked := 0
	for _, pattern := range deployQueryFiles {
		files, err := filepath.Glob(pattern)
		require.NoError(t, err)
		require.NotEmpty(t, files, pattern)
		for _, file := range files {
			data, err := os.ReadFile(file)
			require.NoError(t, err)
			for _, sel := range selectorRE.FindAllStringSubmatch(string(data), -1) {
				name, matchers := sel[1], sel[2]
				checked++
				have := series[name]
				if len(have) == 0 {
					t.Errorf("%s: %s is not on a fresh gateway's /metrics", filepath.Base(file), name)
					continue
				}
				for _, mm := range matcherRE.FindAllStringSubmatch(matchers, -1) {
					label, op, value := mm[1], mm[2], mm[3]
					if label == "job" || label == "instance" || strings.HasPrefix(value, "$") {
						continue // added by Prometheus or a dashboard variable
					}
					// Each alternative of a regex must have its own series, so
					// that a ratio over them reads 0 rather than no data.
					wants := []string{value}
					if op == "=~" || op == "!~" {
						wants = strings.Split(value, "|")
					}
					for _, w := range wants {
						ok := slices.ContainsFunc(have, func(l map[string]string) bool {
							if op == "=" || op == "=~" {
								return l[label] == w
							}
							return l[label] != w
						})
						if !ok {
							t.Errorf("%s: no series of %s with %s%s%q on a fresh gateway's /metrics", filepath.Base(file), name, label, op, w)
						}
					}
				}
			}
		}
	}
	require.Greater(t, checked, 20, "the deploy files should select gateway metrics")
}
