package golden

import (
	"fmt"
	"strings"
)

// MaxDiffLines bounds a reported diff; MaxLineWidth bounds each of its lines.
const (
	MaxDiffLines = 80
	MaxLineWidth = 240
)

// lineDiff is a minimal LCS line diff with two lines of context, bounded
// so that a wholly different megabyte body still prints a screenful.
func lineDiff(a, b string) string {
	x := strings.Split(strings.TrimSuffix(a, "\n"), "\n")
	y := strings.Split(strings.TrimSuffix(b, "\n"), "\n")
	// Trim the common head and tail first: cases differ in a few lines.
	head := 0
	for head < len(x) && head < len(y) && x[head] == y[head] {
		head++
	}
	tail := 0
	for tail < len(x)-head && tail < len(y)-head && x[len(x)-1-tail] == y[len(y)-1-tail] {
		tail++
	}
	mx, my := x[head:len(x)-tail], y[head:len(y)-tail]
	var ops []string // each " line", "-line", "+line"
	if len(mx)*len(my) > 4_000_000 {
		for _, l := range mx {
			ops = append(ops, "-"+l)
		}
		for _, l := range my {
			ops = append(ops, "+"+l)
		}
	} else {
		ops = lcs(mx, my)
	}
	const ctx = 2
	var out []string
	for i := max(0, head-ctx); i < head; i++ {
		out = append(out, "  "+x[i])
	}
	for _, op := range ops {
		out = append(out, op[:1]+" "+op[1:])
	}
	for i := len(x) - tail; i < len(x) && i < len(x)-tail+ctx; i++ {
		out = append(out, "  "+x[i])
	}
	sec := 1 // name the section the first difference is in
	for _, l := range x[:head] {
		if l == Separator {
			sec++
		}
	}
	out = append([]string{fmt.Sprintf("@@ section %d @@", sec)}, out...)
	for i, l := range out {
		out[i] = clip(l, MaxLineWidth)
	}
	if len(out) > MaxDiffLines {
		n := len(out) - MaxDiffLines
		out = append(out[:MaxDiffLines], fmt.Sprintf("… %d more diff lines", n))
	}
	return strings.Join(out, "\n")
}

func lcs(x, y []string) []string {
	n, m := len(x), len(y)
	t := make([][]int, n+1)
	for i := range t {
		t[i] = make([]int, m+1)
	}
	for i := n - 1; i >= 0; i-- {
		for j := m - 1; j >= 0; j-- {
			if x[i] == y[j] {
				t[i][j] = t[i+1][j+1] + 1
			} else {
				t[i][j] = max(t[i+1][j], t[i][j+1])
			}
		}
	}
	var ops []string
	i, j := 0, 0
	for i < n && j < m {
		switch {
		case x[i] == y[j]:
			ops = append(ops, " "+x[i])
			i++
			j++
		case t[i+1][j] >= t[i][j+1]:
			ops = append(ops, "-"+x[i])
			i++
		default:
			ops = append(ops, "+"+y[j])
			j++
		}
	}
	for ; i < n; i++ {
		ops = append(ops, "-"+x[i])
	}
	for ; j < m; j++ {
		ops = append(ops, "+"+y[j])
	}
	return ops
}
