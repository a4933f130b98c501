// Package deploy holds the gateway's deployment assets (Dockerfile, docker
// compose, Kubernetes manifests, Prometheus rules, Grafana dashboard) and the
// tests that check them statically: see README.md. It has no code of its own.
package deploy
