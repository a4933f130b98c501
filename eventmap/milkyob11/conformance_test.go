package milkyob11

import (
	"bytes"
	"os"
	"path/filepath"
	"testing"

	"github.com/goccy/go-json"
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
	var buf bytes.Buffer
	n := 0
	for _, c := range goldenCases(t) {
		for _, ev := range run(c.Sections[0].Body).events {
			line, err := json.Marshal(map[string]any{"kind": "event", "source": c.Name, "value": ev})
			require.NoError(t, err)
			buf.Write(line)
			buf.WriteByte('\n')
			n++
		}
	}
	file := filepath.Join(t.TempDir(), "events.jsonl")
	require.NoError(t, os.WriteFile(file, buf.Bytes(), 0o644))
	out, err := tools.Run("check-events.mjs", file)
	t.Logf("%d events checked:\n%s", n, out)
	require.NoError(t, err, "schema check failed")
}
