package golden

import (
	"bytes"
	"encoding/json" // the standard decoder: its Token stream keeps key order, which go-json's does not promise
	"errors"
	"io"
	"sort"
	"strings"
)

// Width is the line length up to which a JSON object or array is written on
// one line; longer ones are spread one member per line, two-space indent.
const Width = 100

// node is a decoded JSON value that keeps object key order and number text.
type node struct {
	kind byte // '{', '[', 's' string, 'n' number, 'b' bool, '0' null
	text string
	keys []string
	vals []*node
}

// parseJSON decodes exactly one JSON value from s; ok is false for
// anything else (text bodies, $NAMES placeholders, trailing garbage).
func parseJSON(s string) (*node, bool) {
	dec := json.NewDecoder(strings.NewReader(s))
	dec.UseNumber()
	n, err := decodeNode(dec, 0)
	if err != nil {
		return nil, false
	}
	if _, err := dec.Token(); err != io.EOF {
		return nil, false
	}
	return n, true
}

var errDepth = errors.New("golden: JSON nested too deep")

func decodeNode(dec *json.Decoder, depth int) (*node, error) {
	if depth > 200 {
		return nil, errDepth
	}
	tok, err := dec.Token()
	if err != nil {
		return nil, err
	}
	switch v := tok.(type) {
	case json.Delim:
		n := &node{kind: byte(v)}
		if v != '{' && v != '[' {
			return nil, errors.New("golden: unexpected delimiter")
		}
		for dec.More() {
			if v == '{' {
				k, err := dec.Token()
				if err != nil {
					return nil, err
				}
				ks, ok := k.(string)
				if !ok {
					return nil, errors.New("golden: object key is not a string")
				}
				n.keys = append(n.keys, ks)
			}
			c, err := decodeNode(dec, depth+1)
			if err != nil {
				return nil, err
			}
			n.vals = append(n.vals, c)
		}
		if _, err := dec.Token(); err != nil { // closing delimiter
			return nil, err
		}
		return n, nil
	case string:
		return &node{kind: 's', text: v}, nil
	case json.Number:
		return &node{kind: 'n', text: string(v)}, nil
	case bool:
		if v {
			return &node{kind: 'b', text: "true"}, nil
		}
		return &node{kind: 'b', text: "false"}, nil
	case nil:
		return &node{kind: '0', text: "null"}, nil
	}
	return nil, errors.New("golden: unexpected token")
}

// quote writes a JSON string without HTML escaping: & < > stay readable.
func quote(b *bytes.Buffer, s string) {
	var tmp bytes.Buffer
	enc := json.NewEncoder(&tmp)
	enc.SetEscapeHTML(false)
	_ = enc.Encode(s) // a string always encodes
	b.Write(bytes.TrimRight(tmp.Bytes(), "\n"))
}

// compact writes n on one line; sorted orders object keys (for comparing).
func (n *node) compact(b *bytes.Buffer, sorted bool) {
	switch n.kind {
	case 's':
		quote(b, n.text)
	case '{', '[':
		b.WriteByte(n.kind)
		for j, i := range n.order(sorted) {
			if j > 0 {
				b.WriteByte(',')
			}
			if n.kind == '{' {
				quote(b, n.keys[i])
				b.WriteByte(':')
			}
			n.vals[i].compact(b, sorted)
		}
		b.WriteByte(closer(n.kind))
	default:
		b.WriteString(n.text)
	}
}

func (n *node) order(sorted bool) []int {
	idx := make([]int, len(n.vals))
	for i := range idx {
		idx[i] = i
	}
	if sorted && n.kind == '{' {
		sort.SliceStable(idx, func(a, b int) bool { return n.keys[idx[a]] < n.keys[idx[b]] })
	}
	return idx
}

func closer(k byte) byte {
	if k == '{' {
		return '}'
	}
	return ']'
}

// pretty writes n at column col: on one line if it fits in width, else one
// member per line.
func (n *node) pretty(b *bytes.Buffer, indent string, col, width int, sorted bool) {
	var one bytes.Buffer
	n.compact(&one, sorted)
	if (n.kind != '{' && n.kind != '[') || len(n.vals) == 0 || col+one.Len() <= width {
		b.Write(one.Bytes())
		return
	}
	inner := indent + "  "
	b.WriteByte(n.kind)
	for j, i := range n.order(sorted) {
		if j > 0 {
			b.WriteByte(',')
		}
		b.WriteString("\n" + inner)
		start := b.Len()
		if n.kind == '{' {
			quote(b, n.keys[i])
			b.WriteString(": ")
		}
		n.vals[i].pretty(b, inner, len(inner)+b.Len()-start, width, sorted)
	}
	b.WriteString("\n" + indent)
	b.WriteByte(closer(n.kind))
}

// render lays n out for writing (key order kept, Width columns) or, when
// sorted, for comparing: keys sorted and every non-empty object and array
// spread one member per line, so a changed value is one changed diff line.
func (n *node) render(sorted bool) string {
	var b bytes.Buffer
	width := Width
	if sorted {
		width = 0
	}
	n.pretty(&b, "", 0, width, sorted)
	return b.String()
}

// canonicalBody is the written form of a body: JSON in canonical layout
// (key order kept), anything else trimmed as is.
func canonicalBody(body string) string {
	body = strings.TrimSpace(body)
	if n, ok := parseJSON(body); ok {
		return n.render(false)
	}
	return body
}

// JSON renders v (a Go value, or []byte / json.RawMessage holding JSON) as a
// canonical body: object keys in their order, & < > unescaped, one line up
// to Width columns. A value that cannot be encoded renders as an
// "!unencodable" text body, which fails the comparison visibly.
func JSON(v any) string {
	var raw []byte
	switch x := v.(type) {
	case json.RawMessage:
		raw = x
	case []byte:
		raw = x
	default:
		var err error
		if raw, err = json.Marshal(v); err != nil {
			return "!unencodable: " + err.Error()
		}
	}
	n, ok := parseJSON(string(raw))
	if !ok {
		return "!unencodable: not JSON: " + clip(string(raw), 200)
	}
	return n.render(false)
}

// Decode unmarshals the section body into v, with an error that names the
// section's first line rather than echoing the whole body.
func (s *Section) Decode(v any) error {
	if err := json.Unmarshal([]byte(s.Body), v); err != nil {
		return errors.New("golden: body " + clip(s.Body, 80) + ": " + err.Error())
	}
	return nil
}

// comparable is the form two bodies are compared in: JSON with sorted keys
// and literal numbers, or trimmed text.
func comparable(body string) (string, bool) {
	if n, ok := parseJSON(body); ok {
		return n.render(true), true
	}
	return strings.TrimSpace(body), false
}
