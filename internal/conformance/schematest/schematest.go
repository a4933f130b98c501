// Package schematest finds what the schema checks under conformance/ need
// (node and the installed @saltify/milky-types) for tests in any package.
// It is a separate package so that production code importing
// internal/conformance never links "testing".
package schematest

import (
	"bytes"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"testing"

	"github.com/goccy/go-json"
)

// Tools is what a schema check runs with.
type Tools struct {
	Node string // path of the node binary
	Dir  string // absolute path of the repository's conformance/ directory
}

// Require returns the tools or stops the test: it skips, saying what is
// missing and how to install it, except when CI=true, where a missing tool
// means the check silently did not run, so it fails instead.
func Require(t testing.TB) Tools {
	t.Helper()
	_, self, _, ok := runtime.Caller(0)
	if !ok {
		t.Fatal("schematest: cannot locate itself")
	}
	dir := filepath.Join(filepath.Dir(self), "..", "..", "..", "conformance")
	stop := t.Skip
	if os.Getenv("CI") == "true" {
		stop = t.Fatal
	}
	node, err := exec.LookPath("node")
	if err != nil {
		stop("node not found; schema check skipped")
	}
	if _, err := os.Stat(filepath.Join(dir, "node_modules", "@saltify", "milky-types")); err != nil {
		stop("conformance/node_modules missing (cd conformance && npm ci); schema check skipped")
	}
	return Tools{Node: node, Dir: dir}
}

// CheckEvents runs check-events.mjs on values ({"kind":...,"source":...,
// "value":...} records), returning its output.
func (tl Tools) CheckEvents(t testing.TB, values []any) (string, error) {
	t.Helper()
	return tl.Run("check-events.mjs", writeLines(t, values))
}

// CheckLog runs check.mjs on values (records of the Milky conformance log:
// {"kind":"request"|"response"|"event","api":...,"body":...}), returning
// its output.
func (tl Tools) CheckLog(t testing.TB, values []any) (string, error) {
	t.Helper()
	return tl.Run("check.mjs", writeLines(t, values))
}

// writeLines writes values as JSON lines to a temporary file and returns its
// path.
func writeLines(t testing.TB, values []any) string {
	t.Helper()
	var buf bytes.Buffer
	for _, v := range values {
		line, err := json.Marshal(v)
		if err != nil {
			t.Fatalf("schematest: encode %T: %v", v, err)
		}
		buf.Write(line)
		buf.WriteByte('\n')
	}
	file := filepath.Join(t.TempDir(), "values.jsonl")
	if err := os.WriteFile(file, buf.Bytes(), 0o644); err != nil {
		t.Fatalf("schematest: %v", err)
	}
	return file
}

// Run runs one of conformance/'s scripts on file from inside conformance/
// and returns its combined output.
func (tl Tools) Run(script, file string) (string, error) {
	cmd := exec.Command(tl.Node, filepath.Join(tl.Dir, script), file)
	cmd.Dir = tl.Dir
	out, err := cmd.CombinedOutput()
	return string(out), err
}
