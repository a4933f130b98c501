package deploy

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"slices"
	"sort"
	"strings"
	"testing"

	"github.com/goccy/go-json"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"go.yaml.in/yaml/v3"
)

// metricKind says how a metric may be used in PromQL.
type metricKind int

const (
	counter metricKind = iota
	gauge
	histogram
)

type metricInfo struct {
	kind   metricKind
	labels []string
}

// exportedMetrics is the gateway's metric contract, written down once: every
// name and label the dashboard and the alert rules may use. (It is the list
// agreed for the metrics package, plus gateway_upstream_gap_seconds, which
// metrics/metrics.go also exports; TestContainerDefaultsSmoke fails when the
// running gateway exposes a gateway_* family missing here.)
//
// TODO(lead): once the metrics package has landed, build this map from its
// real registry (gather it and read names, types and label names) instead of
// keeping it by hand, so that a renamed metric breaks this test.
var exportedMetrics = map[string]metricInfo{
	"gateway_actions_total":                     {counter, []string{"protocol", "action", "outcome"}},
	"gateway_action_duration_seconds":           {histogram, []string{"protocol", "action"}},
	"gateway_upstream_request_duration_seconds": {histogram, []string{"api"}},
	"gateway_upstream_requests_total":           {counter, []string{"api", "outcome"}},
	"gateway_upstream_errors_total":             {counter, []string{"api", "kind"}},
	"gateway_events_total":                      {counter, []string{"direction", "type"}},
	"gateway_events_dropped_total":              {counter, []string{"reason"}},
	"gateway_untranslated_total":                {counter, []string{"kind", "type"}},
	"gateway_upstream_connected":                {gauge, nil},
	"gateway_upstream_reconnects_total":         {counter, []string{"transport"}},
	"gateway_upstream_gap_seconds":              {histogram, nil},
	"gateway_downstream_connections":            {gauge, []string{"transport"}},
	"gateway_event_buffer_depth":                {gauge, []string{"transport"}},
	"gateway_idstore_entries":                   {gauge, nil},
	"gateway_idstore_lookups_total":             {counter, []string{"result"}},
	"gateway_idstore_collisions_total":          {counter, nil},
	"gateway_idstore_flush_errors_total":        {counter, nil},
	"gateway_build_info":                        {gauge, []string{"version", "goversion"}},
}

// standardMetrics are Prometheus' own `up` and the client library's Go and
// process collectors.
var standardMetrics = map[string]metricInfo{
	"up":                            {gauge, nil},
	"go_goroutines":                 {gauge, nil},
	"go_threads":                    {gauge, nil},
	"go_memstats_alloc_bytes":       {gauge, nil},
	"go_memstats_heap_inuse_bytes":  {gauge, nil},
	"go_gc_duration_seconds":        {gauge, []string{"quantile"}},
	"process_resident_memory_bytes": {gauge, nil},
	"process_cpu_seconds_total":     {counter, nil},
	"process_open_fds":              {gauge, nil},
	"process_max_fds":               {gauge, nil},
	"process_start_time_seconds":    {gauge, nil},
}

// enumLabels are labels whose values are fixed by the contract; a matcher on
// them must name only these values.
var enumLabels = map[string][]string{
	"outcome":   {"ok", "failed", "unsupported", "bad_request", "not_found", "upstream_error"},
	"direction": {"upstream_in", "downstream_out"},
	"result":    {"hit", "miss"},
}

// targetLabels are added by Prometheus to every scraped series.
var targetLabels = []string{"job", "instance"}

var (
	metricRef  = regexp.MustCompile(`\b((?:gateway|go|process)_[a-z0-9_]+|up)\b(\s*\{[^}]*\})?`)
	matcherRe  = regexp.MustCompile(`([a-zA-Z_][a-zA-Z0-9_]*)\s*(=~|!~|!=|=)\s*"((?:[^"\\]|\\.)*)"`)
	groupingRe = regexp.MustCompile(`\b(?:by|without)\s*\(([^)]*)\)`)
	rangeFnRe  = regexp.MustCompile(`\b(?:rate|irate|increase)\s*\(\s*$`)
)

// resolveMetric maps a name used in PromQL to its contract entry, stripping
// the histogram series suffixes.
func resolveMetric(name string) (base string, info metricInfo, suffix string, ok bool) {
	for _, set := range []map[string]metricInfo{exportedMetrics, standardMetrics} {
		if info, ok := set[name]; ok {
			return name, info, "", true
		}
	}
	for _, suf := range []string{"_bucket", "_sum", "_count"} {
		if b, found := strings.CutSuffix(name, suf); found {
			if info, ok := exportedMetrics[b]; ok {
				return b, info, suf, true
			}
		}
	}
	return name, metricInfo{}, "", false
}

// checkExpr checks one PromQL expression against the metric contract and
// returns what is wrong with it, and the contract metrics it uses. It is a
// lint on the text (no PromQL parser is available): promtool checks syntax.
func checkExpr(expr string) (problems []string, used []string) {
	allowed := map[string]bool{}
	for _, l := range targetLabels {
		allowed[l] = true
	}
	for _, m := range metricRef.FindAllStringSubmatchIndex(expr, -1) {
		name := expr[m[2]:m[3]]
		base, info, suffix, ok := resolveMetric(name)
		if !ok {
			problems = append(problems, fmt.Sprintf("unknown metric %q", name))
			continue
		}
		used = append(used, base)
		if suffix != "" && info.kind != histogram {
			problems = append(problems, fmt.Sprintf("%s: %s is not a histogram", name, base))
		}
		labels := map[string]bool{}
		for _, l := range info.labels {
			labels[l] = true
			allowed[l] = true
		}
		if suffix == "_bucket" {
			labels["le"] = true
			allowed["le"] = true
		}
		for _, l := range targetLabels {
			labels[l] = true
		}
		if m[4] >= 0 {
			for _, mm := range matcherRe.FindAllStringSubmatch(expr[m[4]:m[5]], -1) {
				label, op, value := mm[1], mm[2], mm[3]
				if !labels[label] {
					problems = append(problems, fmt.Sprintf("%s has no label %q", name, label))
				}
				problems = append(problems, checkEnum(label, op, value)...)
			}
		}
		// Counters and buckets only make sense through rate/increase.
		isCounter := info.kind == counter || suffix != ""
		prefix := expr[:m[2]]
		if isCounter && !rangeFnRe.MatchString(prefix) {
			problems = append(problems, fmt.Sprintf("counter %s used without rate()/increase()", name))
		}
		if !isCounter && rangeFnRe.MatchString(prefix) {
			problems = append(problems, fmt.Sprintf("gauge %s used inside rate()/increase()", name))
		}
	}
	if len(used) == 0 {
		problems = append(problems, "references no known metric")
	}
	for _, g := range groupingRe.FindAllStringSubmatch(expr, -1) {
		for _, l := range strings.Split(g[1], ",") {
			if l = strings.TrimSpace(l); l != "" && !allowed[l] {
				problems = append(problems, fmt.Sprintf("groups by %q, which none of its metrics has", l))
			}
		}
	}
	if strings.Contains(expr, "histogram_quantile") && !strings.Contains(expr, "_bucket") {
		problems = append(problems, "histogram_quantile without _bucket series")
	}
	return problems, used
}

// checkEnum checks the value of a matcher on a label with a fixed value set.
func checkEnum(label, op, value string) []string {
	values, ok := enumLabels[label]
	if !ok {
		return nil
	}
	alts := []string{value}
	if op == "=~" || op == "!~" {
		if strings.ContainsAny(value, `.*+?()[]{}^$\`) {
			return nil // a real regex: not checkable by listing
		}
		alts = strings.Split(value, "|")
	}
	var problems []string
	for _, a := range alts {
		if !slices.Contains(values, a) {
			problems = append(problems, fmt.Sprintf("%s value %q is not one of %v", label, a, values))
		}
	}
	return problems
}

// deployMetrics lists the metrics (histograms by their base name) that the
// alert rules and the dashboard's queries read.
func deployMetrics(t *testing.T) []string {
	t.Helper()
	var exprs []string
	var rf ruleFile
	decodeYAML(t, "prometheus/alerts.yml", &rf)
	for _, g := range rf.Groups {
		for _, r := range g.Rules {
			exprs = append(exprs, r.Expr)
		}
	}
	var walk func([]panel)
	walk = func(ps []panel) {
		for _, p := range ps {
			for _, tg := range p.Targets {
				exprs = append(exprs, tg.Expr)
			}
			walk(p.Panels)
		}
	}
	walk(readDashboard(t).Panels)
	seen := map[string]bool{}
	var out []string
	for _, e := range exprs {
		_, used := checkExpr(e)
		for _, u := range used {
			if !seen[u] {
				seen[u] = true
				out = append(out, u)
			}
		}
	}
	sort.Strings(out)
	return out
}

// TestCheckExprCatchesMistakes shows that the lint is not vacuous.
func TestCheckExprCatchesMistakes(t *testing.T) {
	for expr, want := range map[string]string{
		`rate(gateway_action_total[5m])`:                           "unknown metric",
		`rate(gateway_actions_total{outcom="ok"}[5m])`:             `has no label "outcom"`,
		`rate(gateway_actions_total{outcome="error"}[5m])`:         `outcome value "error"`,
		`sum by (api) (rate(gateway_actions_total[5m]))`:           `groups by "api"`,
		`gateway_actions_total`:                                    "without rate",
		`rate(gateway_upstream_connected[5m])`:                     "inside rate",
		`rate(gateway_actions_total_bucket[5m])`:                   "not a histogram",
		`rate(gateway_idstore_entries_count[5m])`:                  "not a histogram",
		`histogram_quantile(0.9, gateway_action_duration_seconds)`: "without _bucket",
		`vector(1)`: "no known metric",
	} {
		problems, _ := checkExpr(expr)
		assert.Contains(t, strings.Join(problems, "; "), want, expr)
	}
	problems, used := checkExpr(`histogram_quantile(0.99, sum by (job, le) (rate(gateway_action_duration_seconds_bucket{outcome!="x", job="gateway"}[5m])))`)
	assert.Equal(t, []string{`gateway_action_duration_seconds_bucket has no label "outcome"`, `outcome value "x" is not one of [ok failed unsupported bad_request not_found upstream_error]`}, problems)
	assert.Equal(t, []string{"gateway_action_duration_seconds"}, used)
}

// TestYAMLFilesParse decodes every YAML file here, every document of a
// multi-document file, rejecting duplicate keys and tabs.
func TestYAMLFilesParse(t *testing.T) {
	var files []string
	require.NoError(t, filepath.WalkDir(".", func(path string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		if ext := filepath.Ext(path); !d.IsDir() && (ext == ".yml" || ext == ".yaml") {
			files = append(files, path)
		}
		return nil
	}))
	require.GreaterOrEqual(t, len(files), 10, "expected the compose, prometheus, grafana and kubernetes files")
	for _, path := range files {
		t.Run(path, func(t *testing.T) {
			docs := readYAMLDocs(t, path)
			require.NotEmpty(t, docs, "%s has no YAML document", path)
		})
	}
}

// readYAMLDocs decodes every non-empty document of a YAML file.
func readYAMLDocs(t *testing.T, path string) []map[string]any {
	t.Helper()
	raw, err := os.ReadFile(path)
	require.NoError(t, err)
	dec := yaml.NewDecoder(bytes.NewReader(raw))
	var docs []map[string]any
	for i := 0; ; i++ {
		var doc map[string]any
		err := dec.Decode(&doc)
		if errors.Is(err, io.EOF) {
			break
		}
		require.NoError(t, err, "%s: document %d", path, i+1)
		if doc != nil {
			docs = append(docs, doc)
		}
	}
	return docs
}

// decodeYAML decodes a single-document YAML file into v, strictly: unknown
// fields in v's types are errors, which catches misspelt keys.
func decodeYAML(t *testing.T, path string, v any) {
	t.Helper()
	raw, err := os.ReadFile(path)
	require.NoError(t, err)
	dec := yaml.NewDecoder(bytes.NewReader(raw))
	dec.KnownFields(true)
	require.NoError(t, dec.Decode(v), path)
}

type ruleFile struct {
	Groups []struct {
		Name  string `yaml:"name"`
		Rules []struct {
			Alert       string            `yaml:"alert"`
			Record      string            `yaml:"record"`
			Expr        string            `yaml:"expr"`
			For         string            `yaml:"for"`
			Labels      map[string]string `yaml:"labels"`
			Annotations map[string]string `yaml:"annotations"`
		} `yaml:"rules"`
	} `yaml:"groups"`
}

// TestAlertRules checks the rule set the issue asks for and every
// expression against the metric contract.
func TestAlertRules(t *testing.T) {
	var rf ruleFile
	decodeYAML(t, "prometheus/alerts.yml", &rf)
	got := map[string]string{}
	for _, g := range rf.Groups {
		for _, r := range g.Rules {
			require.NotEmpty(t, r.Alert, "group %s: only alerting rules expected", g.Name)
			got[r.Alert] = r.Expr
			assert.Contains(t, []string{"critical", "warning", "info"}, r.Labels["severity"], "%s: severity label", r.Alert)
			assert.NotEmpty(t, strings.TrimSpace(r.Annotations["summary"]), "%s: summary", r.Alert)
			assert.NotEmpty(t, strings.TrimSpace(r.Annotations["description"]), "%s: description", r.Alert)
			if r.Alert == "GatewayDown" {
				// up is the only series left when the gateway is down.
				assert.Contains(t, r.Expr, `up{job="gateway"}`)
				continue
			}
			problems, _ := checkExpr(r.Expr)
			assert.Empty(t, problems, "%s: %s", r.Alert, r.Expr)
		}
	}
	names := make([]string, 0, len(got))
	for n := range got {
		names = append(names, n)
	}
	sort.Strings(names)
	assert.Equal(t, []string{"GatewayDown", "GatewayEventsDropped", "GatewayHighErrorRatio", "GatewayHighLatency", "GatewayUpstreamDown"}, names)
	assert.Contains(t, got["GatewayEventsDropped"], `reason!="duplicate_file_message"`)
	assert.Contains(t, got["GatewayHighErrorRatio"], `outcome=~"failed|upstream_error"`)
	assert.Contains(t, got["GatewayHighLatency"], `histogram_quantile(0.99`)
}

type dashboard struct {
	UID        string  `json:"uid"`
	Title      string  `json:"title"`
	Panels     []panel `json:"panels"`
	Templating struct {
		List []struct {
			Name       string          `json:"name"`
			Type       string          `json:"type"`
			Query      json.RawMessage `json:"query"`
			Datasource *dsRef          `json:"datasource"`
		} `json:"list"`
	} `json:"templating"`
}

type dsRef struct {
	Type string `json:"type"`
	UID  string `json:"uid"`
}

type panel struct {
	ID         int    `json:"id"`
	Type       string `json:"type"`
	Title      string `json:"title"`
	Datasource *dsRef `json:"datasource"`
	GridPos    struct {
		H, W, X, Y int
	} `json:"gridPos"`
	Targets []struct {
		Expr       string `json:"expr"`
		RefID      string `json:"refId"`
		Datasource *dsRef `json:"datasource"`
	} `json:"targets"`
	Panels []panel `json:"panels"` // the panels of a collapsed row
}

func readDashboard(t *testing.T) dashboard {
	t.Helper()
	raw, err := os.ReadFile("grafana/dashboards/gateway.json")
	require.NoError(t, err)
	var d dashboard
	require.NoError(t, json.Unmarshal(raw, &d), "gateway.json")
	return d
}

// TestDashboard checks the dashboard's structure, that every query uses only
// contract metrics, and that every contract metric is on it.
func TestDashboard(t *testing.T) {
	d := readDashboard(t)
	require.NotEmpty(t, d.UID)
	require.NotEmpty(t, d.Title)

	var panels []panel
	for _, p := range d.Panels {
		panels = append(panels, p)
		panels = append(panels, p.Panels...)
	}
	used := map[string]bool{}
	ids := map[int]string{}
	type rect struct {
		title      string
		x, y, w, h int
	}
	var rects []rect
	for _, p := range panels {
		require.NotZero(t, p.ID, "panel %q needs an id", p.Title)
		if other, dup := ids[p.ID]; dup {
			t.Errorf("panels %q and %q share id %d", other, p.Title, p.ID)
		}
		ids[p.ID] = p.Title
		g := p.GridPos
		assert.True(t, g.W > 0 && g.H > 0 && g.X >= 0 && g.X+g.W <= 24, "panel %q: gridPos %+v outside the 24-column grid", p.Title, g)
		rects = append(rects, rect{p.Title, g.X, g.Y, g.W, g.H})
		if p.Type == "row" {
			continue
		}
		assert.NotEmpty(t, p.Title, "panel %d has no title", p.ID)
		if assert.NotNil(t, p.Datasource, "panel %q", p.Title) {
			assert.Equal(t, "${datasource}", p.Datasource.UID, "panel %q must use the datasource variable", p.Title)
		}
		require.NotEmpty(t, p.Targets, "panel %q has no query", p.Title)
		for _, tg := range p.Targets {
			problems, u := checkExpr(tg.Expr)
			assert.Empty(t, problems, "panel %q, query %s: %s", p.Title, tg.RefID, tg.Expr)
			for _, m := range u {
				used[m] = true
			}
		}
	}
	for i, a := range rects {
		for _, b := range rects[i+1:] {
			if a.x < b.x+b.w && b.x < a.x+a.w && a.y < b.y+b.h && b.y < a.y+a.h {
				t.Errorf("panels %q and %q overlap", a.title, b.title)
			}
		}
	}

	vars := map[string]bool{}
	for _, v := range d.Templating.List {
		vars[v.Name] = true
		if v.Type != "query" {
			continue
		}
		var q struct {
			Query string `json:"query"`
		}
		if err := json.Unmarshal(v.Query, &q); err != nil {
			require.NoError(t, json.Unmarshal(v.Query, &q.Query), "variable %s: query", v.Name)
		}
		problems, _ := checkExpr(q.Query)
		assert.Empty(t, problems, "variable %s: %s", v.Name, q.Query)
	}
	for _, v := range []string{"datasource", "job", "instance"} {
		assert.True(t, vars[v], "dashboard variable $%s missing", v)
	}

	var missing []string
	for name := range exportedMetrics {
		if !used[name] {
			missing = append(missing, name)
		}
	}
	sort.Strings(missing)
	assert.Empty(t, missing, "exported metrics without a panel")
}

// TestPromtool runs Prometheus' own checker over the config, the rules and
// the rules' unit tests (prometheus/alerts_test.yml).
func TestPromtool(t *testing.T) {
	promtool, err := findPromtool(os.Getenv)
	if err != nil {
		// scripts/test.sh fetches it; under CI a missing promtool is a failure,
		// not a skip, so the rules are really checked before anything lands.
		if os.Getenv("CI") != "" {
			t.Fatalf("promtool not found under CI (%v): scripts/test.sh should have unpacked it from Debian's prometheus package", err)
		}
		t.Skipf("promtool not found (%v): run bash scripts/test.sh, or set PROMTOOL, to check prometheus.yml and alerts.yml", err)
	}
	for _, args := range [][]string{
		{"check", "config", "prometheus/prometheus.yml"},
		{"check", "rules", "prometheus/alerts.yml"},
		{"test", "rules", "prometheus/alerts_test.yml"},
	} {
		t.Run(strings.Join(args[:2], "_"), func(t *testing.T) {
			out, err := exec.Command(promtool, args...).CombinedOutput()
			require.NoError(t, err, "promtool %s:\n%s", strings.Join(args, " "), out)
		})
	}
}

// findPromtool prefers $PROMTOOL (where scripts/test.sh unpacked it), then
// PATH.
func findPromtool(getenv func(string) string) (string, error) {
	if p := getenv("PROMTOOL"); p != "" {
		return exec.LookPath(p)
	}
	return exec.LookPath("promtool")
}

func TestFindPromtoolPrefersEnv(t *testing.T) {
	dir := t.TempDir()
	fake := filepath.Join(dir, "promtool")
	require.NoError(t, os.WriteFile(fake, []byte("#!/bin/sh\n"), 0o755))
	got, err := findPromtool(func(k string) string {
		if k == "PROMTOOL" {
			return fake
		}
		return ""
	})
	require.NoError(t, err)
	assert.Equal(t, fake, got)
	_, err = findPromtool(func(string) string { return filepath.Join(dir, "absent") })
	assert.Error(t, err, "a PROMTOOL that does not exist is not silently replaced by PATH")
}

// TestScriptFetchesOnlyPromtool: the test command needs promtool, not a
// Prometheus server; installing Debian's prometheus package would also
// create a user and enable and start its service on the developer's machine.
func TestScriptFetchesOnlyPromtool(t *testing.T) {
	raw, err := os.ReadFile("../scripts/test.sh")
	require.NoError(t, err)
	script := string(raw)
	for _, line := range strings.Split(script, "\n") {
		if strings.Contains(line, "apt-get install") || strings.Contains(line, "systemctl") {
			assert.NotContains(t, line, "prometheus", "scripts/test.sh must not install or enable a Prometheus server")
		}
	}
	assert.Contains(t, script, "apt-get download prometheus")
	assert.Contains(t, script, "dpkg-deb -x")
	assert.Contains(t, script, "export PROMTOOL=")
}

// TestReadmeCommands keeps the guide's key commands in step with the files.
func TestReadmeCommands(t *testing.T) {
	raw, err := os.ReadFile("README.md")
	require.NoError(t, err)
	readme := string(raw)
	for _, s := range []string{
		"docker build -f deploy/Dockerfile",
		"docker compose up",
		"--profile milky",
		"kubectl apply -f deploy/kubernetes/gateway.yaml",
		"promtool check rules deploy/prometheus/alerts.yml",
		"go test ./deploy/",
	} {
		assert.Contains(t, readme, s)
	}
	// Every deploy file the guide names must exist.
	for _, m := range regexp.MustCompile("`deploy/([A-Za-z0-9_./-]+)`").FindAllStringSubmatch(readme, -1) {
		p := strings.TrimSuffix(m[1], "/")
		if p == ".env" {
			continue // made by the user from .env.example
		}
		_, err := os.Stat(p)
		assert.NoError(t, err, "README names deploy/%s", m[1])
	}
}
