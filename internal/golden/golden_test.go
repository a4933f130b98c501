package golden

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

const sample = `# the bot asks
# ids: {"7":["group",1,2]}
{"action": "x", "params": {"b": 1, "a": "&<>"}}
----------
# call: recall
# reply: error -404 too old
  # a body line that starts with #? no: header lines come before the body
{"group_id":1}
----------
plain text body
# not a header: after the body
`

func TestParse(t *testing.T) {
	secs, err := Parse(sample)
	require.NoError(t, err)
	require.Len(t, secs, 3)
	assert.Equal(t, []string{"# the bot asks"}, secs[0].Comments)
	v, ok := secs[0].Get("ids")
	assert.True(t, ok)
	assert.Equal(t, `{"7":["group",1,2]}`, v)
	assert.Equal(t, []string{"error -404 too old"}, secs[1].All("reply"))
	assert.Equal(t, []string{"# a body line that starts with #? no: header lines come before the body"}, secs[1].Comments)
	assert.False(t, secs[1].Has("ids"))
	assert.Equal(t, "plain text body\n# not a header: after the body", secs[2].Body)
	var req struct{ Action string }
	require.NoError(t, secs[0].Decode(&req))
	assert.Equal(t, "x", req.Action)
	assert.ErrorContains(t, secs[2].Decode(&req), "plain text body")
}

func TestFormatCanonical(t *testing.T) {
	secs, err := Parse(sample)
	require.NoError(t, err)
	out := Format(secs)
	assert.Contains(t, out, `{"action":"x","params":{"b":1,"a":"&<>"}}`+"\n", "key order kept, no HTML escapes")
	again, err := Parse(out)
	require.NoError(t, err)
	assert.Equal(t, out, Format(again), "Format is stable")

	long := JSON(map[string]any{"list": []string{strings.Repeat("a", 60), strings.Repeat("b", 60)}, "n": 1})
	assert.Equal(t, "{\n  \"list\": [\n    \""+strings.Repeat("a", 60)+"\",\n    \""+strings.Repeat("b", 60)+"\"\n  ],\n  \"n\": 1\n}", long)
	assert.Equal(t, `[]`, JSON([]int{}))
	assert.Equal(t, `{"n":12345678901234567890}`, JSON([]byte(`{"n": 12345678901234567890}`)), "numbers keep their text")
	assert.True(t, strings.HasPrefix(JSON(func() {}), "!unencodable"))
}

func TestDiff(t *testing.T) {
	c := &Case{}
	var err error
	c.Sections, err = Parse("in\n----------\n# skipped: x\n# error: y\n{\"a\":1,\"b\":[1,2]}\n")
	require.NoError(t, err)
	same := []*Section{c.Sections[0], NewSection(`{"b":[1,2],"a":1}`, "error", "y", "skipped", "x")}
	assert.Empty(t, Diff(c, same), "key and directive order do not matter")

	other := []*Section{c.Sections[0], NewSection(`{"b":[1,3],"a":1}`, "error", "y")}
	d := Diff(c, other)
	assert.Contains(t, d, "- # skipped: x")
	assert.Contains(t, d, "-     2\n+     3")

	assert.NotEmpty(t, Diff(c, same[:1]), "a missing section is a difference")

	c.Normalize = func(s string) string { return strings.ReplaceAll(s, "$A", "1") }
	assert.Empty(t, Diff(c, []*Section{c.Sections[0], NewSection(`{"a":$A,"b":[$A,2]}`, "skipped", "x", "error", "y")}))
}

func TestDiffBounded(t *testing.T) {
	var a, b strings.Builder
	for i := 0; i < 5000; i++ {
		a.WriteString(strings.Repeat("x", 1000) + "\n")
		b.WriteString(strings.Repeat("y", 1000) + "\n")
	}
	d := lineDiff(a.String(), b.String())
	assert.LessOrEqual(t, strings.Count(d, "\n"), MaxDiffLines+1)
	assert.Less(t, len(d), (MaxDiffLines+1)*(MaxLineWidth+40))
}

func TestParseLimit(t *testing.T) {
	_, err := Parse(strings.Repeat("x", MaxFileSize+1))
	assert.ErrorContains(t, err, "limit")
}

// TestRunUpdate runs Run twice over a temporary directory: -update writes
// the produced sections keeping comments, then a plain run passes.
func TestRunUpdate(t *testing.T) {
	dir := t.TempDir()
	require.NoError(t, os.MkdirAll(filepath.Join(dir, "sub"), 0o755))
	file := filepath.Join(dir, "sub", "one.txt")
	require.NoError(t, os.WriteFile(file, []byte("# input\n# k: v\n{\"x\": 2}\n----------\n# says why\n# old: 1\n{}\n"), 0o644))
	double := func(t *testing.T, c *Case) []*Section {
		var in struct{ X int }
		require.NoError(t, c.Sections[0].Decode(&in))
		return []*Section{c.Sections[0], NewSection(JSON(map[string]int{"y": in.X * 2}), "new", "yes")}
	}
	*Update = true
	var names []string
	Run(t, dir, func(t *testing.T, c *Case) []*Section { names = append(names, c.Name); return double(t, c) })
	*Update = false
	assert.Equal(t, []string{"sub/one"}, names)
	raw, err := os.ReadFile(file)
	require.NoError(t, err)
	assert.Equal(t, "# input\n# k: v\n{\"x\":2}\n----------\n# says why\n# new: yes\n{\"y\":4}\n", string(raw))
	Run(t, dir, double)
}

func FuzzParse(f *testing.F) {
	f.Add(sample)
	f.Add("")
	f.Add("----------\n----------")
	f.Add("# k:\n#k: v\n[1,\n2]\n")
	f.Add("{\"a\":[{\"b\":\"\\u0026\"}]}\n----------\n#x: \ntext\n")
	f.Fuzz(func(t *testing.T, text string) {
		secs, err := Parse(text)
		if err != nil {
			return
		}
		out := Format(secs)
		again, err := Parse(out)
		if err != nil {
			t.Fatalf("formatted case does not parse: %v", err)
		}
		if Format(again) != out {
			t.Fatalf("Format not stable:\n%q\n%q", out, Format(again))
		}
		c := &Case{Sections: secs}
		if d := Diff(c, again); d != "" {
			t.Fatalf("reparsed case differs:\n%s", d)
		}
	})
}
