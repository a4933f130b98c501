package simulator

import (
	"os"
	"testing"

	milkyclient "github.com/qqbridge/gateway/milky/client"
)

// TestMain keeps this package's tests out of the Milky conformance log: they
// send deliberately invalid requests to exercise the transport, which are not
// requests of the gateway.
func TestMain(m *testing.M) {
	milkyclient.DisableConformanceLog()
	os.Exit(m.Run())
}
