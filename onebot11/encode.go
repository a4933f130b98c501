package onebot11

import (
	"encoding/binary"
	"math/bits"
	"strconv"
	"unicode/utf8"
	"unsafe"

	"github.com/goccy/go-json"
)

// Typed encoding of the message events the gateway builds itself, for the
// per-event hot path: the JSON is appended straight into one buffer, with no
// map per segment and no reflection. The bytes are exactly those json.Marshal
// gives for the same event with Message as []Segment (data keys sorted,
// HTML-escaped, invalid UTF-8 replaced); encode_test.go holds that proof.

// Param is one key=value of a segment the gateway builds.
type Param struct{ Key, Value string }

// BuiltSegment is a segment the gateway builds from an upstream message:
// its data are strings (as go-cqhttp sends them) and its keys are unique.
type BuiltSegment struct {
	Type   string
	Params []Param
}

// Message is a message the gateway built, in array form. It encodes like
// the []Segment that Segments returns, and FormatCQ of that is AppendCQ.
type Message []BuiltSegment

// Segments returns the message as map-based segments (for code that edits
// or inspects them).
func (m Message) Segments() []Segment {
	out := make([]Segment, 0, len(m))
	for _, s := range m {
		data := make(map[string]any, len(s.Params))
		for _, p := range s.Params {
			data[p.Key] = p.Value
		}
		out = append(out, Segment{Type: s.Type, Data: data})
	}
	return out
}

// MarshalJSON implements json.Marshaler (a nil Message is []: a message
// event always carries an array).
func (m Message) MarshalJSON() ([]byte, error) { return m.AppendJSON(nil), nil }

// AppendJSON appends the array form: [{"type":..,"data":{..}},..] with the
// data keys in sorted order, as json.Marshal writes a map.
func (m Message) AppendJSON(b []byte) []byte {
	b = append(b, '[')
	for i, s := range m {
		if i > 0 {
			b = append(b, ',')
		}
		b = append(b, `{"type":`...)
		b = AppendJSONString(b, s.Type)
		b = append(b, `,"data":{`...)
		// Selection in key order: segments have a handful of params, and
		// this needs no scratch space.
		prev, first := "", true
		for range s.Params {
			k := -1
			for j := range s.Params {
				key := s.Params[j].Key
				if (first || key > prev) && (k < 0 || key < s.Params[k].Key) {
					k = j
				}
			}
			if k < 0 {
				break
			}
			if !first {
				b = append(b, ',')
			}
			first, prev = false, s.Params[k].Key
			b = AppendJSONString(b, prev)
			b = append(b, ':')
			b = AppendJSONString(b, s.Params[k].Value)
		}
		b = append(b, "}}"...)
	}
	return append(b, ']')
}

// AppendCQ appends the CQ string form, the same text FormatCQ gives for
// m.Segments(): text escaped, keys in keyOrder then sorted.
func (m Message) AppendCQ(b []byte) []byte {
	for _, s := range m {
		if s.Type == "text" {
			v, _ := s.param("text")
			b = appendCQEscaped(b, v, false)
			continue
		}
		b = append(b, "[CQ:"...)
		b = append(b, s.Type...)
		pref := keyOrder[s.Type]
		for _, k := range pref {
			if v, ok := s.param(k); ok {
				b = appendCQParam(b, k, v)
			}
		}
		prev, first := "", true
		for range s.Params {
			k := -1
			for j := range s.Params {
				key := s.Params[j].Key
				if contains(pref, key) {
					continue
				}
				if (first || key > prev) && (k < 0 || key < s.Params[k].Key) {
					k = j
				}
			}
			if k < 0 {
				break
			}
			first, prev = false, s.Params[k].Key
			b = appendCQParam(b, prev, s.Params[k].Value)
		}
		b = append(b, ']')
	}
	return b
}

func (s *BuiltSegment) param(key string) (string, bool) {
	for _, p := range s.Params {
		if p.Key == key {
			return p.Value, true
		}
	}
	return "", false
}

func appendCQParam(b []byte, k, v string) []byte {
	b = append(b, ',')
	b = append(b, k...)
	b = append(b, '=')
	return appendCQEscaped(b, v, true)
}

// appendCQEscaped is EscapeText (value false) or EscapeValue appended.
func appendCQEscaped(b []byte, s string, value bool) []byte {
	last := 0
	// ',' is escaped in values only: in text it is never a stop.
	comma := uint64(lsb * ',')
	if !value {
		comma = lsb * '&'
	}
	for i := 0; i < len(s); {
		// Words without '&', '[', ']' (or ',' in a value) are skipped
		// whole; otherwise the scan jumps to the first such byte (the
		// lowest flag is exact, as in wordUnsafe).
		if i+8 <= len(s) {
			v := load8(s[i:])
			bad := hasZero(v^(lsb*'&')) | hasZero(v^(lsb*'[')) |
				hasZero(v^(lsb*']')) | hasZero(v^comma)
			if bad == 0 {
				i += 8
				continue
			}
			i += bits.TrailingZeros64(bad) >> 3
		}
		c := s[i]
		if !cqSpecial[c] {
			i++
			continue
		}
		var rep string
		switch c {
		case '&':
			rep = "&amp;"
		case '[':
			rep = "&#91;"
		case ']':
			rep = "&#93;"
		default: // ','
			if !value {
				i++
				continue
			}
			rep = "&#44;"
		}
		b = append(b, s[last:i]...)
		b = append(b, rep...)
		i++
		last = i
	}
	return append(b, s[last:]...)
}

// cqSpecial marks the bytes CQ escaping may replace; jsonSafe the ASCII
// bytes a JSON string carries as they are.
var cqSpecial, jsonSafe [256]bool

func init() {
	for _, c := range "&[]," {
		cqSpecial[c] = true
	}
	for c := 0x20; c < utf8.RuneSelf; c++ {
		jsonSafe[c] = c != '"' && c != '\\' && c != '<' && c != '>' && c != '&'
	}
}

const hexDigits = "0123456789abcdef"

// AppendJSONString appends s as a JSON string exactly as json.Marshal
// writes it: HTML characters and U+2028/U+2029 as \u escapes, invalid UTF-8
// as \ufffd.
func AppendJSONString(b []byte, s string) []byte {
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

const (
	lsb = 0x0101010101010101
	msb = 0x8080808080808080
)

// load8 reads the first 8 bytes of w (it has at least 8) as one word.
func load8(w string) uint64 {
	return binary.LittleEndian.Uint64(unsafe.Slice(unsafe.StringData(w), 8))
}

// wordUnsafe flags (bit 7 of the byte) the bytes among the first 8 of w
// that are not in jsonSafe; 0 when all are. The lowest flag is exact (each
// test has no false negatives, and the borrow of hasZero can only raise
// false flags above a true one), which is all AppendJSONString uses.
func wordUnsafe(w string) uint64 {
	v := load8(w)
	// Bit 7 of a byte of (v&0x7f..)+0x60.. is set iff its low 7 bits are
	// at least 0x20: the control bytes are the ones left clear.
	bad := (v | ^((v &^ msb) + lsb*0x60)) & msb // non-ASCII or control
	// Pairs that differ in one bit share a test: " & (0x22 0x26), < > (0x3c
	// 0x3e); then \.
	bad |= hasZero((v ^ (lsb * '"')) &^ (lsb * 0x04))
	bad |= hasZero((v ^ (lsb * '<')) &^ (lsb * 0x02))
	bad |= hasZero(v ^ (lsb * '\\'))
	return bad
}

func hasZero(v uint64) uint64 { return (v - lsb) &^ v & msb }

// The field helpers take the key with its punctuation, `,"key":`, so that
// it is one copy of a constant.

func appendIntField(b []byte, key string, v int64) []byte {
	return strconv.AppendInt(append(b, key...), v, 10)
}

func appendStringField(b []byte, key, v string) []byte {
	return AppendJSONString(append(b, key...), v)
}

// AppendJSON appends the event's JSON, byte for byte what json.Marshal
// gives, without reflection when Message is a (*)Message or a (*)string (any
// other value goes through json.Marshal).
func (e *MessageEvent) AppendJSON(b []byte) ([]byte, error) {
	b = append(b, `{"time":`...)
	b = strconv.AppendInt(b, e.Time, 10)
	b = appendIntField(b, `,"self_id":`, e.SelfID)
	b = appendStringField(b, `,"post_type":`, e.PostType)
	b = appendStringField(b, `,"message_type":`, e.MessageType)
	b = appendStringField(b, `,"sub_type":`, e.SubType)
	b = appendIntField(b, `,"message_id":`, int64(e.MessageID))
	b = appendIntField(b, `,"message_seq":`, e.MessageSeq)
	b = appendIntField(b, `,"real_id":`, e.RealID)
	b = appendIntField(b, `,"user_id":`, e.UserID)
	if e.GroupID != 0 {
		b = appendIntField(b, `,"group_id":`, e.GroupID)
	}
	if e.TargetID != 0 {
		b = appendIntField(b, `,"target_id":`, e.TargetID)
	}
	b = append(b, `,"message":`...)
	// In string form the message is raw_message: its encoding is copied
	// rather than escaped a second time.
	msgAt, msg := -1, ""
	switch m := e.Message.(type) {
	case *Message:
		b = m.AppendJSON(b)
	case Message:
		b = m.AppendJSON(b)
	case string:
		msgAt, msg = len(b), m
		b = AppendJSONString(b, m)
	case *string:
		msgAt, msg = len(b), *m
		b = AppendJSONString(b, *m)
	default:
		v, err := json.Marshal(m)
		if err != nil {
			return b, err
		}
		b = append(b, v...)
	}
	msgEnd := len(b)
	b = appendStringField(b, `,"message_format":`, e.MessageFormat)
	if msgAt >= 0 && msg == e.RawMessage {
		b = append(append(b, `,"raw_message":`...), b[msgAt:msgEnd]...)
	} else {
		b = appendStringField(b, `,"raw_message":`, e.RawMessage)
	}
	b = appendIntField(b, `,"font":`, int64(e.Font))
	b = e.Sender.appendJSON(append(b, `,"sender":`...))
	if e.TempSource != nil {
		b = appendIntField(b, `,"temp_source":`, int64(*e.TempSource))
	}
	return append(b, '}'), nil
}

func (s *Sender) appendJSON(b []byte) []byte {
	b = append(b, `{"user_id":`...)
	b = strconv.AppendInt(b, s.UserID, 10)
	b = appendStringField(b, `,"nickname":`, s.Nickname)
	if s.Card != "" {
		b = appendStringField(b, `,"card":`, s.Card)
	}
	if s.Sex != "" {
		b = appendStringField(b, `,"sex":`, s.Sex)
	}
	b = appendIntField(b, `,"age":`, int64(s.Age))
	if s.Level != "" {
		b = appendStringField(b, `,"level":`, s.Level)
	}
	if s.Role != "" {
		b = appendStringField(b, `,"role":`, s.Role)
	}
	if s.Title != "" {
		b = appendStringField(b, `,"title":`, s.Title)
	}
	if s.GroupID != 0 {
		b = appendIntField(b, `,"group_id":`, s.GroupID)
	}
	return append(b, '}')
}

// AppendEvent appends ev's JSON: the typed encoder for message events,
// json.Marshal for the rest (rarer, and without per-segment maps).
func AppendEvent(b []byte, ev Event) ([]byte, error) {
	if m, ok := ev.(*MessageEvent); ok {
		return m.AppendJSON(b)
	}
	v, err := json.Marshal(ev)
	if err != nil {
		return b, err
	}
	return append(b, v...), nil
}
