package milkyob11

import (
	"testing"

	"github.com/goccy/go-json"
	"github.com/stretchr/testify/require"

	"github.com/qqbridge/gateway/milky"
)

// TestAppendTypedEventMatchesMarshal: the direct encoder the runtime uses
// writes every golden event byte for byte as json.Marshal does.
func TestAppendTypedEventMatchesMarshal(t *testing.T) {
	n := 0
	for _, c := range goldenCases(t) {
		for _, ev := range run(c.Sections[0].Body).events {
			want, err := json.Marshal(ev)
			require.NoError(t, err, c.Name)
			got, err := milky.AppendTypedEvent([]byte("prefix"), ev)
			require.NoError(t, err, c.Name)
			require.Equal(t, "prefix"+string(want), string(got), c.Name)
			n++
		}
	}
	require.NotZero(t, n)
}
