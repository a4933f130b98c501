#!/usr/bin/env bash
# The whole test suite, from a fresh clone: formatting, vet, staticcheck, the
# package boundaries, the race-enabled Go tests (unit, golden, end-to-end,
# restart, crash, fuzz seed corpora), then the Milky schema conformance check
# of every Milky request, response and event those tests produced, against
# the official @saltify/milky-types zod schema. Installs what it needs:
# Go modules, staticcheck (Go module proxy), the schema (npm), promtool
# (unpacked from Debian's prometheus package, nothing installed).
set -euo pipefail
cd "$(dirname "$0")/.."

echo "== go modules"
go mod download

echo "== gofmt"
unformatted=$(gofmt -l $(git ls-files '*.go' 2>/dev/null || find . -name '*.go' -not -path './conformance/*'))
if [ -n "$unformatted" ]; then
  echo "gofmt would change:"; echo "$unformatted"; exit 1
fi

echo "== go vet"
go vet ./...

echo "== staticcheck"
go run honnef.co/go/tools/cmd/staticcheck@v0.8.2 ./...

echo "== architecture: package boundaries on transitive dependencies"
go run ./internal/archcheck

echo "== Milky schema (@saltify/milky-types 1.2.2) for the conformance checks"
# Before the Go tests: the mapping packages' schema tests use it too.
(cd conformance && npm ci --no-audit --no-fund --loglevel=error)

echo "== promtool (checks deploy/prometheus rules and config)"
# Only the promtool binary is needed, not a Prometheus server: it is unpacked
# from Debian's prometheus package into a cache directory (apt-get download +
# dpkg-deb -x: nothing is installed, no user created, no service enabled).
# deploy's TestPromtool uses $PROMTOOL; a promtool already on PATH wins.
if command -v promtool >/dev/null 2>&1; then
  export PROMTOOL="$(command -v promtool)"
else
  cache="${XDG_CACHE_HOME:-${HOME:-/tmp}/.cache}/qqbridge-gateway/promtool"
  if [ ! -x "$cache/root/usr/bin/promtool" ] && command -v apt-get >/dev/null 2>&1; then
    mkdir -p "$cache"
    # apt-get update needs root; without it the existing package lists are used.
    if [ "$(id -u)" = 0 ]; then apt-get update -qq >/dev/null 2>&1 || true; fi
    (cd "$cache" && rm -f prometheus_*.deb && apt-get download prometheus >/dev/null 2>&1 \
      && rm -rf root && dpkg-deb -x prometheus_*.deb root && rm -f prometheus_*.deb) \
      || echo "warning: could not fetch Debian's prometheus package for promtool"
  fi
  if [ -x "$cache/root/usr/bin/promtool" ]; then
    export PROMTOOL="$cache/root/usr/bin/promtool"
  else
    echo "warning: promtool not available; deploy tests will skip its checks (and fail under CI)"
  fi
fi

log=$(mktemp -t gateway-conformance.XXXXXX.jsonl)
trap 'rm -f "$log"' EXIT

echo "== go test -race"
# GATEWAY_BENCH=1: bench's TestBench_Tiny builds the gateway and runs the
# benchmark tool end to end with tiny counts in both directions (~30 s), so
# the tool cannot rot unseen; it checks what was measured, never timings.
GATEWAY_BENCH=1 GATEWAY_CONFORMANCE_LOG="$log" go test -race -count=1 ./...

echo "== Milky schema conformance of everything the tests sent and emitted"
node conformance/check.mjs "$log"
