// Package jsonscan is a small validating JSON scanner for the hot decode
// paths: it walks one document in place, hands out the spans of keys and
// values (sub-slices or sub-strings of the input, no copies) and lets the
// caller decide what to keep. It is strict RFC 8259: anything it rejects,
// and anything its callers do not want to judge themselves, they hand to the
// general decoder, which then decides (and words the error) as before.
package jsonscan

import (
	"math/bits"
	"unicode/utf8"
	"unsafe"
)

// Kind is the type of a scanned value.
type Kind uint8

// Value kinds.
const (
	Invalid Kind = iota
	String
	Number
	True
	False
	Null
	Object
	Array
)

// maxDepth bounds nesting; deeper documents are left to the general decoder.
const maxDepth = 64

// Scanner reads one JSON document from s. Once Failed, every method is a
// no-op returning a zero value.
type Scanner struct {
	s      string
	i      int
	depth  int
	arrays uint64 // bit d set: the container at depth d+1 is an array
	failed bool
}

// New starts scanning s.
func New(s string) Scanner { return Scanner{s: s} }

// NewBytes starts scanning b in place, without a copy: b must not change
// while the scanner and the strings it returned are in use (they alias it;
// a caller keeping a value copies it or slices b at the same offsets).
func NewBytes(b []byte) Scanner {
	return Scanner{s: unsafe.String(unsafe.SliceData(b), len(b))}
}

// Pos is the offset of the next unread byte (after whitespace).
func (sc *Scanner) Pos() int {
	sc.ws()
	return sc.i
}

// Slice is the input from a to b (offsets from Pos).
func (sc *Scanner) Slice(a, b int) string { return sc.s[a:b] }

// Failed reports whether the input was invalid (or too deep) anywhere so far.
func (sc *Scanner) Failed() bool { return sc.failed }

// Fail marks the scan failed (a caller that met something it leaves to the
// general decoder).
func (sc *Scanner) Fail() { sc.failed = true }

func (sc *Scanner) ws() {
	// Compact JSON has none: one test and out.
	if sc.i < len(sc.s) && sc.s[sc.i] > ' ' {
		return
	}
	for sc.i < len(sc.s) {
		switch sc.s[sc.i] {
		case ' ', '\t', '\n', '\r':
			sc.i++
		default:
			return
		}
	}
}

// End reports whether only whitespace is left (the document is complete).
func (sc *Scanner) End() bool {
	sc.ws()
	if sc.i != len(sc.s) {
		sc.failed = true
	}
	return !sc.failed
}

// Peek is the kind of the next value without consuming it.
func (sc *Scanner) Peek() Kind {
	if sc.failed {
		return Invalid
	}
	sc.ws()
	if sc.i >= len(sc.s) {
		return Invalid
	}
	switch c := sc.s[sc.i]; {
	case c == '"':
		return String
	case c == '{':
		return Object
	case c == '[':
		return Array
	case c == 't':
		return True
	case c == 'f':
		return False
	case c == 'n':
		return Null
	case c == '-' || (c >= '0' && c <= '9'):
		return Number
	}
	return Invalid
}

// Open consumes the '{' or '[' that starts a container of kind k.
func (sc *Scanner) Open(k Kind) bool {
	want := byte('{')
	if k == Array {
		want = '['
	}
	sc.ws()
	if sc.failed || sc.i >= len(sc.s) || sc.s[sc.i] != want {
		sc.failed = true
		return false
	}
	if sc.depth >= maxDepth {
		sc.failed = true
		return false
	}
	if k == Array {
		sc.arrays |= 1 << sc.depth
	} else {
		sc.arrays &^= 1 << sc.depth
	}
	sc.depth++
	sc.i++
	return true
}

// More reports whether the container opened last has another member,
// consuming the ',' before it or the closing bracket after the last one.
// first is true before the first member.
func (sc *Scanner) More(first bool) bool {
	if sc.failed {
		return false
	}
	sc.ws()
	if sc.i >= len(sc.s) {
		sc.failed = true
		return false
	}
	if c := sc.s[sc.i]; c == '}' || c == ']' {
		if sc.depth == 0 || (c == ']') != (sc.arrays&(1<<(sc.depth-1)) != 0) {
			sc.failed = true
			return false
		}
		sc.i++
		sc.depth--
		return false
	}
	if !first {
		if sc.s[sc.i] != ',' {
			sc.failed = true
			return false
		}
		sc.i++
	}
	return true
}

// Key reads an object member's name and the ':' after it. plain is false
// when the name has escapes (the returned text is then the raw, escaped
// content).
func (sc *Scanner) Key() (key string, plain bool) {
	start, end, esc := sc.str()
	if sc.failed {
		return key, false
	}
	sc.ws()
	if sc.failed || sc.i >= len(sc.s) || sc.s[sc.i] != ':' {
		sc.failed = true
		return key, false
	}
	sc.i++
	return sc.s[start+1 : end-1], !esc
}

// Value scans one value and returns its kind and span (for a string the
// span includes the quotes). esc says a string has backslash escapes: its
// content is not its raw text between the quotes.
func (sc *Scanner) Value() (k Kind, raw string, esc bool) {
	k = sc.Peek()
	start := sc.i
	switch k {
	case String:
		var end int
		start, end, esc = sc.str()
		if sc.failed {
			return Invalid, raw, false
		}
		return k, sc.s[start:end], esc
	case Number:
		sc.num()
	case True:
		sc.lit("true")
	case False:
		sc.lit("false")
	case Null:
		sc.lit("null")
	case Object, Array:
		sc.skipContainer(k)
	default:
		sc.failed = true
	}
	if sc.failed {
		return Invalid, raw, false
	}
	return k, sc.s[start:sc.i], false
}

// Skip scans and drops one value.
func (sc *Scanner) Skip() { sc.Value() }

func (sc *Scanner) skipContainer(k Kind) {
	if !sc.Open(k) {
		return
	}
	for first := true; sc.More(first); first = false {
		if k == Object {
			sc.Key()
		}
		sc.Value()
	}
}

func (sc *Scanner) lit(w string) {
	if len(sc.s)-sc.i < len(w) || sc.s[sc.i:sc.i+len(w)] != w {
		sc.failed = true
		return
	}
	sc.i += len(w)
}

// str scans a string at the cursor: [start, end) includes the quotes; esc
// is true when it has a backslash escape. Non-ASCII bytes must be valid
// UTF-8, else the scan fails (the general decoder decides what invalid
// UTF-8 becomes), so text without escapes is its own content.
func (sc *Scanner) str() (start, end int, esc bool) {
	sc.ws()
	if sc.failed || sc.i >= len(sc.s) || sc.s[sc.i] != '"' {
		sc.failed = true
		return
	}
	start = sc.i
	i := sc.i + 1
	nonASCII := false
	for {
		if i >= len(sc.s) {
			sc.failed = true
			return
		}
		// Plain ASCII text, the bulk of most strings: eight bytes at a
		// time while none of them needs a look, then byte by byte.
		var na bool
		i, na = skipText(sc.s, i)
		nonASCII = nonASCII || na
		if i >= len(sc.s) {
			sc.failed = true
			return
		}
		c := sc.s[i]
		switch {
		case c == '"':
			i++
			if nonASCII && !utf8.ValidString(sc.s[start:i]) {
				sc.failed = true
				return
			}
			sc.i = i
			return start, i, esc
		case c == '\\':
			esc = true
			if i+1 >= len(sc.s) {
				sc.failed = true
				return
			}
			switch sc.s[i+1] {
			case '"', '\\', '/', 'b', 'f', 'n', 'r', 't':
				i += 2
			case 'u':
				if i+6 > len(sc.s) {
					sc.failed = true
					return
				}
				for j := i + 2; j < i+6; j++ {
					if !isHex(sc.s[j]) {
						sc.failed = true
						return
					}
				}
				i += 6
			default:
				sc.failed = true
				return
			}
		default: // c < 0x20: skipText stops only at '"', '\\' and these
			sc.failed = true
			return
		}
	}
}

func isHex(c byte) bool {
	return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'f') || (c >= 'A' && c <= 'F')
}

func (sc *Scanner) num() {
	s, i := sc.s, sc.i
	if i < len(s) && s[i] == '-' {
		i++
	}
	switch {
	case i < len(s) && s[i] == '0':
		i++
	case i < len(s) && s[i] >= '1' && s[i] <= '9':
		for i < len(s) && s[i] >= '0' && s[i] <= '9' {
			i++
		}
	default:
		sc.failed = true
		return
	}
	if i < len(s) && s[i] == '.' {
		i++
		d := i
		for i < len(s) && s[i] >= '0' && s[i] <= '9' {
			i++
		}
		if i == d {
			sc.failed = true
			return
		}
	}
	if i < len(s) && (s[i] == 'e' || s[i] == 'E') {
		i++
		if i < len(s) && (s[i] == '+' || s[i] == '-') {
			i++
		}
		d := i
		for i < len(s) && s[i] >= '0' && s[i] <= '9' {
			i++
		}
		if i == d {
			sc.failed = true
			return
		}
	}
	sc.i = i
}

// Int parses a number's text as an integer literal that fits int64 (no
// fraction, no exponent). ok is false for anything else.
func Int(raw string) (int64, bool) {
	if len(raw) == 0 || len(raw) > 20 {
		return 0, false
	}
	neg := raw[0] == '-'
	i := 0
	if neg {
		i = 1
	}
	if i >= len(raw) {
		return 0, false
	}
	var n uint64
	for ; i < len(raw); i++ {
		c := raw[i]
		if c < '0' || c > '9' {
			return 0, false
		}
		d := uint64(c - '0')
		if n > (1<<64-1-d)/10 {
			return 0, false
		}
		n = n*10 + d
	}
	if neg {
		if n > 1<<63 {
			return 0, false
		}
		return -int64(n), true
	}
	if n > 1<<63-1 {
		return 0, false
	}
	return int64(n), true
}

// skipText returns the index of the first byte at or after i that is a
// quote, a backslash or a control byte (len(s) if none), and whether a
// non-ASCII byte came before it: eight bytes at a time with the classic word
// tests ("has a byte less than n", "has a zero byte", which never miss one),
// then byte by byte for the last few bytes of s. The tests may flag a byte
// after a true hit (borrow), never one before it, and never a non-ASCII byte,
// so the lowest flag is the exact index of the first byte needing a look: no
// byte-by-byte walk to the closing quote, nor through non-ASCII text.
func skipText(s string, i int) (int, bool) {
	const ones, highs = 0x0101010101010101, 0x8080808080808080
	var hi uint64
	for ; i+8 <= len(s); i += 8 {
		b := s[i : i+8]
		w := uint64(b[0]) | uint64(b[1])<<8 | uint64(b[2])<<16 | uint64(b[3])<<24 |
			uint64(b[4])<<32 | uint64(b[5])<<40 | uint64(b[6])<<48 | uint64(b[7])<<56
		q := w ^ (ones * '"')
		bs := w ^ (ones * '\\')
		if m := ((w-ones*0x20)&^w | (q-ones)&^q | (bs-ones)&^bs) & highs; m != 0 {
			n := bits.TrailingZeros64(m) >> 3
			hi |= w & (1<<(n*8) - 1)
			return i + n, hi&highs != 0
		}
		hi |= w
	}
	for ; i < len(s); i++ {
		c := s[i]
		if c == '"' || c == '\\' || c < 0x20 {
			break
		}
		hi |= uint64(c)
	}
	return i, hi&highs != 0
}

// PlainKey reports whether k is a key no general (case-folding) decoder
// can match to a field spelt differently: lower-case ASCII letters, digits,
// '_' and '-'. A fast decoder may skip such an unknown key itself; any other
// unknown key must go to the general decoder, which decides.
func PlainKey(k string) bool {
	for i := 0; i < len(k); i++ {
		if c := k[i]; !(c >= 'a' && c <= 'z' || c >= '0' && c <= '9' || c == '_' || c == '-') {
			return false
		}
	}
	return true
}

// Unquote is the content of a scanned string (raw as Value returns it,
// quotes included): raw's own text when it has no escapes, else a new
// string. A UTF-16 surrogate pair (\ud83d\ude00, as encoders that escape
// all non-ASCII text write an emoji) is its one character. ok is false for
// the one escape decoders do not agree on, a lone surrogate (left to the
// general decoder), and for anything that is not a scanned string.
func Unquote(raw string) (string, bool) {
	if len(raw) < 2 || raw[0] != '"' || raw[len(raw)-1] != '"' {
		return "", false
	}
	s := raw[1 : len(raw)-1]
	i := 0
	for i < len(s) && s[i] != '\\' {
		i++
	}
	if i == len(s) {
		return s, true
	}
	b := make([]byte, i, len(s))
	copy(b, s)
	for i < len(s) {
		c := s[i]
		if c != '\\' {
			b = append(b, c)
			i++
			continue
		}
		if i+1 >= len(s) {
			return "", false
		}
		switch e := s[i+1]; e {
		case '"', '\\', '/':
			b = append(b, e)
		case 'b':
			b = append(b, '\b')
		case 'f':
			b = append(b, '\f')
		case 'n':
			b = append(b, '\n')
		case 'r':
			b = append(b, '\r')
		case 't':
			b = append(b, '\t')
		case 'u':
			r, ok := hex4(s, i+2)
			if !ok {
				return "", false
			}
			i += 6
			if r >= 0xd800 && r <= 0xdfff {
				// Only a high surrogate followed by an escaped low one.
				lo, ok := rune(0), false
				if r < 0xdc00 && i+6 <= len(s) && s[i] == '\\' && s[i+1] == 'u' {
					lo, ok = hex4(s, i+2)
				}
				if !ok || lo < 0xdc00 || lo > 0xdfff {
					return "", false
				}
				r = 0x10000 + (r-0xd800)<<10 + (lo - 0xdc00)
				i += 6
			}
			b = utf8.AppendRune(b, r)
			continue
		default:
			return "", false
		}
		i += 2
	}
	return unsafe.String(unsafe.SliceData(b), len(b)), true
}

// hex4 reads the four hex digits at s[i:].
func hex4(s string, i int) (rune, bool) {
	if i+4 > len(s) {
		return 0, false
	}
	var r rune
	for _, h := range []byte(s[i : i+4]) {
		switch {
		case h >= '0' && h <= '9':
			h -= '0'
		case h >= 'a' && h <= 'f':
			h -= 'a' - 10
		case h >= 'A' && h <= 'F':
			h -= 'A' - 10
		default:
			return 0, false
		}
		r = r<<4 | rune(h)
	}
	return r, true
}

// The readers below decode one value into a Go field the way the general
// decoders (encoding/json, goccy/go-json) do, for the values where that is
// beyond doubt; for anything else they return false (the caller then
// leaves the whole document to the general decoder). null leaves the field
// as it was, as it does in both. The field is written only on success.

// ReadInt64 reads an integer literal that fits int64 (not a float, an
// exponent or a numeric string). The common value is parsed where it
// lies, in one pass over its digits.
func (sc *Scanner) ReadInt64(dst *int64) bool {
	n, ok := sc.readInt()
	if ok && n.set {
		*dst = n.v
	}
	return ok
}

// ReadInt32 is ReadInt64 for an int32 field (an out-of-range value is the
// general decoder's error to word).
func (sc *Scanner) ReadInt32(dst *int32) bool {
	n, ok := sc.readInt()
	if !ok || n.v < -1<<31 || n.v > 1<<31-1 {
		return false
	}
	if n.set {
		*dst = int32(n.v)
	}
	return true
}

type intValue struct {
	v   int64
	set bool // false: null
}

// readInt reads an integer literal or null at the cursor.
func (sc *Scanner) readInt() (intValue, bool) {
	if sc.failed {
		return intValue{}, false
	}
	sc.ws()
	s, i := sc.s, sc.i
	neg := i < len(s) && s[i] == '-'
	if neg {
		i++
	}
	start := i
	var n uint64
	for i < len(s) {
		c := s[i] - '0'
		if c > 9 {
			break
		}
		n = n*10 + uint64(c)
		i++
	}
	switch d := i - start; {
	case d == 0:
		if !neg && i < len(s) && s[i] == 'n' {
			sc.lit("null")
			return intValue{}, !sc.failed
		}
		return intValue{}, false
	case d > 1 && s[start] == '0':
		return intValue{}, false // not JSON
	case d > 18:
		// Long (may overflow): the careful way.
		k, raw, _ := sc.Value()
		if k != Number {
			return intValue{}, false
		}
		v, ok := Int(raw)
		return intValue{v, true}, ok
	}
	if i < len(s) && (s[i] == '.' || s[i] == 'e' || s[i] == 'E') {
		return intValue{}, false // a float: the general decoder's error
	}
	sc.i = i
	v := int64(n) // at most 18 digits: no overflow
	if neg {
		v = -v
	}
	return intValue{v, true}, true
}

// ReadBool reads true or false.
func (sc *Scanner) ReadBool(dst *bool) bool {
	switch k, _, _ := sc.Value(); k {
	case True:
		*dst = true
	case False:
		*dst = false
	case Null:
	default:
		return false
	}
	return true
}

// ReadString reads a string: a sub-string of the input when it has no
// escapes (as a no-copy decoder gives), else its unescaped copy.
func (sc *Scanner) ReadString(dst *string) bool {
	sc.ws()
	if sc.failed || sc.i >= len(sc.s) {
		return false
	}
	if sc.s[sc.i] != '"' {
		if sc.s[sc.i] == 'n' {
			sc.lit("null")
			return !sc.failed
		}
		return false
	}
	start, end, esc := sc.str()
	if sc.failed {
		return false
	}
	if !esc {
		*dst = sc.s[start+1 : end-1]
		return true
	}
	v, ok := Unquote(sc.s[start:end])
	if ok {
		*dst = v
	}
	return ok
}

// plainKeyByte marks the bytes of a PlainKey.
var plainKeyByte = func() (t [256]bool) {
	for c := 'a'; c <= 'z'; c++ {
		t[c] = true
	}
	for c := '0'; c <= '9'; c++ {
		t[c] = true
	}
	t['_'], t['-'] = true, true
	return t
}()

// PlainKeyName is Key for a decoder that takes only PlainKey names and
// leaves every document with another to the general decoder: it reads an
// object member's name and the ':' after it in one short loop (names are
// short, and every byte of a plain one is ASCII without escapes). ok false:
// the name is not a PlainKey (or not JSON), and the scan is failed.
func (sc *Scanner) PlainKeyName() (key string, ok bool) {
	sc.ws()
	s, i := sc.s, sc.i
	if sc.failed || i >= len(s) || s[i] != '"' {
		sc.failed = true
		return "", false
	}
	j := i + 1
	for j < len(s) && plainKeyByte[s[j]] {
		j++
	}
	if j >= len(s) || s[j] != '"' {
		sc.failed = true
		return "", false
	}
	key = s[i+1 : j]
	sc.i = j + 1
	sc.ws()
	if sc.i >= len(s) || s[sc.i] != ':' {
		sc.failed = true
		return "", false
	}
	sc.i++
	return key, true
}

// SkipMember skips the value of a member no field takes; false when the
// value does not scan. Its name came from PlainKeyName, which takes only
// PlainKey names, so no case-folding decoder could map it onto a field
// either: skipping it is what the general decoder does.
func (s *Scanner) SkipMember() bool {
	s.Skip()
	return !s.Failed()
}
