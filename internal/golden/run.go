package golden

import (
	"flag"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"testing"
)

// Update is the -update flag: Run rewrites each case file with what the
// code produced instead of comparing. Registered once, for every package
// that imports golden.
var Update = flag.Bool("update", false, "rewrite the expected sections of golden case files")

// Files lists the case files (*.txt) under dir, recursively, sorted.
func Files(dir string) ([]string, error) {
	var files []string
	err := filepath.WalkDir(dir, func(path string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		if !d.IsDir() && strings.HasSuffix(path, ".txt") {
			files = append(files, path)
		}
		return nil
	})
	sort.Strings(files)
	return files, err
}

// Load reads and parses one case file; name is its subtest name.
func Load(path, name string) (*Case, error) {
	info, err := os.Stat(path)
	if err != nil {
		return nil, err
	}
	if info.Size() > MaxFileSize {
		return nil, fmt.Errorf("golden: %s is %d bytes, limit %d", path, info.Size(), MaxFileSize)
	}
	raw, err := os.ReadFile(path)
	if err != nil {
		return nil, err
	}
	secs, err := Parse(string(raw))
	if err != nil {
		return nil, fmt.Errorf("%s: %w", path, err)
	}
	return &Case{Name: name, Path: path, Sections: secs}, nil
}

// LoadAll loads every case under dir (for fuzz seeds and coverage checks).
func LoadAll(dir string) ([]*Case, error) {
	files, err := Files(dir)
	if err != nil {
		return nil, err
	}
	var out []*Case
	for _, f := range files {
		c, err := Load(f, caseName(dir, f))
		if err != nil {
			return nil, err
		}
		out = append(out, c)
	}
	return out, nil
}

func caseName(dir, file string) string {
	rel, err := filepath.Rel(dir, file)
	if err != nil {
		rel = file
	}
	return strings.TrimSuffix(filepath.ToSlash(rel), ".txt")
}

// Run runs every case file under dir as a subtest named after its path
// (without .txt). fn runs one case and returns the whole file as it should
// be: input sections passed through (c.Sections[i]), expected sections
// built from what the code did. Run then compares the returned sections
// with the file's, section by section (directives by key, bodies as JSON
// ignoring key order, or as text), and reports a bounded line diff; with
// -update it writes the returned sections instead, keeping each position's
// comments.
func Run(t *testing.T, dir string, fn func(t *testing.T, c *Case) []*Section) {
	t.Helper()
	files, err := Files(dir)
	if err != nil {
		t.Fatalf("golden: %v", err)
	}
	if len(files) == 0 {
		t.Fatalf("golden: no case files (*.txt) under %s", dir)
	}
	for _, file := range files {
		name := caseName(dir, file)
		t.Run(name, func(t *testing.T) {
			c, err := Load(file, name)
			if err != nil {
				t.Fatal(err)
			}
			got := fn(t, c)
			if *Update {
				merged := withComments(c.Sections, got)
				if err := os.WriteFile(file, []byte(Format(merged)), 0o644); err != nil {
					t.Fatal(err)
				}
				return
			}
			if d := Diff(c, got); d != "" {
				t.Errorf("%s: produced case differs from the file (- file, + produced; rewrite with -update):\n%s", file, d)
			}
		})
	}
}

// withComments gives each produced section the comments of the file's
// section at the same position (and keeps a section's own comments when
// it is the file's section passed through).
func withComments(file, got []*Section) []*Section {
	out := make([]*Section, len(got))
	for i, g := range got {
		s := *g
		if i < len(file) && file[i] != g {
			s.Comments = append(append([]string(nil), file[i].Comments...), g.Comments...)
		}
		out[i] = &s
	}
	return out
}

// Diff compares a case file with produced sections; "" when they match.
// The result is a line diff of both in comparable form (directives sorted
// by key, JSON with sorted keys), at most MaxDiffLines lines.
func Diff(c *Case, got []*Section) string {
	want := comparableText(c.Sections, c.Normalize)
	have := comparableText(got, c.Normalize)
	if want == have {
		return ""
	}
	return lineDiff(want, have)
}

// comparableText renders sections for comparison: no comments, directives
// stably sorted by key, bodies in comparable form.
func comparableText(secs []*Section, normalize func(string) string) string {
	var b strings.Builder
	for i, s := range secs {
		if i > 0 {
			b.WriteString(Separator + "\n")
		}
		ds := append([]Directive(nil), s.Directives...)
		sort.SliceStable(ds, func(a, b int) bool { return ds[a].Key < ds[b].Key })
		for _, d := range ds {
			b.WriteString("# " + d.Key + ": " + oneLine(d.Value) + "\n")
		}
		body := s.Body
		if normalize != nil {
			body = normalize(body)
		}
		if cb, _ := comparable(body); cb != "" {
			b.WriteString(cb + "\n")
		}
	}
	return b.String()
}

func clip(s string, n int) string {
	if len(s) <= n {
		return s
	}
	return s[:n] + fmt.Sprintf("…(%d bytes)", len(s))
}
