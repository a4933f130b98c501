package milkyob11

import (
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/qqbridge/gateway/internal/conformance/schematest"
)

// TestSchemaConformance writes every Milky event the golden cases produce to
// a JSON-lines file and validates it with conformance/check-events.mjs
// against the official schema (@saltify/milky-types 1.2.2, strict). It
// needs node and conformance/node_modules (cd conformance && npm ci); it
// skips, saying so, without them (fails under CI=true).
func TestSchemaConformance(t *testing.T) {
	tools := schematest.Require(t)
	var values []any
	for _, c := range goldenCases(t) {
		for _, ev := range run(c.Sections[0].Body).events {
			values = append(values, map[string]any{"kind": "event", "source": c.Name, "value": ev})
		}
	}
	out, err := tools.CheckEvents(t, values)
	t.Logf("%d events checked:\n%s", len(values), out)
	require.NoError(t, err, "schema check failed")
}
