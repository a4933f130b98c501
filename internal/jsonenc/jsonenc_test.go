package jsonenc

import (
	"encoding/json"
	"math/bits"
	"testing"
)

// TestWordUnsafeLowestFlagIsExact: for every byte value at every position
// of a word, the lowest flag of wordUnsafe is that byte exactly when it is
// not carried as it is, and there is no flag when it is (AppendString
// relies on nothing more).
func TestWordUnsafeLowestFlagIsExact(t *testing.T) {
	for c := 0; c < 256; c++ {
		for pos := 0; pos < 8; pos++ {
			b := []byte("abcdefgh")
			b[pos] = byte(c)
			bad := wordUnsafe(string(b))
			if jsonSafe[c] {
				if bad != 0 {
					t.Fatalf("byte %#x at %d: flagged %#x", c, pos, bad)
				}
				continue
			}
			if bad == 0 || bits.TrailingZeros64(bad)>>3 != pos {
				t.Fatalf("byte %#x at %d: lowest flag %#x", c, pos, bad)
			}
		}
	}
}

// FuzzAppendString: any string is written as encoding/json writes it.
func FuzzAppendString(f *testing.F) {
	for _, s := range []string{"", "a<b>&c", "&amp;&#91;x&#93;", "\x00\x1f\"\\", "\u2028\u2029", "\xff", "中\xe4\xb8文", "\ufffd", "plain ascii text, longer than a word"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		want, err := json.Marshal(s)
		if err != nil {
			t.Fatal(err)
		}
		if got := AppendString(nil, s); string(got) != string(want) {
			t.Fatalf("%q: got %s, want %s", s, got, want)
		}
	})
}
