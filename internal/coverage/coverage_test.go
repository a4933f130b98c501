package main

import (
	"os"
	"path/filepath"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	eventmap "github.com/qqbridge/gateway/eventmap/ob11milky"
)

// TestCoverageUpToDate fails when COVERAGE.md no longer matches the tables.
func TestCoverageUpToDate(t *testing.T) {
	want := render()
	got, err := os.ReadFile(filepath.Join("..", "..", "COVERAGE.md"))
	if os.IsNotExist(err) {
		t.Fatalf("COVERAGE.md is missing: run `%s` at the repository root", regenerate)
	}
	require.NoError(t, err)
	if string(got) != string(want) {
		t.Fatalf("COVERAGE.md is stale (the action, event or segment tables changed): run `%s` at the repository root and commit the result", regenerate)
	}
}

// TestRenderIsStable: the output does not depend on map iteration order.
func TestRenderIsStable(t *testing.T) {
	first := render()
	for range 5 {
		require.Equal(t, string(first), string(render()))
	}
}

// TestEventTableMatchesHandlers: eventmap.Table describes exactly the event
// types eventmap translates, once each.
func TestEventTableMatchesHandlers(t *testing.T) {
	handled := map[string]bool{}
	for _, typ := range eventmap.EventTypes() {
		handled[typ] = true
	}
	described := map[string]bool{}
	for _, e := range eventmap.Table {
		assert.False(t, described[e.Milky], "eventmap.Table describes %s twice", e.Milky)
		described[e.Milky] = true
		assert.True(t, handled[e.Milky], "eventmap.Table describes %s, which eventmap does not translate", e.Milky)
		assert.NotEmpty(t, e.OneBot, "%s: OneBot", e.Milky)
	}
	for typ := range handled {
		assert.True(t, described[typ], "eventmap translates %s but eventmap.Table does not describe it", typ)
	}
	assert.Len(t, eventmap.Table, 20, "Milky 1.2 has 20 event types")
}

func TestCell(t *testing.T) {
	assert.Equal(t, `a \| b c`, cell("a | b\nc"))
	assert.Equal(t, "—", orDash(""))
}
