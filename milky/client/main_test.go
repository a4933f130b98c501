package client

import (
	"os"
	"testing"
)

// TestMain keeps this package's tests out of the Milky conformance log: they
// send deliberately invalid requests to exercise the transport, which are not
// requests of the gateway.
func TestMain(m *testing.M) {
	DisableConformanceLog()
	os.Exit(m.Run())
}
