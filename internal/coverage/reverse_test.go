package main

import (
	"bytes"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"

	"github.com/qqbridge/gateway/onebot11"
)

// TestReverseSection: every Milky API appears once, with one class cell per
// implementation, and the section comes after the first direction's.
func TestReverseSection(t *testing.T) {
	var b bytes.Buffer
	renderReverse(&b)
	out := b.String()
	rows := 0
	for _, line := range strings.Split(out, "\n") {
		if strings.HasPrefix(line, "| `") {
			rows++
			assert.Equal(t, 2+len(onebot11.Impls)+3, strings.Count(line, " |"), line) // API, class, impls, actions, needs, notes
		}
	}
	assert.Equal(t, 64, rows, "one row per Milky 1.2 API")
	full := string(render())
	assert.Less(t, strings.Index(full, "# OneBot 11 coverage on a Milky 1.2 upstream"), strings.Index(full, "# Milky 1.2 coverage on a OneBot 11 upstream"))
	assert.Contains(t, out, "| NapCat | 57 | 4 | 3 | 61 |")
}
