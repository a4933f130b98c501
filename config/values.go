package config

import (
	"fmt"
	"math"
	"strconv"
	"strings"
	"time"
)

// canonical returns the enum's spelling of raw when it matches one
// case-insensitively, raw unchanged otherwise.
func canonical(raw string, enum []string) string {
	for _, e := range enum {
		if strings.EqualFold(raw, e) {
			return e
		}
	}
	return raw
}

// parseDuration accepts Go durations; a bare number other than 0 is refused
// because its unit would be a guess.
func parseDuration(raw string) (time.Duration, error) {
	s := strings.TrimSpace(raw)
	if s == "0" {
		return 0, nil
	}
	if _, err := strconv.ParseFloat(s, 64); err == nil {
		return 0, fmt.Errorf("%q has no unit; write e.g. %q or %q", raw, s+"ms", s+"s")
	}
	d, err := time.ParseDuration(s)
	if err != nil {
		return 0, fmt.Errorf("%q is not a duration (e.g. \"5s\", \"1m30s\", \"720h\")", raw)
	}
	return d, nil
}

// formatDuration is time.Duration.String without the trailing zero units
// ("720h", not "720h0m0s"), still accepted by parseDuration.
func formatDuration(d time.Duration) string {
	s := d.String()
	if strings.HasSuffix(s, "m0s") {
		s = s[:len(s)-2]
	}
	if strings.HasSuffix(s, "h0m") {
		s = s[:len(s)-2]
	}
	return s
}

func parseInt(raw string) (int, error) {
	n, err := strconv.ParseInt(strings.TrimSpace(raw), 10, 0)
	if err != nil {
		return 0, fmt.Errorf("%q is not a whole number", raw)
	}
	return int(n), nil
}

// sizeUnits are the byte-size suffixes, longest first so "MiB" wins over "B".
var sizeUnits = []struct {
	suffix string
	mult   int64
}{
	{"KiB", 1 << 10}, {"MiB", 1 << 20}, {"GiB", 1 << 30},
	{"KB", 1000}, {"MB", 1000 * 1000}, {"GB", 1000 * 1000 * 1000},
	{"B", 1},
}

// parseSize reads a byte count: digits with an optional unit.
func parseSize(raw string) (int64, error) {
	s := strings.TrimSpace(raw)
	mult := int64(1)
	for _, u := range sizeUnits {
		if len(s) > len(u.suffix) && strings.EqualFold(s[len(s)-len(u.suffix):], u.suffix) {
			s, mult = strings.TrimSpace(s[:len(s)-len(u.suffix)]), u.mult
			break
		}
	}
	n, err := strconv.ParseInt(s, 10, 64)
	if err != nil {
		return 0, fmt.Errorf("%q is not a byte size (e.g. \"16MiB\", \"1048576\")", raw)
	}
	if n > math.MaxInt64/mult || n < math.MinInt64/mult {
		return 0, fmt.Errorf("%q is too large", raw)
	}
	return n * mult, nil
}

// formatSize writes n with the largest binary unit that divides it.
func formatSize(n int64) string {
	for _, u := range []struct {
		suffix string
		mult   int64
	}{{"GiB", 1 << 30}, {"MiB", 1 << 20}, {"KiB", 1 << 10}} {
		if n != 0 && n%u.mult == 0 {
			return strconv.FormatInt(n/u.mult, 10) + u.suffix
		}
	}
	return strconv.FormatInt(n, 10)
}

// suggest returns the candidate closest to name ("" if none is close):
// equal up to case and '-'/'_', or within two edits.
func suggest(name string, candidates []string) string {
	norm := func(s string) string {
		return strings.ToLower(strings.NewReplacer("-", "", "_", "").Replace(s))
	}
	best, bestDist := "", 3
	for _, c := range candidates {
		if c == "" {
			continue
		}
		if norm(c) == norm(name) || norm(c) == norm(name)+"s" {
			return c
		}
		if d := editDistance(name, c); d < bestDist {
			best, bestDist = c, d
		}
	}
	return best
}

// editDistance is the Levenshtein distance, bounded work for short names.
func editDistance(a, b string) int {
	if len(a) > 64 || len(b) > 64 {
		return math.MaxInt
	}
	prev := make([]int, len(b)+1)
	cur := make([]int, len(b)+1)
	for j := range prev {
		prev[j] = j
	}
	for i := 1; i <= len(a); i++ {
		cur[0] = i
		for j := 1; j <= len(b); j++ {
			cost := 1
			if a[i-1] == b[j-1] {
				cost = 0
			}
			cur[j] = min(prev[j]+1, cur[j-1]+1, prev[j-1]+cost)
		}
		prev, cur = cur, prev
	}
	return prev[len(b)]
}
