package fidelity

import (
	"strings"
	"testing"

	"github.com/goccy/go-json"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func decode(t *testing.T, s string) any {
	t.Helper()
	var v any
	require.NoError(t, json.Unmarshal([]byte(s), &v))
	return v
}

func TestCompare(t *testing.T) {
	a := decode(t, `{"seq":1,"name":"x","list":[1,2],"obj":{"k":true},"gone":0}`)
	b := decode(t, `{"seq":2,"name":"x","list":[1],"obj":{"k":true,"new":"y"}}`)
	got := Compare("api", a, b)
	var lines []string
	for _, d := range got {
		lines = append(lines, d.Path+" "+string(d.Kind))
	}
	assert.Equal(t, []string{"gone missing", "list.1 missing", "obj.new extra", "seq changed"}, lines)
	assert.Empty(t, Compare("api", a, a))
	// A type change is a change of the whole value.
	assert.Equal(t, []Difference{{Subject: "s", Path: "v", Kind: Changed, Direct: `[1]`, Chain: `"1"`}},
		Compare("s", decode(t, `{"v":[1]}`), decode(t, `{"v":"1"}`)))
}

func TestMatches(t *testing.T) {
	d := Difference{Subject: "get_message", Path: "message.segments.0.data.width", Kind: Changed}
	for pat, want := range map[string]bool{
		"**.segments.*.data.width":       true,
		"message.segments.*.data.width":  true,
		"**.width":                       true,
		"**":                             true,
		"*.width":                        false,
		"message.segments.*.data":        false,
		"message.segments.*.data.height": false,
	} {
		assert.Equal(t, want, Loss{Subject: "*", Path: pat, Kind: Changed}.Matches(d), pat)
	}
	assert.False(t, Loss{Subject: "get_history_messages", Path: "**", Kind: Changed}.Matches(d), "another subject")
	assert.False(t, Loss{Subject: "*", Path: "**", Kind: Missing}.Matches(d), "another kind")
	assert.True(t, Loss{Subject: "get_message", Path: "**", Kind: AnyKind}.Matches(d))
	assert.True(t, Loss{Subject: "x", Path: "", Kind: Error}.Matches(Difference{Subject: "x", Kind: Error}))
}

// TestLossesWellFormed: each loss names a subject, a known kind and why.
func TestLossesWellFormed(t *testing.T) {
	seen := map[string]bool{}
	for _, l := range Losses {
		key := l.Subject + " " + l.Path + " " + string(l.Kind)
		assert.False(t, seen[key], "declared twice: %s", key)
		seen[key] = true
		assert.NotEmpty(t, l.Reason, key)
		assert.Contains(t, []Kind{Missing, Extra, Changed, Error, AnyKind}, l.Kind, key)
		assert.True(t, l.Subject == "*" || !strings.ContainsAny(l.Subject, " *."), "subject %q", l.Subject)
	}
}
