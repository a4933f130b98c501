package bridge_test

import (
	"net/http"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/qqbridge/gateway/bridge"
)

// --pprof on serves Go's profiles on the metrics listener, and only then.
func TestPprofOnlyWhenAsked(t *testing.T) {
	for _, on := range []bool{false, true} {
		e := startGateway(t, bridge.Options{Pprof: on}, nil, true)
		resp, err := http.Get(e.metrics + "/debug/pprof/cmdline")
		require.NoError(t, err)
		resp.Body.Close()
		want := http.StatusNotFound
		if on {
			want = http.StatusOK
		}
		assert.Equal(t, want, resp.StatusCode, "pprof %v", on)
	}
}
