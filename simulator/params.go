package simulator

import (
	"bytes"
	"fmt"
	"math"
	"strconv"

	"github.com/goccy/go-json"

	"github.com/qqbridge/gateway/milky"
)

// Request decoding with the official schema's rules (zod): required fields
// must be present and non-null, optional ones may be absent or null, fields
// with a default take it when absent or null, uins are integers in
// 10001..4294967295, other integers are non-negative, unknown fields are
// ignored. The first violation becomes a -400 error naming the field by its
// path (e.g. "message[1].data.user_id").

const (
	minUin = 10001
	maxUin = 4294967295
)

// obj is one JSON object being decoded; all objects of one request share the
// first error.
type obj struct {
	path string
	m    map[string]json.RawMessage
	err  *error
}

// parseBody decodes a request body; an empty body counts as {} (some clients
// send nothing for APIs without input).
func parseBody(body []byte) (*obj, error) {
	var first error
	body = bytes.TrimSpace(body)
	if len(body) == 0 {
		return &obj{m: map[string]json.RawMessage{}, err: &first}, nil
	}
	o := subObj("", "request body", body, &first)
	return o, first
}

// subObj decodes raw as an object named name (a path for errors). On failure
// it records the error and returns an empty object so callers can go on.
func subObj(prefix, name string, raw json.RawMessage, errp *error) *obj {
	o := &obj{path: prefix, m: map[string]json.RawMessage{}, err: errp}
	raw = bytes.TrimSpace(raw)
	if len(raw) == 0 || raw[0] != '{' {
		setErr(errp, name+": must be a JSON object")
		return o
	}
	if err := json.Unmarshal(raw, &o.m); err != nil {
		setErr(errp, name+": must be a JSON object")
	}
	return o
}

func setErr(errp *error, msg string) {
	if *errp == nil {
		*errp = &milky.APIError{Retcode: milky.RetcodeBadParam, Message: msg}
	}
}

func (o *obj) fail(field, format string, args ...any) {
	setErr(o.err, o.path+field+": "+fmt.Sprintf(format, args...))
}

// Err is the first decoding error of the request, nil if none.
func (o *obj) Err() error { return *o.err }

func (o *obj) raw(name string) (json.RawMessage, bool) {
	v, ok := o.m[name]
	if !ok {
		return nil, false
	}
	v = bytes.TrimSpace(v)
	if bytes.Equal(v, []byte("null")) {
		return nil, false
	}
	return v, true
}

func (o *obj) has(name string) bool {
	_, ok := o.raw(name)
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

func (o *obj) intField(name string, required bool) (int64, bool) {
	v, ok := o.raw(name)
	if !ok {
		if required {
			o.fail(name, "required")
		}
		return 0, false
	}
	n, ok := parseInt(v)
	if !ok {
		o.fail(name, "must be an integer, got %s", clip(v))
		return 0, false
	}
	return n, true
}

// uin reads a required QQ or group number.
func (o *obj) uin(name string) int64 {
	n, ok := o.intField(name, true)
	if ok && (n < minUin || n > maxUin) {
		o.fail(name, "%d is not a valid uin (%d..%d)", n, minUin, maxUin)
		return 0
	}
	return n
}

// int64 reads a required non-negative integer.
func (o *obj) int64(name string) int64 {
	n, ok := o.intField(name, true)
	if ok && n < 0 {
		o.fail(name, "%d must be non-negative", n)
		return 0
	}
	return n
}

// optInt64 reads an optional non-negative integer.
func (o *obj) optInt64(name string) *int64 {
	n, ok := o.intField(name, false)
	if !ok {
		return nil
	}
	if n < 0 {
		o.fail(name, "%d must be non-negative", n)
		return nil
	}
	return &n
}

// int32Def reads a non-negative int32 with a default.
func (o *obj) int32Def(name string, def int32) int32 {
	n, ok := o.intField(name, false)
	if !ok {
		return def
	}
	if n < 0 || n > math.MaxInt32 {
		o.fail(name, "%d must be in 0..%d", n, math.MaxInt32)
		return def
	}
	return int32(n)
}

// int32Req reads a required non-negative int32.
func (o *obj) int32Req(name string) int32 {
	n, ok := o.intField(name, true)
	if !ok {
		return 0
	}
	if n < 0 || n > math.MaxInt32 {
		o.fail(name, "%d must be in 0..%d", n, math.MaxInt32)
		return 0
	}
	return int32(n)
}

func (o *obj) boolDef(name string, def bool) bool {
	v, ok := o.raw(name)
	if !ok {
		return def
	}
	switch string(v) {
	case "true":
		return true
	case "false":
		return false
	}
	o.fail(name, "must be a boolean, got %s", clip(v))
	return def
}

func (o *obj) strField(name string, required bool) (string, bool) {
	v, ok := o.raw(name)
	if !ok {
		if required {
			o.fail(name, "required")
		}
		return "", false
	}
	var s string
	if v[0] != '"' || json.Unmarshal(v, &s) != nil {
		o.fail(name, "must be a string, got %s", clip(v))
		return "", false
	}
	return s, true
}

// str reads a required string (it may be empty, as in the schema).
func (o *obj) str(name string) string {
	s, _ := o.strField(name, true)
	return s
}

// nonEmpty reads a required string that the operation cannot do without.
func (o *obj) nonEmpty(name string) string {
	s, ok := o.strField(name, true)
	if ok && s == "" {
		o.fail(name, "must not be empty")
	}
	return s
}

func (o *obj) optStr(name string) *string {
	s, ok := o.strField(name, false)
	if !ok {
		return nil
	}
	return &s
}

func (o *obj) strDef(name, def string) string {
	s, ok := o.strField(name, false)
	if !ok {
		return def
	}
	return s
}

func (o *obj) enum(name string, values ...string) string {
	s, ok := o.strField(name, true)
	if !ok {
		return ""
	}
	return o.checkEnum(name, s, values)
}

func (o *obj) enumDef(name, def string, values ...string) string {
	s, ok := o.strField(name, false)
	if !ok {
		return def
	}
	return o.checkEnum(name, s, values)
}

func (o *obj) checkEnum(name, s string, values []string) string {
	for _, v := range values {
		if s == v {
			return s
		}
	}
	o.fail(name, "%q is not one of %v", s, values)
	return ""
}

// scene reads a message_scene.
func (o *obj) scene(name string) string {
	return o.enum(name, milky.SceneFriend, milky.SceneGroup, milky.SceneTemp)
}

// array reads a required JSON array.
func (o *obj) array(name string) []json.RawMessage {
	v, ok := o.raw(name)
	if !ok {
		o.fail(name, "required")
		return nil
	}
	return o.decodeArray(name, v)
}

func (o *obj) optArray(name string) ([]json.RawMessage, bool) {
	v, ok := o.raw(name)
	if !ok {
		return nil, false
	}
	return o.decodeArray(name, v), true
}

func (o *obj) decodeArray(name string, v json.RawMessage) []json.RawMessage {
	var a []json.RawMessage
	if v[0] != '[' || json.Unmarshal(v, &a) != nil {
		o.fail(name, "must be an array, got %s", clip(v))
		return nil
	}
	return a
}

// child decodes field name as a nested object.
func (o *obj) child(name string) *obj {
	v, ok := o.raw(name)
	if !ok {
		o.fail(name, "required")
		return &obj{path: o.path + name + ".", m: map[string]json.RawMessage{}, err: o.err}
	}
	return subObj(o.path+name+".", o.path+name, v, o.err)
}

// clip shortens a raw value for an error message.
func clip(v json.RawMessage) string {
	if len(v) > 40 {
		return string(v[:37]) + "..."
	}
	return string(v)
}
