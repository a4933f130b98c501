package deploy

import (
	"bytes"
	"errors"
	"flag"
	"io"
	"os"
	"strconv"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"go.yaml.in/yaml/v3"
)

var update = flag.Bool("update", false, "rewrite kubernetes/prometheusrule.yaml from prometheus/alerts.yml")

// Only the fields the checks read; the Kubernetes API types are not a
// dependency of this module.

type k8sMeta struct {
	Name        string            `yaml:"name"`
	Labels      map[string]string `yaml:"labels"`
	Annotations map[string]string `yaml:"annotations"`
}

type k8sObject struct {
	APIVersion string    `yaml:"apiVersion"`
	Kind       string    `yaml:"kind"`
	Metadata   k8sMeta   `yaml:"metadata"`
	node       yaml.Node // the whole document, for decoding by kind
}

type securityContext struct {
	RunAsNonRoot             *bool  `yaml:"runAsNonRoot"`
	RunAsUser                *int64 `yaml:"runAsUser"`
	ReadOnlyRootFilesystem   *bool  `yaml:"readOnlyRootFilesystem"`
	AllowPrivilegeEscalation *bool  `yaml:"allowPrivilegeEscalation"`
	Privileged               *bool  `yaml:"privileged"`
	Capabilities             struct {
		Drop []string `yaml:"drop"`
	} `yaml:"capabilities"`
}

type probe struct {
	HTTPGet *struct {
		Path string `yaml:"path"`
		Port string `yaml:"port"`
	} `yaml:"httpGet"`
}

type container struct {
	Name  string `yaml:"name"`
	Image string `yaml:"image"`
	Env   []struct {
		Name      string `yaml:"name"`
		Value     string `yaml:"value"`
		ValueFrom *struct {
			SecretKeyRef *struct {
				Name string `yaml:"name"`
				Key  string `yaml:"key"`
			} `yaml:"secretKeyRef"`
		} `yaml:"valueFrom"`
	} `yaml:"env"`
	Ports []struct {
		Name          string `yaml:"name"`
		ContainerPort int    `yaml:"containerPort"`
	} `yaml:"ports"`
	ReadinessProbe *probe `yaml:"readinessProbe"`
	LivenessProbe  *probe `yaml:"livenessProbe"`
	Resources      struct {
		Requests map[string]string `yaml:"requests"`
		Limits   map[string]string `yaml:"limits"`
	} `yaml:"resources"`
	SecurityContext *securityContext `yaml:"securityContext"`
	VolumeMounts    []struct {
		Name      string `yaml:"name"`
		MountPath string `yaml:"mountPath"`
	} `yaml:"volumeMounts"`
}

func (c container) env(name string) (value string, secretName, secretKey string, ok bool) {
	for _, e := range c.Env {
		if e.Name != name {
			continue
		}
		if e.ValueFrom != nil && e.ValueFrom.SecretKeyRef != nil {
			return "", e.ValueFrom.SecretKeyRef.Name, e.ValueFrom.SecretKeyRef.Key, true
		}
		return e.Value, "", "", true
	}
	return "", "", "", false
}

func (c container) port(name string) int {
	for _, p := range c.Ports {
		if p.Name == name {
			return p.ContainerPort
		}
	}
	return 0
}

type deploymentSpec struct {
	Spec struct {
		Replicas *int `yaml:"replicas"`
		Strategy struct {
			Type string `yaml:"type"`
		} `yaml:"strategy"`
		Selector struct {
			MatchLabels map[string]string `yaml:"matchLabels"`
		} `yaml:"selector"`
		Template struct {
			Metadata k8sMeta `yaml:"metadata"`
			Spec     struct {
				AutomountServiceAccountToken *bool           `yaml:"automountServiceAccountToken"`
				SecurityContext              securityContext `yaml:"securityContext"`
				Containers                   []container     `yaml:"containers"`
				Volumes                      []struct {
					Name                  string `yaml:"name"`
					PersistentVolumeClaim *struct {
						ClaimName string `yaml:"claimName"`
					} `yaml:"persistentVolumeClaim"`
					EmptyDir any `yaml:"emptyDir"`
				} `yaml:"volumes"`
			} `yaml:"spec"`
		} `yaml:"template"`
	} `yaml:"spec"`
}

type serviceSpec struct {
	Spec struct {
		Selector map[string]string `yaml:"selector"`
		Ports    []struct {
			Name       string `yaml:"name"`
			Port       int    `yaml:"port"`
			TargetPort string `yaml:"targetPort"`
		} `yaml:"ports"`
	} `yaml:"spec"`
}

type serviceMonitorSpec struct {
	Spec struct {
		JobLabel string `yaml:"jobLabel"`
		Selector struct {
			MatchLabels map[string]string `yaml:"matchLabels"`
		} `yaml:"selector"`
		Endpoints []struct {
			Port string `yaml:"port"`
			Path string `yaml:"path"`
		} `yaml:"endpoints"`
	} `yaml:"spec"`
}

// readK8s decodes every document of every manifest in kubernetes/.
func readK8s(t *testing.T) []k8sObject {
	t.Helper()
	return readK8sFiles(t, "kubernetes/secret.example.yaml", "kubernetes/gateway.yaml", "kubernetes/servicemonitor.yaml", "kubernetes/prometheusrule.yaml")
}

// readK8sFiles decodes every document of the given manifests.
func readK8sFiles(t *testing.T, files ...string) []k8sObject {
	t.Helper()
	var objs []k8sObject
	for _, f := range files {
		raw, err := os.ReadFile(f)
		require.NoError(t, err)
		dec := yaml.NewDecoder(bytes.NewReader(raw))
		for i := 1; ; i++ {
			var o k8sObject
			err := dec.Decode(&o.node)
			if errors.Is(err, io.EOF) {
				break
			}
			require.NoError(t, err, "%s document %d", f, i)
			if o.node.Kind == 0 {
				continue
			}
			require.NoError(t, o.node.Decode(&o), "%s document %d", f, i)
			require.NotEmpty(t, o.APIVersion, "%s document %d: apiVersion", f, i)
			require.NotEmpty(t, o.Kind, "%s document %d: kind", f, i)
			require.NotEmpty(t, o.Metadata.Name, "%s document %d: metadata.name", f, i)
			objs = append(objs, o)
		}
	}
	return objs
}

func containersByName(cs []container) map[string]container {
	byName := map[string]container{}
	for _, c := range cs {
		byName[c.Name] = c
	}
	return byName
}

// secretSpec is the part of a Secret the tests read.
type secretSpec struct {
	StringData map[string]string `yaml:"stringData"`
}

// assertTokensFromSecret checks that the gateway's two tokens come from
// the Secret example, never from plain values, and returns that Secret.
func assertTokensFromSecret(t *testing.T, objs []k8sObject, gw container) secretSpec {
	t.Helper()
	var sec secretSpec
	secret := findK8s(t, objs, "Secret", &sec)
	for _, env := range []string{"GATEWAY_UPSTREAM_TOKEN", "GATEWAY_ACCESS_TOKEN"} {
		_, name, key, ok := gw.env(env)
		require.True(t, ok, "gateway env %s", env)
		assert.Equal(t, secret.Metadata.Name, name, "%s must come from the Secret", env)
		assert.Contains(t, sec.StringData, key, "%s: key %s in the Secret example", env, key)
	}
	return sec
}

func findK8s(t *testing.T, objs []k8sObject, kind string, v any) k8sObject {
	t.Helper()
	var found []k8sObject
	for _, o := range objs {
		if o.Kind == kind {
			found = append(found, o)
		}
	}
	require.Len(t, found, 1, "exactly one %s", kind)
	if v != nil {
		require.NoError(t, found[0].node.Decode(v))
	}
	return found[0]
}

// subset reports whether every label of sel is in labels with that value.
func subset(sel, labels map[string]string) bool {
	for k, v := range sel {
		if labels[k] != v {
			return false
		}
	}
	return len(sel) > 0
}

func TestKubernetesDeployment(t *testing.T) {
	objs := readK8s(t)
	var d deploymentSpec
	dep := findK8s(t, objs, "Deployment", &d)
	assert.Equal(t, "apps/v1", dep.APIVersion)
	pod := d.Spec.Template.Spec

	// One QQ login per account: one replica, never two at once.
	require.NotNil(t, d.Spec.Replicas)
	assert.Equal(t, 1, *d.Spec.Replicas)
	assert.Equal(t, "Recreate", d.Spec.Strategy.Type)
	assert.True(t, subset(d.Spec.Selector.MatchLabels, d.Spec.Template.Metadata.Labels), "selector must match the pod labels")

	byName := containersByName(pod.Containers)
	require.Contains(t, byName, "gateway")
	require.Len(t, pod.Containers, 2, "the implementation and the gateway sidecar")
	gw := byName["gateway"]

	// Probes on the metrics listener.
	require.NotNil(t, gw.ReadinessProbe)
	require.NotNil(t, gw.ReadinessProbe.HTTPGet)
	assert.Equal(t, "/readyz", gw.ReadinessProbe.HTTPGet.Path)
	require.NotNil(t, gw.LivenessProbe)
	require.NotNil(t, gw.LivenessProbe.HTTPGet)
	assert.Equal(t, "/healthz", gw.LivenessProbe.HTTPGet.Path)
	for _, p := range []*probe{gw.ReadinessProbe, gw.LivenessProbe} {
		assert.Equal(t, "metrics", p.HTTPGet.Port)
	}

	// Ports agree with the listen addresses.
	for env, port := range map[string]string{"GATEWAY_LISTEN": "onebot", "GATEWAY_METRICS_LISTEN": "metrics"} {
		v, _, _, ok := gw.env(env)
		require.True(t, ok, "gateway env %s", env)
		_, p, _ := strings.Cut(v, ":")
		assert.Equal(t, p, strconv.Itoa(gw.port(port)), "%s vs container port %s", env, port)
		assert.True(t, strings.HasPrefix(v, "0.0.0.0:"), "%s must listen on all interfaces in a pod", env)
	}
	up, _, _, _ := gw.env("GATEWAY_UPSTREAM")
	assert.Equal(t, "http://127.0.0.1:"+strconv.Itoa(byName["milky"].port("milky")), up, "the gateway talks to the implementation in its pod")

	// Tokens come from the Secret, never from plain values.
	assertTokensFromSecret(t, objs, gw)

	// Resources and hardening, for every container.
	runAsNonRootPod := pod.SecurityContext.RunAsNonRoot != nil && *pod.SecurityContext.RunAsNonRoot
	for _, c := range pod.Containers {
		for _, r := range []string{"cpu", "memory"} {
			assert.NotEmpty(t, c.Resources.Requests[r], "%s: requests.%s", c.Name, r)
		}
		assert.NotEmpty(t, c.Resources.Limits["memory"], "%s: limits.memory", c.Name)
		sc := c.SecurityContext
		require.NotNil(t, sc, "%s: securityContext", c.Name)
		assert.True(t, runAsNonRootPod || (sc.RunAsNonRoot != nil && *sc.RunAsNonRoot), "%s: runAsNonRoot", c.Name)
		assert.True(t, sc.AllowPrivilegeEscalation != nil && !*sc.AllowPrivilegeEscalation, "%s: allowPrivilegeEscalation: false", c.Name)
		assert.True(t, sc.ReadOnlyRootFilesystem != nil && *sc.ReadOnlyRootFilesystem, "%s: readOnlyRootFilesystem", c.Name)
		assert.Equal(t, []string{"ALL"}, sc.Capabilities.Drop, "%s: drop ALL capabilities", c.Name)
		assert.False(t, sc.Privileged != nil && *sc.Privileged, "%s: privileged", c.Name)
	}
	assert.NotEmpty(t, gw.Resources.Limits["cpu"], "gateway: limits.cpu")
	require.NotNil(t, gw.SecurityContext.RunAsNonRoot)
	assert.True(t, *gw.SecurityContext.RunAsNonRoot)

	// /data on a volume that exists; PVCs that exist.
	volumes := map[string]string{}
	for _, v := range pod.Volumes {
		volumes[v.Name] = ""
		if v.PersistentVolumeClaim != nil {
			volumes[v.Name] = v.PersistentVolumeClaim.ClaimName
		}
	}
	claims := map[string]bool{}
	for _, o := range objs {
		if o.Kind == "PersistentVolumeClaim" {
			claims[o.Metadata.Name] = true
		}
	}
	for _, v := range volumes {
		if v != "" {
			assert.True(t, claims[v], "PersistentVolumeClaim %s is not in the manifests", v)
		}
	}
	var data string
	for _, c := range pod.Containers {
		for _, m := range c.VolumeMounts {
			assert.Contains(t, volumes, m.Name, "%s mounts unknown volume %s", c.Name, m.Name)
			if c.Name == "gateway" && m.MountPath == "/data" {
				data = m.Name
			}
		}
	}
	require.NotEmpty(t, data, "gateway needs a volume at /data")
	assert.NotEmpty(t, volumes[data], "gateway /data should be persistent (a PVC)")

	// Annotation-based scraping points at the metrics port.
	ann := d.Spec.Template.Metadata.Annotations
	assert.Equal(t, "true", ann["prometheus.io/scrape"])
	assert.Equal(t, strconv.Itoa(gw.port("metrics")), ann["prometheus.io/port"])
	assert.Equal(t, "/metrics", ann["prometheus.io/path"])
}

func TestKubernetesServiceAndMonitor(t *testing.T) {
	objs := readK8s(t)
	var d deploymentSpec
	findK8s(t, objs, "Deployment", &d)
	var gw container
	for _, c := range d.Spec.Template.Spec.Containers {
		if c.Name == "gateway" {
			gw = c
		}
	}

	var s serviceSpec
	svc := findK8s(t, objs, "Service", &s)
	assert.True(t, subset(s.Spec.Selector, d.Spec.Template.Metadata.Labels), "Service selector must match the pod")
	portNames := map[string]bool{}
	for _, p := range s.Spec.Ports {
		portNames[p.Name] = true
		assert.NotZero(t, gw.port(p.TargetPort), "Service port %s targets %q, not a gateway port", p.Name, p.TargetPort)
		assert.Equal(t, gw.port(p.TargetPort), p.Port, "Service port %s", p.Name)
	}
	assert.True(t, portNames["onebot"] && portNames["metrics"], "Service exposes onebot and metrics")

	var m serviceMonitorSpec
	sm := findK8s(t, objs, "ServiceMonitor", &m)
	assert.Equal(t, "monitoring.coreos.com/v1", sm.APIVersion)
	assert.True(t, subset(m.Spec.Selector.MatchLabels, svc.Metadata.Labels), "ServiceMonitor selector must match the Service labels")
	require.NotEmpty(t, m.Spec.Endpoints)
	for _, e := range m.Spec.Endpoints {
		assert.True(t, portNames[e.Port], "ServiceMonitor endpoint port %q is not a Service port name", e.Port)
		assert.Equal(t, "/metrics", e.Path)
	}
	// The alerts select job="gateway": the ServiceMonitor must produce it.
	require.NotEmpty(t, m.Spec.JobLabel, "ServiceMonitor jobLabel")
	assert.Equal(t, "gateway", svc.Metadata.Labels[m.Spec.JobLabel], "job label value")
}

// renderPrometheusRule wraps alerts.yml's groups, comments included, in a
// PrometheusRule object, so the two never drift apart.
func renderPrometheusRule(t *testing.T) []byte {
	t.Helper()
	alerts, err := os.ReadFile("prometheus/alerts.yml")
	require.NoError(t, err)
	i := bytes.Index(alerts, []byte("\ngroups:"))
	require.GreaterOrEqual(t, i, 0, "alerts.yml must have a top-level groups: key")
	var b bytes.Buffer
	b.WriteString(`# GENERATED from deploy/prometheus/alerts.yml: do not edit. After changing
# alerts.yml, run   go test ./deploy/ -run TestPrometheusRuleMatchesAlerts -update
#
# The gateway's alert rules for the Prometheus Operator (kube-prometheus-stack):
#   kubectl apply -f deploy/kubernetes/prometheusrule.yaml
# Adjust the "release" label to your Prometheus' ruleSelector.
apiVersion: monitoring.coreos.com/v1
kind: PrometheusRule
metadata:
  name: qqbot-gateway
  labels:
    app.kubernetes.io/name: qqbot
    app.kubernetes.io/part-of: qqbridge
    release: kube-prometheus-stack
spec:
`)
	for _, line := range strings.SplitAfter(string(alerts[i+1:]), "\n") {
		if strings.TrimSpace(line) != "" {
			b.WriteString("  ")
		}
		b.WriteString(line)
	}
	return b.Bytes()
}

func TestPrometheusRuleMatchesAlerts(t *testing.T) {
	want := renderPrometheusRule(t)
	const file = "kubernetes/prometheusrule.yaml"
	if *update {
		require.NoError(t, os.WriteFile(file, want, 0o644))
	}
	got, err := os.ReadFile(file)
	require.NoError(t, err)
	require.Equal(t, string(want), string(got), "%s is stale: run go test ./deploy/ -run TestPrometheusRuleMatchesAlerts -update", file)

	// And it decodes to the same groups.
	var rule struct {
		Spec struct {
			Groups []any `yaml:"groups"`
		} `yaml:"spec"`
	}
	require.NoError(t, yaml.Unmarshal(got, &rule))
	var alerts struct {
		Groups []any `yaml:"groups"`
	}
	raw, err := os.ReadFile("prometheus/alerts.yml")
	require.NoError(t, err)
	require.NoError(t, yaml.Unmarshal(raw, &alerts))
	assert.Equal(t, alerts.Groups, rule.Spec.Groups)
	assert.NotEmpty(t, rule.Spec.Groups)
}

func TestSubset(t *testing.T) {
	labels := map[string]string{"a": "1", "b": "2"}
	assert.True(t, subset(map[string]string{"a": "1"}, labels))
	assert.False(t, subset(map[string]string{"a": "2"}, labels))
	assert.False(t, subset(nil, labels), "an empty selector selects everything: not what we want")
}

// TestKubernetesMilkyBots checks the reverse direction's pod
// (kubernetes/milky-bots/): a OneBot 11 implementation with the gateway
// sidecar serving Milky, its Service scraped by the same ServiceMonitor, and
// a gateway configuration that check-config accepts.
func TestKubernetesMilkyBots(t *testing.T) {
	objs := readK8sFiles(t, "kubernetes/milky-bots/secret.example.yaml", "kubernetes/milky-bots/gateway.yaml")
	var d deploymentSpec
	dep := findK8s(t, objs, "Deployment", &d)
	assert.Equal(t, "apps/v1", dep.APIVersion)
	require.NotNil(t, d.Spec.Replicas)
	assert.Equal(t, 1, *d.Spec.Replicas, "one QQ login per account")
	assert.Equal(t, "Recreate", d.Spec.Strategy.Type)
	assert.True(t, subset(d.Spec.Selector.MatchLabels, d.Spec.Template.Metadata.Labels), "selector must match the pod labels")
	pod := d.Spec.Template.Spec
	require.Len(t, pod.Containers, 2, "the implementation and the gateway sidecar")
	byName := containersByName(pod.Containers)
	require.Contains(t, byName, "gateway")
	require.Contains(t, byName, "onebot11")
	gw := byName["gateway"]

	v, _, _, _ := gw.env("GATEWAY_UPSTREAM_PROTOCOL")
	assert.Equal(t, "onebot11", v)
	up, _, _, _ := gw.env("GATEWAY_UPSTREAM")
	assert.Equal(t, "ws://127.0.0.1:"+strconv.Itoa(byName["onebot11"].port("onebot11-ws")), up, "the gateway dials the implementation's forward WS in its pod")
	for env, port := range map[string]string{"GATEWAY_LISTEN": "milky", "GATEWAY_METRICS_LISTEN": "metrics"} {
		v, _, _, ok := gw.env(env)
		require.True(t, ok, "gateway env %s", env)
		_, p, _ := strings.Cut(v, ":")
		assert.Equal(t, p, strconv.Itoa(gw.port(port)), "%s vs container port %s", env, port)
		assert.True(t, strings.HasPrefix(v, "0.0.0.0:"), "%s must listen on all interfaces in a pod", env)
	}
	require.NotNil(t, gw.ReadinessProbe)
	require.NotNil(t, gw.LivenessProbe)
	assert.Equal(t, "/readyz", gw.ReadinessProbe.HTTPGet.Path)
	assert.Equal(t, "/healthz", gw.LivenessProbe.HTTPGet.Path)

	sec := assertTokensFromSecret(t, objs, gw)
	for _, c := range pod.Containers {
		sc := c.SecurityContext
		require.NotNil(t, sc, "%s: securityContext", c.Name)
		assert.True(t, sc.AllowPrivilegeEscalation != nil && !*sc.AllowPrivilegeEscalation, "%s: allowPrivilegeEscalation: false", c.Name)
		assert.Equal(t, []string{"ALL"}, sc.Capabilities.Drop, "%s: drop ALL capabilities", c.Name)
		assert.NotEmpty(t, c.Resources.Limits["memory"], "%s: limits.memory", c.Name)
	}
	claims := map[string]bool{}
	for _, o := range objs {
		if o.Kind == "PersistentVolumeClaim" {
			claims[o.Metadata.Name] = true
		}
	}
	for _, vol := range pod.Volumes {
		if vol.PersistentVolumeClaim != nil {
			assert.True(t, claims[vol.PersistentVolumeClaim.ClaimName], "PersistentVolumeClaim %s", vol.PersistentVolumeClaim.ClaimName)
		}
	}
	// Different names from the first direction's objects, so both can run
	// in one namespace.
	first := map[string]bool{}
	for _, o := range readK8s(t) {
		first[o.Kind+"/"+o.Metadata.Name] = true
	}
	for _, o := range objs {
		assert.False(t, first[o.Kind+"/"+o.Metadata.Name], "%s %s is also in deploy/kubernetes/", o.Kind, o.Metadata.Name)
	}

	// The Service reaches the pod's Milky and metrics ports, and the first
	// direction's ServiceMonitor scrapes it as job="gateway".
	var s serviceSpec
	svc := findK8s(t, objs, "Service", &s)
	assert.True(t, subset(s.Spec.Selector, d.Spec.Template.Metadata.Labels), "Service selector must match the pod")
	ports := map[string]bool{}
	for _, p := range s.Spec.Ports {
		ports[p.Name] = true
		assert.Equal(t, gw.port(p.TargetPort), p.Port, "Service port %s", p.Name)
	}
	assert.True(t, ports["milky"] && ports["metrics"], "Service exposes milky and metrics")
	var m serviceMonitorSpec
	findK8s(t, readK8s(t), "ServiceMonitor", &m)
	assert.True(t, subset(m.Spec.Selector.MatchLabels, svc.Metadata.Labels), "../servicemonitor.yaml must select this Service")
	assert.Equal(t, "gateway", svc.Metadata.Labels[m.Spec.JobLabel])
	var firstSvc serviceSpec
	findK8s(t, readK8s(t), "Service", &firstSvc)
	assert.False(t, subset(firstSvc.Spec.Selector, d.Spec.Template.Metadata.Labels), "the first direction's Service must not send OneBot 11 bots to this pod")

	// The gateway's environment (tokens filled in) passes check-config.
	bin := linuxBinary(t)
	var env []string
	for _, e := range gw.Env {
		val := e.Value
		if e.ValueFrom != nil {
			val = sec.StringData[e.ValueFrom.SecretKeyRef.Key]
		}
		env = append(env, e.Name+"="+val)
	}
	out := checkConfig(t, bin, "the sidecar", env)
	assert.Contains(t, out, "downstream: milky")
	assert.Contains(t, out, "access_token: '***'")
}
