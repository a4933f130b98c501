package onebot11

import (
	"math/bits"
	"strconv"

	"github.com/goccy/go-json"
	"github.com/qqbridge/gateway/internal/jsonenc"
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
	comma := uint64(jsonenc.Ones * ',')
	if !value {
		comma = jsonenc.Ones * '&'
	}
	for i := 0; i < len(s); {
		// Words without '&', '[', ']' (or ',' in a value) are skipped
		// whole; otherwise the scan jumps to the first such byte (the
		// lowest flag is exact, as in jsonenc.HasZero).
		if i+8 <= len(s) {
			v := jsonenc.Load8(s[i:])
			bad := jsonenc.HasZero(v^(jsonenc.Ones*'&')) | jsonenc.HasZero(v^(jsonenc.Ones*'[')) |
				jsonenc.HasZero(v^(jsonenc.Ones*']')) | jsonenc.HasZero(v^comma)
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

// cqSpecial marks the bytes CQ escaping may replace.
var cqSpecial [256]bool

func init() {
	for _, c := range "&[]," {
		cqSpecial[c] = true
	}
}

// AppendJSONString appends s as a JSON string exactly as json.Marshal
// writes it (jsonenc.AppendString, the escaper both protocols share).
func AppendJSONString(b []byte, s string) []byte { return jsonenc.AppendString(b, s) }

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
