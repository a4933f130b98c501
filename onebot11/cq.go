package onebot11

import (
	"bytes"
	"sort"
	"strconv"
	"strings"

	"github.com/goccy/go-json"
)

// CQ codes: the string form of a OneBot 11 message.
//
//	text[CQ:type,key=value,key=value]text
//
// In text, & [ ] are escaped as &amp; &#91; &#93;; inside values the comma is
// escaped as &#44; too. Parsing is strict about structure (an unterminated
// code is an error naming its offset) so that a bot's typo is reported rather
// than sent as garbage.

var (
	textEscaper    = strings.NewReplacer("&", "&amp;", "[", "&#91;", "]", "&#93;")
	valueEscaper   = strings.NewReplacer("&", "&amp;", "[", "&#91;", "]", "&#93;", ",", "&#44;")
	unescaper      = strings.NewReplacer("&#44;", ",", "&#91;", "[", "&#93;", "]", "&amp;", "&")
	cqTypeNameChar = func(c byte) bool {
		return c == '_' || c == '.' || c == '-' || (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9')
	}
)

// EscapeText escapes plain text for a CQ string.
func EscapeText(s string) string {
	if !strings.ContainsAny(s, "&[]") {
		return s
	}
	return textEscaper.Replace(s)
}

// EscapeValue escapes a CQ parameter value.
func EscapeValue(s string) string {
	if !strings.ContainsAny(s, "&[],") {
		return s
	}
	return valueEscaper.Replace(s)
}

// Unescape reverses both escapings.
func Unescape(s string) string {
	if !strings.Contains(s, "&") {
		return s
	}
	return unescaper.Replace(s)
}

// ParseCQ parses a CQ string into segments. Adjacent text is merged into one
// text segment; empty text is dropped.
func ParseCQ(s string) ([]Segment, error) {
	// At most one text before each code and one after the last: sized once.
	out := make([]Segment, 0, 2*strings.Count(s, "[CQ:")+1)
	i := 0
	for i < len(s) {
		j := strings.Index(s[i:], "[CQ:")
		if j < 0 {
			out = appendText(out, Unescape(s[i:]))
			break
		}
		if j > 0 {
			out = appendText(out, Unescape(s[i:i+j]))
		}
		start := i + j
		end := strings.IndexByte(s[start:], ']')
		if end < 0 {
			return nil, Errorf(RetcodeBadRequest, "message: unterminated CQ code at offset %d", start)
		}
		seg, err := parseCode(s[start+4:start+end], start)
		if err != nil {
			return nil, err
		}
		out = append(out, seg)
		i = start + end + 1
	}
	if len(out) == 0 {
		return nil, nil // as before presizing: no segments is nil
	}
	return out, nil
}

func appendText(out []Segment, text string) []Segment {
	if text == "" {
		return out
	}
	if n := len(out); n > 0 && out[n-1].Type == "text" {
		prev, _ := out[n-1].Data["text"].(string)
		out[n-1].Data["text"] = prev + text
		return out
	}
	return append(out, Segment{Type: "text", Data: map[string]any{"text": text}})
}

// parseCode parses the inside of one code: type,key=value,...
func parseCode(body string, offset int) (Segment, error) {
	typ, params, _ := strings.Cut(body, ",")
	if typ == "" {
		return Segment{}, Errorf(RetcodeBadRequest, "message: empty CQ code type at offset %d", offset)
	}
	for k := 0; k < len(typ); k++ {
		if !cqTypeNameChar(typ[k]) {
			return Segment{}, Errorf(RetcodeBadRequest, "message: invalid CQ code type %q at offset %d", truncate(typ, 20), offset)
		}
	}
	data := make(map[string]any, strings.Count(params, ",")+1)
	for len(params) > 0 {
		var kv string
		kv, params, _ = strings.Cut(params, ",")
		if kv == "" {
			continue // tolerate a trailing comma, as go-cqhttp does
		}
		eq := strings.IndexByte(kv, '=')
		if eq <= 0 {
			return Segment{}, Errorf(RetcodeBadRequest, "message: CQ code %s at offset %d: parameter %q has no key=value form", Clip(typ), offset, truncate(kv, 20))
		}
		data[kv[:eq]] = Unescape(kv[eq+1:])
	}
	return Segment{Type: typ, Data: data}, nil
}

// keyOrder gives the canonical parameter order of a code when formatting, so
// that raw_message is deterministic and reads like go-cqhttp's; other keys
// follow in alphabetical order.
var keyOrder = map[string][]string{
	"image":  {"file", "subType", "sub_type", "type", "url", "summary", "file_size"},
	"record": {"file", "url", "file_size"},
	"video":  {"file", "url", "file_size"},
	"file":   {"file", "file_id", "name", "file_size", "url"},
	"at":     {"qq", "name"},
	"reply":  {"id"},
	"face":   {"id", "large"},
	"mface":  {"emoji_package_id", "emoji_id", "key", "summary", "url"},
}

// FormatCQ renders segments as a CQ string.
func FormatCQ(segs []Segment) string {
	var b strings.Builder
	for _, s := range segs {
		if s.Type == "text" {
			b.WriteString(EscapeText(valueString(s.Data["text"])))
			continue
		}
		b.WriteString("[CQ:")
		b.WriteString(s.Type)
		for _, k := range orderedKeys(s.Type, s.Data) {
			b.WriteByte(',')
			b.WriteString(k)
			b.WriteByte('=')
			b.WriteString(EscapeValue(valueString(s.Data[k])))
		}
		b.WriteByte(']')
	}
	return b.String()
}

func orderedKeys(typ string, data map[string]any) []string {
	keys := make([]string, 0, len(data))
	pref := keyOrder[typ]
	for _, k := range pref {
		if _, ok := data[k]; ok {
			keys = append(keys, k)
		}
	}
	if len(keys) == len(data) {
		return keys
	}
	rest := make([]string, 0, len(data)-len(keys))
	for k := range data {
		if !contains(pref, k) {
			rest = append(rest, k)
		}
	}
	sort.Strings(rest)
	return append(keys, rest...)
}

func contains(list []string, s string) bool {
	for _, x := range list {
		if x == s {
			return true
		}
	}
	return false
}

// valueString renders a data value the way it appears in a CQ code.
func valueString(v any) string {
	switch t := v.(type) {
	case nil:
		return ""
	case string:
		return t
	case bool:
		return strconv.FormatBool(t)
	case float64:
		return strconv.FormatFloat(t, 'f', -1, 64)
	case int:
		return strconv.Itoa(t)
	case int32:
		return strconv.FormatInt(int64(t), 10)
	case int64:
		return strconv.FormatInt(t, 10)
	case json.Number:
		return t.String()
	default:
		b, _ := json.Marshal(t)
		return string(b)
	}
}

// ParseMessage decodes the message field of a send call in any of its three
// forms: a CQ string (parsed unless autoEscape, then one text segment), a
// single segment object, or an array of segments. A bare JSON number is
// taken as its text, as go-cqhttp does.
func ParseMessage(raw json.RawMessage, autoEscape bool) ([]Segment, error) {
	raw = bytes.TrimSpace(raw)
	if len(raw) == 0 || bytes.Equal(raw, []byte("null")) {
		return nil, Errorf(RetcodeBadRequest, "missing parameter message")
	}
	switch raw[0] {
	case '"':
		var s string
		if err := json.Unmarshal(raw, &s); err != nil {
			return nil, Errorf(RetcodeBadRequest, "parameter message: invalid string")
		}
		if autoEscape {
			if s == "" {
				return nil, nil
			}
			return []Segment{{Type: "text", Data: map[string]any{"text": s}}}, nil
		}
		return ParseCQ(s)
	case '{':
		var seg Segment
		if err := decodeUseNumber(raw, &seg); err != nil {
			return nil, Errorf(RetcodeBadRequest, "parameter message: invalid segment: %s", Clip(err.Error()))
		}
		if seg.Type == "" {
			return nil, Errorf(RetcodeBadRequest, "parameter message: segment has no type")
		}
		return []Segment{seg}, nil
	case '-', '0', '1', '2', '3', '4', '5', '6', '7', '8', '9':
		// A bare number (a computed value a script sends as is): its text,
		// as go-cqhttp sends it.
		if _, err := strconv.ParseFloat(string(raw), 64); err != nil {
			return nil, Errorf(RetcodeBadRequest, "parameter message: invalid number")
		}
		return []Segment{{Type: "text", Data: map[string]any{"text": string(raw)}}}, nil
	case '[':
		var segs []Segment
		if err := decodeUseNumber(raw, &segs); err != nil {
			return nil, Errorf(RetcodeBadRequest, "parameter message: invalid segment array: %s", Clip(err.Error()))
		}
		for i := range segs {
			if segs[i].Type == "" {
				return nil, Errorf(RetcodeBadRequest, "parameter message[%d]: segment has no type", i)
			}
		}
		return segs, nil
	}
	return nil, Errorf(RetcodeBadRequest, "parameter message: want a string, a segment or an array of segments")
}

// decodeUseNumber keeps numbers as json.Number so that large ids survive.
func decodeUseNumber(raw []byte, v any) error {
	dec := json.NewDecoder(bytes.NewReader(raw))
	dec.UseNumber()
	return dec.Decode(v)
}

// DataString reads a segment data value as a string whatever its JSON type.
func (s Segment) DataString(key string) string {
	return valueString(s.Data[key])
}

// Has reports whether the segment carries a non-empty value for key.
func (s Segment) Has(key string) bool {
	v, ok := s.Data[key]
	return ok && v != nil && valueString(v) != ""
}
