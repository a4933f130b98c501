package milky

import (
	"bytes"
	"fmt"
	"math"
	"strconv"
	"unicode/utf8"

	"github.com/goccy/go-json"
)

// Params reads a Milky API request body with the official schema's rules
// (zod): required fields must be present and non-null, optional ones may be
// absent or null, fields with a default take it when absent or null, uins
// are integers in 10001..4294967295, other integers are non-negative,
// unknown fields are ignored.
//
// It is sticky: every getter returns a usable zero value after a failure,
// so a handler reads all its fields and checks Err once. The first violation
// is kept as a *APIError with retcode -400 naming the field by its path
// (e.g. "message[1].data.user_id"); echoed values are clipped so that the
// message stays under about 100 bytes.
type Params struct {
	path string
	m    map[string]json.RawMessage
	err  *error
}

// Uins are checked against MinUin..MaxUin (outgoing_json.go).

// maxEcho is how much of a bad value an error message repeats; maxPath is
// how much of a field's path it names (longer, so that a field inside a
// forward inside a message, 50-odd bytes, is still named in full).
const (
	maxEcho = 40
	maxPath = 80
)

// ParseParams decodes a request body; an empty body counts as {} (some
// clients send nothing for APIs without input). A body that is not an
// object yields Params whose Err is set (and whose getters return zeros).
func ParseParams(body []byte) *Params {
	var first error
	body = bytes.TrimSpace(body)
	if len(body) == 0 {
		return &Params{m: map[string]json.RawMessage{}, err: &first}
	}
	return subParams("", "request body", body, &first)
}

// subParams decodes raw as an object named name. On failure it records the
// error and returns an empty object so callers can go on.
func subParams(prefix, name string, raw json.RawMessage, errp *error) *Params {
	p := &Params{path: prefix, m: map[string]json.RawMessage{}, err: errp}
	raw = bytes.TrimSpace(raw)
	if len(raw) == 0 || raw[0] != '{' || json.Unmarshal(raw, &p.m) != nil {
		setParamErr(errp, name+": must be a JSON object")
	}
	return p
}

func setParamErr(errp *error, msg string) {
	if *errp == nil {
		*errp = &APIError{Retcode: RetcodeBadParam, Message: msg}
	}
}

// Fail records a caller's own check on a field (e.g. "must not be empty"),
// unless an earlier error is already kept.
func (p *Params) Fail(field, format string, args ...any) {
	setParamErr(p.err, clipPath(p.path+field)+": "+fmt.Sprintf(format, args...))
}

// Err is the first error of the request (a *APIError), nil if none.
func (p *Params) Err() error { return *p.err }

func (p *Params) raw(name string) (json.RawMessage, bool) {
	v, ok := p.m[name]
	if !ok {
		return nil, false
	}
	v = bytes.TrimSpace(v)
	if len(v) == 0 || bytes.Equal(v, []byte("null")) {
		return nil, false
	}
	return v, true
}

// Raw returns field name undecoded (false when absent or null), for values
// another decoder reads (a message's segments).
func (p *Params) Raw(name string) (json.RawMessage, bool) { return p.raw(name) }

// Has reports whether name is present and not null.
func (p *Params) Has(name string) bool {
	_, ok := p.raw(name)
	return ok
}

// parseInt accepts a JSON number that is an integer (1, 1.0, 1e3).
func parseInt(v json.RawMessage) (int64, bool) {
	if len(v) == 0 || v[0] == '"' || v[0] == '{' || v[0] == '[' || v[0] == 't' || v[0] == 'f' {
		return 0, false
	}
	if n, err := strconv.ParseInt(string(v), 10, 64); err == nil {
		return n, true
	}
	f, err := strconv.ParseFloat(string(v), 64)
	if err != nil || f != math.Trunc(f) || f < math.MinInt64 || f >= math.MaxInt64 {
		return 0, false
	}
	return int64(f), true
}

func (p *Params) intField(name string, required bool) (int64, bool) {
	v, ok := p.raw(name)
	if !ok {
		if required {
			p.Fail(name, "required")
		}
		return 0, false
	}
	n, ok := parseInt(v)
	if !ok {
		p.Fail(name, "must be an integer, got %s", clipRaw(v))
		return 0, false
	}
	return n, true
}

// Uin reads a required QQ or group number.
func (p *Params) Uin(name string) int64 {
	n, ok := p.intField(name, true)
	if ok && (n < MinUin || n > MaxUin) {
		p.Fail(name, "%d is not a valid uin (%d..%d)", n, MinUin, MaxUin)
		return 0
	}
	return n
}

// Int64 reads a required non-negative integer.
func (p *Params) Int64(name string) int64 {
	n, ok := p.intField(name, true)
	if ok && n < 0 {
		p.Fail(name, "%d must be non-negative", n)
		return 0
	}
	return n
}

// OptInt64 reads an optional non-negative integer (nil when absent or null).
func (p *Params) OptInt64(name string) *int64 {
	n, ok := p.intField(name, false)
	if !ok {
		return nil
	}
	if n < 0 {
		p.Fail(name, "%d must be non-negative", n)
		return nil
	}
	return &n
}

// Int32 reads a required non-negative int32.
func (p *Params) Int32(name string) int32 {
	n, ok := p.intField(name, true)
	if !ok {
		return 0
	}
	if n < 0 || n > math.MaxInt32 {
		p.Fail(name, "%d must be in 0..%d", n, math.MaxInt32)
		return 0
	}
	return int32(n)
}

// Int32Def reads a non-negative int32 with a default.
func (p *Params) Int32Def(name string, def int32) int32 {
	n, ok := p.intField(name, false)
	if !ok {
		return def
	}
	if n < 0 || n > math.MaxInt32 {
		p.Fail(name, "%d must be in 0..%d", n, math.MaxInt32)
		return def
	}
	return int32(n)
}

// BoolDef reads a boolean with a default.
func (p *Params) BoolDef(name string, def bool) bool {
	v, ok := p.raw(name)
	if !ok {
		return def
	}
	switch string(v) {
	case "true":
		return true
	case "false":
		return false
	}
	p.Fail(name, "must be a boolean, got %s", clipRaw(v))
	return def
}

func (p *Params) strField(name string, required bool) (string, bool) {
	v, ok := p.raw(name)
	if !ok {
		if required {
			p.Fail(name, "required")
		}
		return "", false
	}
	var s string
	if v[0] != '"' || json.Unmarshal(v, &s) != nil {
		p.Fail(name, "must be a string, got %s", clipRaw(v))
		return "", false
	}
	return s, true
}

// String reads a required string (it may be empty, as in the schema).
func (p *Params) String(name string) string {
	s, _ := p.strField(name, true)
	return s
}

// NonEmpty reads a required string the operation cannot do without.
func (p *Params) NonEmpty(name string) string {
	s, ok := p.strField(name, true)
	if ok && s == "" {
		p.Fail(name, "must not be empty")
	}
	return s
}

// OptString reads an optional string (nil when absent or null).
func (p *Params) OptString(name string) *string {
	s, ok := p.strField(name, false)
	if !ok {
		return nil
	}
	return &s
}

// StringDef reads a string with a default.
func (p *Params) StringDef(name, def string) string {
	s, ok := p.strField(name, false)
	if !ok {
		return def
	}
	return s
}

// Enum reads a required string that must be one of values.
func (p *Params) Enum(name string, values ...string) string {
	s, ok := p.strField(name, true)
	if !ok {
		return ""
	}
	return p.checkEnum(name, s, values)
}

// EnumDef reads a string with a default that must be one of values.
func (p *Params) EnumDef(name, def string, values ...string) string {
	s, ok := p.strField(name, false)
	if !ok {
		return def
	}
	return p.checkEnum(name, s, values)
}

func (p *Params) checkEnum(name, s string, values []string) string {
	for _, v := range values {
		if s == v {
			return s
		}
	}
	p.Fail(name, "%q is not one of %v", clipString(s), values)
	return ""
}

// Scene reads a required message_scene.
func (p *Params) Scene(name string) string {
	return p.Enum(name, SceneFriend, SceneGroup, SceneTemp)
}

// Array reads a required JSON array, elements left raw.
func (p *Params) Array(name string) []json.RawMessage {
	v, ok := p.raw(name)
	if !ok {
		p.Fail(name, "required")
		return nil
	}
	return p.decodeArray(name, v)
}

// OptArray reads an optional JSON array (false when absent or null).
func (p *Params) OptArray(name string) ([]json.RawMessage, bool) {
	v, ok := p.raw(name)
	if !ok {
		return nil, false
	}
	return p.decodeArray(name, v), true
}

func (p *Params) decodeArray(name string, v json.RawMessage) []json.RawMessage {
	var a []json.RawMessage
	if v[0] != '[' || json.Unmarshal(v, &a) != nil {
		p.Fail(name, "must be an array, got %s", clipRaw(v))
		return nil
	}
	return a
}

// Object reads a required nested object; its errors are named by path
// (name.field) and share this request's first error.
func (p *Params) Object(name string) *Params {
	v, ok := p.raw(name)
	if !ok {
		p.Fail(name, "required")
		return &Params{path: p.path + name + ".", m: map[string]json.RawMessage{}, err: p.err}
	}
	return subParams(p.path+name+".", clipPath(p.path+name), v, p.err)
}

// Element reads element i of an array (from Array) as an object named
// name[i].
func (p *Params) Element(name string, i int, raw json.RawMessage) *Params {
	path := p.path + name + "[" + strconv.Itoa(i) + "]"
	return subParams(path+".", clipPath(path), raw, p.err)
}

// clipRaw shortens a raw value for an error message.
func clipRaw(v json.RawMessage) string {
	return clipString(string(v))
}

func clipString(s string) string {
	if len(s) <= maxEcho {
		return s
	}
	cut := maxEcho - 3
	for cut > 0 && !utf8.RuneStart(s[cut]) {
		cut--
	}
	return s[:cut] + "..."
}

// clipPath bounds a field path (deeply nested arrays could make it long).
func clipPath(path string) string {
	if len(path) <= maxPath {
		return path
	}
	return "..." + path[len(path)-maxPath+3:]
}
