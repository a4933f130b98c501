package milkyob11

import (
	"bytes"
	"os"
	"os/exec"
	"path/filepath"
	"testing"

	"github.com/goccy/go-json"
	"github.com/stretchr/testify/require"
)

// TestSchemaConformance writes every Milky event the golden cases produce to
// a JSON-lines file and validates it with conformance/check-events.mjs
// against the official schema (@saltify/milky-types 1.2.2, strict). It
// needs node and conformance/node_modules (cd conformance && npm ci); it
// skips, saying so, without them.
func TestSchemaConformance(t *testing.T) {
	conf, err := filepath.Abs(filepath.Join("..", "..", "conformance"))
	require.NoError(t, err)
	node, err := exec.LookPath("node")
	if err != nil {
		t.Skip("node not found; schema check skipped")
	}
	if _, err := os.Stat(filepath.Join(conf, "node_modules", "@saltify", "milky-types")); err != nil {
		t.Skip("conformance/node_modules missing (cd conformance && npm ci); schema check skipped")
	}
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
	cmd := exec.Command(node, filepath.Join(conf, "check-events.mjs"), file)
	cmd.Dir = conf
	out, err := cmd.CombinedOutput()
	t.Logf("%d events checked:\n%s", n, out)
	require.NoError(t, err, "schema check failed")
}
