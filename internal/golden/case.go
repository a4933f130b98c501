// Package golden reads, checks and rewrites the project's golden files: one
// case per file, sections separated by a line of ten dashes, each section
// made of `# key: value` directives, free `#` comments and a body (JSON or
// text). The format is described in README.md; this file parses and prints it.
package golden

import (
	"fmt"
	"regexp"
	"strings"
)

// Separator is the line between two sections of a case file.
const Separator = "----------"

// MaxFileSize bounds what Parse accepts, so a stray binary or a runaway
// -update cannot make a test read or print megabytes.
const MaxFileSize = 4 << 20

// Directive is one `# key: value` line of a section.
type Directive struct {
	Key, Value string
}

// Section is one part of a case file.
type Section struct {
	// Comments are the `#` lines that are not directives, verbatim.
	// -update keeps them at the same section position.
	Comments []string
	// Directives in file order; a key may repeat.
	Directives []Directive
	// Body is the rest of the section, trimmed: JSON or text.
	Body string
}

// Case is one parsed file.
type Case struct {
	Name     string // path under the walked directory, without .txt (the subtest name)
	Path     string // file path as opened
	Sections []*Section
	// Normalize, when a runner sets it, is applied to the body of every
	// expected and produced section before they are compared (for example
	// to expand $NAMES into the values they stand for). Bodies are written
	// back as produced, not normalized.
	Normalize func(body string) string
}

// directiveRe: a directive key is a lowercase word, then a colon. A comment
// must not start that way ("# note: x" would be a directive).
var directiveRe = regexp.MustCompile(`^#\s*([a-z][a-z0-9_]*):(?:\s+(.*))?$`)

// Parse splits a case file into sections. Header lines (comments and
// directives) are the `#` and blank lines before the first body line; a
// `#` line after the body started belongs to the body.
func Parse(text string) ([]*Section, error) {
	if len(text) > MaxFileSize {
		return nil, fmt.Errorf("golden: case file is %d bytes, limit %d", len(text), MaxFileSize)
	}
	text = strings.ReplaceAll(text, "\r\n", "\n")
	var secs []*Section
	for _, part := range splitSections(text) {
		secs = append(secs, parseSection(part))
	}
	return secs, nil
}

func splitSections(text string) [][]string {
	var parts [][]string
	cur := []string{}
	for _, line := range strings.Split(text, "\n") {
		if strings.TrimSpace(line) == Separator {
			parts = append(parts, cur)
			cur = []string{}
			continue
		}
		cur = append(cur, line)
	}
	return append(parts, cur)
}

func parseSection(lines []string) *Section {
	s := &Section{}
	i := 0
	for ; i < len(lines); i++ {
		line := strings.TrimRight(lines[i], " \t")
		trimmed := strings.TrimSpace(line)
		if trimmed == "" {
			continue
		}
		if !strings.HasPrefix(trimmed, "#") {
			break
		}
		if m := directiveRe.FindStringSubmatch(trimmed); m != nil {
			s.Directives = append(s.Directives, Directive{Key: m[1], Value: strings.TrimSpace(m[2])})
			continue
		}
		s.Comments = append(s.Comments, trimmed)
	}
	s.Body = strings.TrimSpace(strings.Join(lines[i:], "\n"))
	return s
}

// Format prints sections as a case file: per section the comments, the
// directives, then the body (JSON bodies in canonical layout, see JSON).
// Parse(Format(x)) gives x back, canonical bodies aside.
func Format(secs []*Section) string {
	var b strings.Builder
	for i, s := range secs {
		if i > 0 {
			b.WriteString(Separator + "\n")
		}
		for _, c := range s.Comments {
			b.WriteString(c + "\n")
		}
		for _, d := range s.Directives {
			if d.Value == "" {
				b.WriteString("# " + d.Key + ":\n")
			} else {
				b.WriteString("# " + d.Key + ": " + oneLine(d.Value) + "\n")
			}
		}
		if body := canonicalBody(s.Body); body != "" {
			b.WriteString(body + "\n")
		}
	}
	return b.String()
}

// oneLine keeps a directive value on its line whatever a runner put in it.
func oneLine(v string) string {
	return strings.NewReplacer("\r", `\r`, "\n", `\n`).Replace(strings.TrimSpace(v))
}

// NewSection returns a section with a body and directives given as
// key, value pairs (an odd trailing key gets an empty value).
func NewSection(body string, keyValues ...string) *Section {
	s := &Section{Body: strings.TrimSpace(body)}
	for i := 0; i < len(keyValues); i += 2 {
		d := Directive{Key: keyValues[i]}
		if i+1 < len(keyValues) {
			d.Value = keyValues[i+1]
		}
		s.Directives = append(s.Directives, d)
	}
	return s
}

// Add appends a directive and returns s, for chaining.
func (s *Section) Add(key, value string) *Section {
	s.Directives = append(s.Directives, Directive{Key: key, Value: value})
	return s
}

// Get returns the value of the first directive named key.
func (s *Section) Get(key string) (string, bool) {
	for _, d := range s.Directives {
		if d.Key == key {
			return d.Value, true
		}
	}
	return "", false
}

// All returns the values of every directive named key, in order (nil if none).
func (s *Section) All(key string) []string {
	var out []string
	for _, d := range s.Directives {
		if d.Key == key {
			out = append(out, d.Value)
		}
	}
	return out
}

// Has reports whether a directive named key is present.
func (s *Section) Has(key string) bool {
	_, ok := s.Get(key)
	return ok
}
