package main

import (
	"bytes"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"

	"github.com/qqbridge/gateway/internal/fidelity"
)

// TestFidelitySection: one row per declared loss, after the reverse
// direction's section.
func TestFidelitySection(t *testing.T) {
	var b bytes.Buffer
	renderFidelity(&b)
	rows := 0
	for _, line := range strings.Split(b.String(), "\n") {
		if strings.HasPrefix(line, "| any |") || strings.HasPrefix(line, "| `") {
			rows++
		}
	}
	assert.Equal(t, len(fidelity.Losses), rows)
	full := string(render())
	assert.Less(t, strings.Index(full, "# Milky 1.2 coverage on a OneBot 11 upstream"), strings.Index(full, "# Fidelity: Milky → OneBot 11 → Milky"))
}
