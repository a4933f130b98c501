package main

import (
	"bytes"
	"fmt"
	"strings"

	"github.com/qqbridge/gateway/internal/fidelity"
)

// The fidelity section of COVERAGE.md: what a Milky bot loses through both
// directions stacked (Milky → OneBot 11 → Milky) compared with the Milky
// implementation directly, from fidelity.Losses, which the chain test
// (internal/fidelity) holds to exactly what it observes.

func renderFidelity(b *bytes.Buffer) {
	b.WriteString("\n# Fidelity: Milky → OneBot 11 → Milky\n\n")
	b.WriteString("`go test ./internal/fidelity` runs a Milky bot's script (all 64 Milky 1.2 APIs, and the events other users cause) ")
	b.WriteString("against the simulator directly and through the first direction (OneBot 11) under the reverse direction (Milky), ")
	b.WriteString("and compares every reply and event field by field. Every difference is one of the declared losses below; ")
	b.WriteString("the test fails on any other difference, and on a loss listed here that no longer occurs. ")
	b.WriteString("Subjects are APIs or `event:` + event type; paths are below the reply's data or the whole event ")
	b.WriteString("(`*` one element, `**` any number); kinds: **changed** (another value), **missing** (absent through the chain), ")
	b.WriteString("**error** (the call fails through the chain), **any** (a list reshaped).\n\n")
	fmt.Fprintf(b, "%d declared losses.\n\n", len(fidelity.Losses))
	b.WriteString("| Subject | Path | Kind | Why |\n|---|---|---|---|\n")
	for _, l := range fidelity.Losses {
		path := "(whole)"
		if l.Path != "" {
			path = "`" + strings.ReplaceAll(l.Path, "|", `\|`) + "`"
		}
		subject := "any"
		if l.Subject != "*" {
			subject = "`" + l.Subject + "`"
		}
		fmt.Fprintf(b, "| %s | %s | %s | %s |\n", subject, path, l.Kind, cell(l.Reason))
	}
}
