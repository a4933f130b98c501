package client

import (
	"os"
	"testing"

	"github.com/qqbridge/gateway/internal/conformance"
)

// TestMain keeps this package's tests out of the Milky conformance log: they
// send deliberately invalid requests to exercise the transport, which are not
// requests of the gateway.
func TestMain(m *testing.M) {
	conformance.Disable()
	os.Exit(m.Run())
}
