// Package fidelity declares what a Milky bot loses when it reaches a Milky
// implementation through both of the gateway's directions stacked (Milky →
// OneBot 11 → Milky) instead of directly, and compares the two views. The
// chain test (chain_test.go) runs one script of API calls and events against
// both and fails on any difference Losses does not declare, and on any
// declared loss that no longer happens. COVERAGE.md renders Losses.
package fidelity

import (
	"fmt"
	"sort"
	"strconv"
	"strings"

	"github.com/goccy/go-json"
)

// Kind says how a value the bot sees through the chain differs from what it
// sees directly.
type Kind string

// Kinds of difference.
const (
	Missing Kind = "missing" // present directly, absent through the chain
	Extra   Kind = "extra"   // absent directly, present through the chain
	Changed Kind = "changed" // present in both with another value or type
	Error   Kind = "error"   // the call's outcome (retcode) differs
	// AnyKind, in a Loss only, covers every kind: for a list the chain
	// reshapes, where positions shift and every kind occurs.
	AnyKind Kind = "any"
)

// Difference is one place where the chain differs from the direct view.
// Subject is an API name or "event:" + event_type; Path is the JSON path
// below the response's data (or the whole event), dot-separated with array
// indices as numbers ("" for the whole value).
type Difference struct {
	Subject string
	Path    string
	Kind    Kind
	Direct  string // the value seen directly (JSON, shortened)
	Chain   string // the value seen through the chain
}

func (d Difference) String() string {
	return fmt.Sprintf("%s %s %s: direct %s, chain %s", d.Subject, orRoot(d.Path), d.Kind, d.Direct, d.Chain)
}

func orRoot(p string) string {
	if p == "" {
		return "(root)"
	}
	return p
}

// Compare returns the differences between direct and chain, two decoded
// JSON values (as encoding/json decodes into any), in path order.
func Compare(subject string, direct, chain any) []Difference {
	var out []Difference
	compare(subject, "", direct, chain, &out)
	sort.SliceStable(out, func(i, j int) bool { return out[i].Path < out[j].Path })
	return out
}

func compare(subject, path string, a, b any, out *[]Difference) {
	switch av := a.(type) {
	case map[string]any:
		if bv, ok := b.(map[string]any); ok {
			for k, x := range av {
				p := join(path, k)
				if y, ok := bv[k]; ok {
					compare(subject, p, x, y, out)
				} else {
					*out = append(*out, Difference{Subject: subject, Path: p, Kind: Missing, Direct: show(x), Chain: "(absent)"})
				}
			}
			for k, y := range bv {
				if _, ok := av[k]; !ok {
					*out = append(*out, Difference{Subject: subject, Path: join(path, k), Kind: Extra, Direct: "(absent)", Chain: show(y)})
				}
			}
			return
		}
	case []any:
		if bv, ok := b.([]any); ok {
			for i := 0; i < len(av) || i < len(bv); i++ {
				p := join(path, strconv.Itoa(i))
				switch {
				case i >= len(bv):
					*out = append(*out, Difference{Subject: subject, Path: p, Kind: Missing, Direct: show(av[i]), Chain: "(absent)"})
				case i >= len(av):
					*out = append(*out, Difference{Subject: subject, Path: p, Kind: Extra, Direct: "(absent)", Chain: show(bv[i])})
				default:
					compare(subject, p, av[i], bv[i], out)
				}
			}
			return
		}
	default:
		if equalScalar(a, b) {
			return
		}
	}
	*out = append(*out, Difference{Subject: subject, Path: path, Kind: Changed, Direct: show(a), Chain: show(b)})
}

// equalScalar compares JSON scalars; numbers compare by value whether they
// were decoded as float64 or json.Number.
func equalScalar(a, b any) bool {
	if an, ok := number(a); ok {
		bn, ok := number(b)
		return ok && an == bn
	}
	return a == b
}

func number(v any) (string, bool) {
	switch n := v.(type) {
	case json.Number:
		return n.String(), true
	case float64:
		return strconv.FormatFloat(n, 'f', -1, 64), true
	}
	return "", false
}

func join(path, key string) string {
	if path == "" {
		return key
	}
	return path + "." + key
}

// show renders a value for a report line, bounded.
func show(v any) string {
	b, err := json.Marshal(v)
	if err != nil {
		return fmt.Sprintf("%v", v)
	}
	s := string(b)
	if len(s) > 80 {
		s = s[:77] + "..."
	}
	return s
}

// Matches says whether the declared loss covers d: the subject is equal (or
// the loss's is "*"), the kind is equal (or AnyKind), and the path matches the pattern,
// where a "*" element matches any one element and "**" any number of them
// (zero included).
func (l Loss) Matches(d Difference) bool {
	if (l.Kind != AnyKind && l.Kind != d.Kind) || (l.Subject != "*" && l.Subject != d.Subject) {
		return false
	}
	return matchPath(split(l.Path), split(d.Path))
}

func split(p string) []string {
	if p == "" {
		return nil
	}
	return strings.Split(p, ".")
}

func matchPath(pat, path []string) bool {
	if len(pat) == 0 {
		return len(path) == 0
	}
	if pat[0] == "**" {
		for i := 0; i <= len(path); i++ {
			if matchPath(pat[1:], path[i:]) {
				return true
			}
		}
		return false
	}
	if len(path) == 0 || (pat[0] != "*" && pat[0] != path[0]) {
		return false
	}
	return matchPath(pat[1:], path[1:])
}

// Declared returns the first loss covering d, if any.
func Declared(d Difference) (*Loss, bool) {
	for i := range Losses {
		if Losses[i].Matches(d) {
			return &Losses[i], true
		}
	}
	return nil, false
}
