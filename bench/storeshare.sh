#!/usr/bin/env bash
# The id store's share of the gateway's CPU under full event load, with the
# store at its count limit: the steady state of a gateway that has run for a
# while, where every new id also evicts the oldest (a store still filling
# costs less, so a profile of the default bench run, which only reaches the
# limit at its end, flatters it).
#
#   bash bench/storeshare.sh [ob11milky|milkyob11] [entries] [profile.pb.gz]
#
# Builds the gateway and the bench tool into a temp dir, drives 3M events at
# full load with the gateway's profiling endpoint on (--pprof on), waits
# until gateway_idstore_entries reaches `entries` (default 1000000, the
# default --id-max-entries), takes a 20 s CPU profile and prints the share
# of samples with a frame in package idstore (the event path's IDFor or
# RefForUpstream, and the background fsync and compaction), keeping the
# profile when a third argument names a file. Loopback only; about 2-3
# minutes; ends by itself.
set -euo pipefail
direction=${1:-ob11milky}
entries=${2:-1000000}
keep=${3:-}
cd "$(dirname "$0")/.."
tmp=$(mktemp -d)
cleanup() {
	kill "$(jobs -p)" 2>/dev/null || true
	wait 2>/dev/null || true
	rm -rf "$tmp"
}
trap cleanup EXIT
go build -o "$tmp/gw" ./cmd/gateway
go build -o "$tmp/bench" ./bench
"$tmp/bench" -gateway "$tmp/gw" -direction "$direction" -events 3000000 -rounds 1 -calls 50 -paced 1s \
	-gateway-arg=--pprof -gateway-arg=on >"$tmp/bench.out" 2>&1 &
bench=$!
addr=
for _ in $(seq 300); do
	addr=$(grep -o 'http://127.0.0.1:[0-9]*' "$tmp/bench.out" | head -1 || true)
	[ -n "$addr" ] && break
	kill -0 "$bench" 2>/dev/null || { cat "$tmp/bench.out" >&2; exit 1; }
	sleep 0.2
done
[ -n "$addr" ] || { echo "storeshare: the bench printed no metrics address" >&2; exit 1; }
echo "storeshare: $direction, waiting until the store holds $entries entries" >&2
while :; do
	n=$(curl -s "$addr/metrics" | awk '/^gateway_idstore_entries /{printf "%d", $2}')
	[ "${n:-0}" -ge "$entries" ] && break
	kill -0 "$bench" 2>/dev/null || { echo "storeshare: the run ended at ${n:-0} entries" >&2; exit 1; }
	sleep 0.5
done
go tool pprof -proto "$addr/debug/pprof/profile?seconds=20" >"$tmp/cpu.pb.gz" 2>/dev/null
wait "$bench" || { cat "$tmp/bench.out" >&2; exit 1; }
[ -z "$keep" ] || cp "$tmp/cpu.pb.gz" "$keep"
# "Total samples = 18.4s (92%)": the gateway was busy for the whole profile
# only if that is near 100 % of a CPU or more.
go tool pprof -top "$tmp/cpu.pb.gz" 2>/dev/null | grep -m1 'Total samples'
share=$(go tool pprof -top -focus '^github.com/qqbridge/gateway/idstore\.' "$tmp/cpu.pb.gz" 2>/dev/null | grep -m1 '^Showing nodes')
echo "id store at its limit ($direction): ${share#Showing nodes accounting for }"
go tool pprof -top -cum -focus '^github.com/qqbridge/gateway/idstore\.' "$tmp/cpu.pb.gz" 2>/dev/null |
	grep -E 'idstore\.\(\*Store\)\.(IDFor|RefForUpstream|RefFor|UpstreamID|run|sync|compact)$' || true
