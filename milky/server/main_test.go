package server

import (
	"os"
	"testing"

	"github.com/qqbridge/gateway/internal/conformance"
)

// These tests send and publish deliberately invalid things; they are not
// the gateway's output, so they stay out of the conformance log (except in
// conformance_test.go, which writes its own log).
func TestMain(m *testing.M) {
	conformance.Disable()
	os.Exit(m.Run())
}
