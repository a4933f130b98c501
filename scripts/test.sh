#!/usr/bin/env bash
# The whole test suite, from a fresh clone: formatting, vet, the race-enabled
# Go tests (unit, golden, end-to-end, restart, fuzz seed corpora), then the
# Milky schema conformance check of every Milky request those tests sent,
# against the official @saltify/milky-types zod schema (installed here).
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

echo "== architecture: only translate/ and eventmap/ import both protocols"
go run ./internal/archcheck

echo "== promtool (checks deploy/prometheus rules and config)"
if ! command -v promtool >/dev/null 2>&1; then
  if [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null 2>&1; then
    # Debian's prometheus package ships promtool; its service is not started here.
    (apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends prometheus) >/dev/null 2>&1 \
      || echo "warning: could not install promtool; deploy tests will skip its checks (and fail under CI)"
  else
    echo "warning: promtool not found and not root; deploy tests will skip its checks (and fail under CI)"
  fi
fi

log=$(mktemp -t gateway-conformance.XXXXXX.jsonl)
trap 'rm -f "$log"' EXIT

echo "== go test -race"
GATEWAY_CONFORMANCE_LOG="$log" go test -race -count=1 ./...

echo "== Milky schema conformance (@saltify/milky-types 1.2.2)"
(cd conformance && npm ci --no-audit --no-fund --loglevel=error)
node conformance/check.mjs "$log"
