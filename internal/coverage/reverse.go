package main

import (
	"bytes"
	"fmt"
	"slices"
	"strings"

	"github.com/qqbridge/gateway/onebot11"
	"github.com/qqbridge/gateway/translate/class"
	"github.com/qqbridge/gateway/translate/milkyob11"
)

// The reverse direction's section of COVERAGE.md: the 64 Milky 1.2 APIs
// served on a OneBot 11 upstream (milkyob11.APIs), with the class on each
// implementation, since extensions differ between them.

// milkyCategories in the order of the Milky docs.
var milkyCategories = []string{"system", "message", "friend", "group", "file"}

func renderReverse(b *bytes.Buffer) {
	apis := sortedAPIs()
	b.WriteString("\n# Milky 1.2 coverage on a OneBot 11 upstream\n\n")
	b.WriteString("The reverse direction, generated from translate/milkyob11.APIs: what a Milky bot gets for each of the 64 Milky 1.2 APIs ")
	b.WriteString("when the gateway sits on a OneBot 11 implementation. Standard OneBot 11 actions are taken to exist everywhere; extensions ")
	b.WriteString("differ, so an API's class depends on the implementation (onebot11.DetectImpl reads get_version_info's app_name; ")
	b.WriteString("an unrecognised one is `unknown` and is only asked standard actions). Classes:\n\n")
	b.WriteString("- **translated**: one or more OneBot actions do what the API asks;\n")
	b.WriteString("- **emulated**: answered faithfully from other OneBot data, with the losses the notes name;\n")
	b.WriteString("- **unsupported**: the implementation cannot do it; the call fails with retcode -501 and a message naming the API, ")
	b.WriteString("the implementation and why. Other errors: -400 bad parameter, -404 unknown message_seq / request seq, ")
	b.WriteString("-503 upstream unreachable, -504 timed out, an upstream refusal passes its positive retcode through (-500 otherwise).\n\n")

	b.WriteString("## Totals per implementation\n\n")
	b.WriteString("| Implementation | translated | emulated | unsupported | served of 64 |\n|---|---:|---:|---:|---:|\n")
	for _, impl := range onebot11.Impls {
		n := map[milkyob11.Class]int{}
		for _, a := range apis {
			c, _ := a.On(impl)
			n[c]++
		}
		fmt.Fprintf(b, "| %s | %d | %d | %d | %d |\n", impl, n[class.Translated], n[class.Emulated], n[class.Unsupported],
			n[class.Translated]+n[class.Emulated])
	}
	b.WriteString("\n")

	b.WriteString("## APIs\n\n")
	b.WriteString("A cell is the class on that implementation: **T** translated, **E** emulated, — unsupported. ")
	b.WriteString("\"Needs\" lists the extension actions of which the implementation must offer one.\n\n")
	for _, cat := range milkyCategories {
		var rows []*milkyob11.API
		for _, a := range apis {
			if a.Category == cat {
				rows = append(rows, a)
			}
		}
		if len(rows) == 0 {
			continue
		}
		fmt.Fprintf(b, "### %s (%d)\n\n", cat, len(rows))
		b.WriteString("| API | Class |")
		for _, impl := range onebot11.Impls {
			b.WriteString(" " + string(impl) + " |")
		}
		b.WriteString(" OneBot actions | Needs | Notes |\n|---|---|")
		for range onebot11.Impls {
			b.WriteString("---|")
		}
		b.WriteString("---|---|---|\n")
		for _, a := range rows {
			fmt.Fprintf(b, "| `%s` | %s |", a.Name, a.Class)
			for _, impl := range onebot11.Impls {
				c, _ := a.On(impl)
				b.WriteString(" " + classMark(c) + " |")
			}
			fmt.Fprintf(b, " %s | %s | %s |\n", codeList(a.OneBot), needs(a), orDash(a.Reason))
		}
		b.WriteString("\n")
	}
	for _, a := range apis {
		if !knownMilkyCategory(a.Category) {
			fmt.Fprintf(b, "API `%s` has an unknown category %q.\n\n", a.Name, a.Category)
		}
	}
}

func classMark(c milkyob11.Class) string {
	switch c {
	case class.Translated:
		return "**T**"
	case class.Emulated:
		return "**E**"
	}
	return "—"
}

func needs(a *milkyob11.API) string {
	s := codeList(a.Requires)
	if len(a.AlsoOn) > 0 {
		names := make([]string, len(a.AlsoOn))
		for i, impl := range a.AlsoOn {
			names[i] = string(impl)
		}
		if s == "—" {
			s = ""
		} else {
			s += "; "
		}
		s += "or is " + strings.Join(names, ", ")
	}
	return s
}

func codeList(names []string) string {
	if len(names) == 0 {
		return "—"
	}
	out := make([]string, len(names))
	for i, n := range names {
		out[i] = "`" + n + "`"
	}
	return strings.Join(out, ", ")
}

func knownMilkyCategory(cat string) bool { return slices.Contains(milkyCategories, cat) }

// sortedAPIs orders the table by Milky category, then name.
func sortedAPIs() []*milkyob11.API {
	return byCategory(milkyob11.APIs, milkyCategories, func(a *milkyob11.API) (string, string) { return a.Category, a.Name })
}
