package server

import (
	"bytes"
	"encoding/binary"
	"testing"
)

// readFrame parses one final text frame of b (RFC 6455 5.2), unmasking it,
// and returns its payload and the rest of b.
func readTextFrame(t *testing.T, b []byte) (payload, rest []byte) {
	t.Helper()
	if len(b) < 2 || b[0] != 0x81 {
		t.Fatalf("not a final text frame: % x", b[:min(len(b), 4)])
	}
	masked := b[1]&0x80 != 0
	n, b := int(b[1]&0x7f), b[2:]
	switch n {
	case 126:
		n, b = int(binary.BigEndian.Uint16(b)), b[2:]
	case 127:
		n, b = int(binary.BigEndian.Uint64(b)), b[8:]
	}
	var key []byte
	if masked {
		key, b = b[:4], b[4:]
	}
	p := bytes.Clone(b[:n])
	for i := range p {
		if masked {
			p[i] ^= key[i%4]
		}
	}
	return p, b[n:]
}

func TestAppendTextFrame(t *testing.T) {
	for _, key := range [][]byte{nil, {0x12, 0x34, 0x56, 0x78}} {
		var b []byte
		var want [][]byte
		for _, n := range []int{0, 1, 7, 9, 125, 126, 127, 0xffff, 0x10000, 70001} {
			p := bytes.Repeat([]byte("abcdefghijk"), n/11+1)[:n]
			want = append(want, p)
			b = appendTextFrame(b, p, key)
		}
		for i, w := range want {
			var got []byte
			got, b = readTextFrame(t, b)
			if !bytes.Equal(got, w) {
				t.Fatalf("masked %v, frame %d (%d bytes): payload differs", key != nil, i, len(w))
			}
		}
		if len(b) != 0 {
			t.Fatalf("%d bytes left over", len(b))
		}
	}
}
