package main

import (
	"regexp"
	"testing"

	"github.com/qqbridge/gateway/internal/gatewayproc"
)

// startProc runs the built binary with args on a clean environment; see
// gatewayproc.Start.
func startProc(t *testing.T, apiRe *regexp.Regexp, wantMetrics bool, args ...string) *gatewayproc.Proc {
	t.Helper()
	return gatewayproc.Start(t, gatewayBinary(t), baseEnv(), apiRe, wantMetrics, args...)
}
