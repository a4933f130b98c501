package simulator

import (
	"os"
	"testing"

	"github.com/qqbridge/gateway/milky"
)

// TestMain keeps this package's tests out of the Milky conformance log: they
// send deliberately invalid requests to exercise the transport, which are not
// requests of the gateway.
func TestMain(m *testing.M) {
	milky.DisableConformanceLog()
	os.Exit(m.Run())
}
