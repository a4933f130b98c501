// Package jsonenc writes JSON strings byte for byte as encoding/json's
// json.Marshal does (\" \\ \b \f \n \r \t, other control bytes and the
// HTML-sensitive <, >, & as \u00XX, U+2028/U+2029 escaped, invalid UTF-8 as
// \ufffd), eight bytes at a time. Both protocols' typed event encoders
// (onebot11 and milky) use it, so the two wire packages share one escaper
// without depending on each other.
package jsonenc

import (
	"encoding/binary"
	"math/bits"
	"unicode/utf8"
	"unsafe"
)

// jsonSafe marks the ASCII bytes a JSON string carries as they are.
var jsonSafe = func() (t [256]bool) {
	for c := 0x20; c < utf8.RuneSelf; c++ {
		t[c] = c != '"' && c != '\\' && c != '<' && c != '>' && c != '&'
	}
	return t
}()

const hexDigits = "0123456789abcdef"

// AppendString appends s as a JSON string exactly as json.Marshal
// writes it: HTML characters and U+2028/U+2029 as \u escapes, invalid UTF-8
// as \ufffd.
func AppendString(b []byte, s string) []byte {
	b = append(b, '"')
	last := 0
	for i := 0; i < len(s); {
		// Eight bytes at a time: plain ASCII words are skipped whole, and
		// in any other word the scan jumps straight to its first byte
		// that needs a look (text with many '&' or non-ASCII would else
		// test the word again at every byte).
		if i+8 <= len(s) {
			bad := wordUnsafe(s[i:])
			if bad == 0 {
				i += 8
				continue
			}
			i += bits.TrailingZeros64(bad) >> 3 // a byte not in jsonSafe
		} else if jsonSafe[s[i]] {
			i++
			continue
		}
		c := s[i]
		if c < utf8.RuneSelf {
			b = append(b, s[last:i]...)
			// CQ escapes (&amp; &#91; &#93;, which raw_message is full of
			// for text with brackets) go out whole.
			if c == '&' && i+5 <= len(s) && jsonSafe[s[i+1]] && jsonSafe[s[i+2]] && jsonSafe[s[i+3]] && jsonSafe[s[i+4]] {
				b = append(b, `\u0026`...)
				b = append(b, s[i+1:i+5]...)
				i += 5
				last = i
				continue
			}
			switch c {
			case '"', '\\':
				b = append(b, '\\', c)
			case '\b':
				b = append(b, '\\', 'b')
			case '\f':
				b = append(b, '\\', 'f')
			case '\n':
				b = append(b, '\\', 'n')
			case '\r':
				b = append(b, '\\', 'r')
			case '\t':
				b = append(b, '\\', 't')
			default:
				b = append(b, '\\', 'u', '0', '0', hexDigits[c>>4], hexDigits[c&0xf])
			}
			i++
			last = i
			continue
		}
		r, size := utf8.DecodeRuneInString(s[i:])
		if r == utf8.RuneError && size == 1 {
			b = append(b, s[last:i]...)
			b = append(b, `\ufffd`...)
			i++
			last = i
			continue
		}
		if r == '\u2028' || r == '\u2029' {
			b = append(b, s[last:i]...)
			b = append(b, '\\', 'u', '2', '0', '2', hexDigits[r&0xf])
			i += size
			last = i
			continue
		}
		i += size
	}
	b = append(b, s[last:]...)
	return append(b, '"')
}

// Ones has 1 in every byte: Ones*c repeats byte c in a word.
const Ones = 0x0101010101010101

const (
	lsb = Ones
	msb = 0x8080808080808080
)

// Load8 reads the first 8 bytes of w (it has at least 8) as one word.
func Load8(w string) uint64 {
	return binary.LittleEndian.Uint64(unsafe.Slice(unsafe.StringData(w), 8))
}

// wordUnsafe flags (bit 7 of the byte) the bytes among the first 8 of w
// that are not in jsonSafe; 0 when all are. The lowest flag is exact (each
// test has no false negatives, and the borrow of hasZero can only raise
// false flags above a true one), which is all AppendString uses.
func wordUnsafe(w string) uint64 {
	v := Load8(w)
	// Bit 7 of a byte of (v&0x7f..)+0x60.. is set iff its low 7 bits are
	// at least 0x20: the control bytes are the ones left clear.
	bad := (v | ^((v &^ msb) + lsb*0x60)) & msb // non-ASCII or control
	// Pairs that differ in one bit share a test: " & (0x22 0x26), < > (0x3c
	// 0x3e); then \.
	bad |= HasZero((v ^ (lsb * '"')) &^ (lsb * 0x04))
	bad |= HasZero((v ^ (lsb * '<')) &^ (lsb * 0x02))
	bad |= HasZero(v ^ (lsb * '\\'))
	return bad
}

// HasZero flags (bit 7) the zero bytes of v; the lowest flag is exact,
// flags above it may be false (a borrow), never missing.
func HasZero(v uint64) uint64 { return (v - lsb) &^ v & msb }
