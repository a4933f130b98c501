package deploy

import (
	"fmt"
	"net"
	"os"
	"path"
	"path/filepath"
	"regexp"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"go.yaml.in/yaml/v3"
)

// The compose file, the Prometheus config and Grafana's provisioning refer
// to each other by service names, ports and mount paths; these tests check
// that the references meet.

type composeService struct {
	Build *struct {
		Context    string            `yaml:"context"`
		Dockerfile string            `yaml:"dockerfile"`
		Args       map[string]string `yaml:"args"`
	} `yaml:"build"`
	Image       string            `yaml:"image"`
	Profiles    []string          `yaml:"profiles"`
	Environment map[string]string `yaml:"environment"`
	Ports       []string          `yaml:"ports"`
	Expose      []string          `yaml:"expose"`
	Volumes     []string          `yaml:"volumes"`
	Command     []string          `yaml:"command"`
}

type composeFile struct {
	Services map[string]composeService `yaml:"services"`
	Volumes  map[string]any            `yaml:"volumes"`
}

// mount is one short-syntax volume entry: SOURCE:TARGET[:MODE].
type mount struct{ source, target string }

func (s composeService) mounts() []mount {
	var out []mount
	for _, v := range s.Volumes {
		parts := strings.Split(v, ":")
		out = append(out, mount{parts[0], parts[1]})
	}
	return out
}

// targetOf returns where a host path (./x) is mounted in the container.
func (s composeService) targetOf(source string) string {
	for _, m := range s.mounts() {
		if path.Clean(m.source) == path.Clean(source) {
			return m.target
		}
	}
	return ""
}

// publishes reports whether the service publishes container port p.
func (s composeService) publishes(p string) bool {
	for _, spec := range s.Ports {
		parts := strings.Split(spec, ":")
		if parts[len(parts)-1] == p {
			return true
		}
	}
	return false
}

func readCompose(t *testing.T) composeFile {
	t.Helper()
	var c composeFile
	decodeYAMLLoose(t, "docker-compose.yml", &c)
	for _, name := range []string{"gateway", "milky", "prometheus", "grafana"} {
		require.Contains(t, c.Services, name, "compose service %s", name)
	}
	return c
}

// decodeYAMLLoose decodes a file into the fields v knows, ignoring others.
func decodeYAMLLoose(t *testing.T, p string, v any) {
	t.Helper()
	docs := readYAMLDocs(t, p)
	require.Len(t, docs, 1, p)
	raw, err := os.ReadFile(p)
	require.NoError(t, err)
	require.NoError(t, yaml.Unmarshal(raw, v), p)
}

type prometheusConfig struct {
	RuleFiles     []string `yaml:"rule_files"`
	ScrapeConfigs []struct {
		JobName       string `yaml:"job_name"`
		MetricsPath   string `yaml:"metrics_path"`
		StaticConfigs []struct {
			Targets []string `yaml:"targets"`
		} `yaml:"static_configs"`
		DNSSDConfigs []struct {
			Names []string `yaml:"names"`
			Type  string   `yaml:"type"`
			Port  int      `yaml:"port"`
		} `yaml:"dns_sd_configs"`
	} `yaml:"scrape_configs"`
}

func TestComposeGateway(t *testing.T) {
	c := readCompose(t)
	img := readDockerfile(t)
	gw := c.Services["gateway"]

	// Built from the repository root with deploy/Dockerfile.
	require.NotNil(t, gw.Build)
	_, err := os.Stat(filepath.Join(gw.Build.Context, "go.mod"))
	assert.NoError(t, err, "build context %q must be the repository root", gw.Build.Context)
	df := filepath.Join(gw.Build.Context, gw.Build.Dockerfile)
	assert.Equal(t, filepath.Join("..", "deploy", "Dockerfile"), df)
	assert.Contains(t, gw.Build.Args, "VERSION", "pass VERSION to the Dockerfile's -X main.version")

	// Runs by default (no profile), on the simulator unless told otherwise.
	assert.Empty(t, gw.Profiles, "the gateway must start with a plain `docker compose up`")
	assert.Equal(t, "${GATEWAY_UPSTREAM:-}", gw.Environment["GATEWAY_UPSTREAM"], "empty default = built-in simulator")
	assert.Contains(t, gw.Environment, "GATEWAY_UPSTREAM_TOKEN")
	assert.Contains(t, gw.Environment, "GATEWAY_ACCESS_TOKEN")

	for _, k := range []string{"GATEWAY_LISTEN", "GATEWAY_METRICS_LISTEN"} {
		_, port, err := net.SplitHostPort(img.env[k])
		require.NoError(t, err)
		assert.True(t, gw.publishes(port), "gateway must publish %s (%s)", port, k)
	}
	for _, spec := range append(append([]string{}, gw.Ports...), c.Services["prometheus"].Ports...) {
		assert.True(t, strings.HasPrefix(spec, "127.0.0.1:"), "port %q: publish on loopback by default", spec)
	}
	var dataMounted bool
	for _, m := range gw.mounts() {
		if m.target == img.env["GATEWAY_DATA"] {
			dataMounted = true
			assert.Contains(t, c.Volumes, m.source, "named volume %s must be declared", m.source)
		}
	}
	assert.True(t, dataMounted, "a volume at %s keeps the id map across restarts", img.env["GATEWAY_DATA"])

	// The implementation placeholder only runs with --profile milky.
	assert.Equal(t, []string{"milky"}, c.Services["milky"].Profiles)
}

// TestComposeReverseProfile: --profile onebot11 runs the reverse direction
// (gateway-milky) in front of the OneBot 11 implementation placeholder, and
// the gateway's own check-config accepts the configuration compose gives it.
func TestComposeReverseProfile(t *testing.T) {
	c := readCompose(t)
	img := readDockerfile(t)
	require.Contains(t, c.Services, "gateway-milky")
	require.Contains(t, c.Services, "onebot11")
	gw, impl := c.Services["gateway-milky"], c.Services["onebot11"]
	assert.Equal(t, []string{"onebot11"}, gw.Profiles)
	assert.Equal(t, []string{"onebot11"}, impl.Profiles)
	assert.Equal(t, c.Services["gateway"].Image, gw.Image, "the same image serves both directions")
	assert.Equal(t, "onebot11", gw.Environment["GATEWAY_UPSTREAM_PROTOCOL"])

	// The default upstream names the implementation's service and a port it exposes.
	up := composeDefault(gw.Environment["GATEWAY_UPSTREAM"])
	host, port, err := net.SplitHostPort(strings.TrimPrefix(up, "ws://"))
	require.NoError(t, err, up)
	assert.Equal(t, "onebot11", host)
	assert.Contains(t, impl.Expose, port, "the implementation must expose %s", port)
	assert.Empty(t, impl.Ports, "the implementation is reached by the gateway only")

	_, listenPort, err := net.SplitHostPort(gw.Environment["GATEWAY_LISTEN"])
	require.NoError(t, err)
	_, metricsPort, err := net.SplitHostPort(img.env["GATEWAY_METRICS_LISTEN"])
	require.NoError(t, err)
	for _, p := range []string{listenPort, metricsPort} {
		assert.True(t, gw.publishes(p), "gateway-milky must publish %s", p)
	}
	for _, spec := range gw.Ports {
		assert.True(t, strings.HasPrefix(spec, "127.0.0.1:"), "port %q: publish on loopback by default", spec)
	}
	var dataMounted bool
	for _, m := range gw.mounts() {
		if m.target == img.env["GATEWAY_DATA"] {
			dataMounted = true
			assert.NotEqual(t, "gateway-data", m.source, "each gateway needs its own id store")
		}
	}
	assert.True(t, dataMounted, "a volume at %s keeps the reverse direction's ids across restarts", img.env["GATEWAY_DATA"])

	// The image's ENV plus the service's environment, as compose would
	// pass them with an empty .env, must pass check-config.
	bin := linuxBinary(t)
	var env []string
	for k, v := range img.env {
		env = append(env, k+"="+v)
	}
	for k, v := range gw.Environment {
		env = append(env, k+"="+composeDefault(v))
	}
	out := checkConfig(t, bin, "gateway-milky", env)
	assert.Contains(t, out, "downstream: milky")
	assert.Contains(t, out, "upstream_protocol: onebot11")
}

// composeDefault expands ${VAR:-default} to its default (an empty .env).
func composeDefault(v string) string {
	return regexp.MustCompile(`\$\{[A-Z0-9_]+:-([^}]*)\}`).ReplaceAllString(v, "$1")
}

func TestComposeMountsExist(t *testing.T) {
	c := readCompose(t)
	for name, s := range c.Services {
		for _, m := range s.mounts() {
			if strings.HasPrefix(m.source, ".") || strings.HasPrefix(m.source, "/") {
				_, err := os.Stat(m.source)
				assert.NoError(t, err, "service %s mounts %s", name, m.source)
			} else {
				assert.Contains(t, c.Volumes, m.source, "service %s: named volume %s must be declared", name, m.source)
			}
		}
	}
}

// TestComposeEnvExample: every ${VAR} the compose file reads is explained in
// .env.example, so a newcomer sees every knob in one place.
func TestComposeEnvExample(t *testing.T) {
	compose, err := os.ReadFile("docker-compose.yml")
	require.NoError(t, err)
	example, err := os.ReadFile(".env.example")
	require.NoError(t, err)
	defined := map[string]bool{}
	for _, line := range strings.Split(string(example), "\n") {
		if k, _, ok := strings.Cut(line, "="); ok && !strings.HasPrefix(line, "#") {
			defined[strings.TrimSpace(k)] = true
		}
	}
	for _, m := range regexp.MustCompile(`\$\{([A-Z0-9_]+)`).FindAllStringSubmatch(string(compose), -1) {
		assert.True(t, defined[m[1]], ".env.example lacks %s", m[1])
	}
}

func TestComposePrometheus(t *testing.T) {
	c := readCompose(t)
	img := readDockerfile(t)
	prom := c.Services["prometheus"]

	var cfgFile string
	for _, a := range prom.Command {
		if v, ok := strings.CutPrefix(a, "--config.file="); ok {
			cfgFile = v
		}
	}
	require.NotEmpty(t, cfgFile, "prometheus needs --config.file")
	assert.Equal(t, cfgFile, prom.targetOf("./prometheus/prometheus.yml"), "prometheus.yml must be mounted at --config.file")

	var pc prometheusConfig
	decodeYAMLLoose(t, "prometheus/prometheus.yml", &pc)
	require.NotEmpty(t, pc.RuleFiles)
	for _, rf := range pc.RuleFiles {
		_, err := os.Stat(filepath.Join("prometheus", rf))
		assert.NoError(t, err, "rule file %s next to prometheus.yml", rf)
		assert.Equal(t, path.Join(path.Dir(cfgFile), rf), prom.targetOf("./prometheus/"+rf), "rule file %s must be mounted next to the config", rf)
	}

	_, metricsPort, err := net.SplitHostPort(img.env["GATEWAY_METRICS_LISTEN"])
	require.NoError(t, err)
	var found bool
	for _, sc := range pc.ScrapeConfigs {
		if sc.JobName != "gateway" {
			continue
		}
		found = true
		assert.Contains(t, []string{"", "/metrics"}, sc.MetricsPath)
		for _, d := range sc.DNSSDConfigs {
			for _, name := range d.Names {
				assert.Contains(t, c.Services, name, "DNS-discovered target %s must be a compose service", name)
				assert.Equal(t, metricsPort, fmt.Sprint(d.Port), "DNS-discovered target %s", name)
			}
		}
		for _, st := range sc.StaticConfigs {
			for _, target := range st.Targets {
				host, port, err := net.SplitHostPort(target)
				require.NoError(t, err)
				assert.Contains(t, c.Services, host, "scrape target %s must be a compose service", target)
				assert.Equal(t, metricsPort, port, "scrape target %s", target)
			}
		}
	}
	assert.True(t, found, `a scrape job named "gateway" (the alerts select job="gateway")`)
}

type grafanaDatasources struct {
	APIVersion  int `yaml:"apiVersion"`
	Datasources []struct {
		Name      string `yaml:"name"`
		UID       string `yaml:"uid"`
		Type      string `yaml:"type"`
		Access    string `yaml:"access"`
		URL       string `yaml:"url"`
		IsDefault bool   `yaml:"isDefault"`
		Editable  bool   `yaml:"editable"`
		JSONData  struct {
			TimeInterval string `yaml:"timeInterval"`
		} `yaml:"jsonData"`
	} `yaml:"datasources"`
}

type grafanaProviders struct {
	APIVersion int `yaml:"apiVersion"`
	Providers  []struct {
		Name                  string `yaml:"name"`
		Folder                string `yaml:"folder"`
		Type                  string `yaml:"type"`
		DisableDeletion       bool   `yaml:"disableDeletion"`
		AllowUIUpdates        bool   `yaml:"allowUiUpdates"`
		UpdateIntervalSeconds int    `yaml:"updateIntervalSeconds"`
		Options               struct {
			Path                      string `yaml:"path"`
			FoldersFromFilesStructure bool   `yaml:"foldersFromFilesStructure"`
		} `yaml:"options"`
	} `yaml:"providers"`
}

func TestComposeGrafana(t *testing.T) {
	c := readCompose(t)
	g := c.Services["grafana"]
	assert.Equal(t, "/etc/grafana/provisioning", g.targetOf("./grafana/provisioning"))
	dashDir := g.targetOf("./grafana/dashboards")
	require.NotEmpty(t, dashDir, "grafana must mount ./grafana/dashboards")

	var ds grafanaDatasources
	decodeYAML(t, "grafana/provisioning/datasources/prometheus.yml", &ds)
	assert.Equal(t, 1, ds.APIVersion)
	require.Len(t, ds.Datasources, 1)
	d := ds.Datasources[0]
	assert.Equal(t, "prometheus", d.Type)
	assert.True(t, d.IsDefault)
	host, port, err := net.SplitHostPort(strings.TrimPrefix(d.URL, "http://"))
	require.NoError(t, err, d.URL)
	assert.Equal(t, "prometheus", host, "datasource must point at the compose service")
	assert.Equal(t, "9090", port)

	var pv grafanaProviders
	decodeYAML(t, "grafana/provisioning/dashboards/gateway.yml", &pv)
	assert.Equal(t, 1, pv.APIVersion)
	require.Len(t, pv.Providers, 1)
	assert.Equal(t, "file", pv.Providers[0].Type)
	assert.Equal(t, dashDir, pv.Providers[0].Options.Path, "dashboard provider path = mount target of ./grafana/dashboards")

	home := g.Environment["GF_DASHBOARDS_DEFAULT_HOME_DASHBOARD_PATH"]
	if home != "" {
		rel, ok := strings.CutPrefix(home, dashDir+"/")
		require.True(t, ok, "home dashboard %s must be under %s", home, dashDir)
		_, err := os.Stat(filepath.Join("grafana", "dashboards", rel))
		assert.NoError(t, err)
	}
}
