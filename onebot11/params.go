package onebot11

import (
	"bytes"
	"errors"
	"math"
	"strconv"
	"strings"

	"github.com/goccy/go-json"
)

// Params gives lenient, typed access to an action's parameters. Bots send ids
// as JSON numbers or numeric strings and booleans as true/"true"/1; every
// accessor accepts all of these. Each accessor takes the parameter's names in
// order of preference, so the seeds' variants ("id" vs "message_id", "folder"
// vs "folder_id") are one call. Errors name the parameter and are *Error with
// RetcodeBadRequest.
type Params struct {
	m map[string]json.RawMessage
}

// ParseParams decodes a params object. Empty input and null are an empty set.
func ParseParams(raw json.RawMessage) (Params, error) {
	raw = bytes.TrimSpace(raw)
	if len(raw) == 0 || bytes.Equal(raw, []byte("null")) {
		return Params{}, nil
	}
	var m map[string]json.RawMessage
	if err := json.Unmarshal(raw, &m); err != nil {
		return Params{}, Errorf(RetcodeBadRequest, "params: must be a JSON object: %s", Clip(err.Error()))
	}
	return Params{m: m}, nil
}

// ParamsFromMap builds Params from already-decoded values (used by quick
// operations and tests).
func ParamsFromMap(values map[string]any) Params {
	m := make(map[string]json.RawMessage, len(values))
	for k, v := range values {
		b, err := json.Marshal(v)
		if err == nil {
			m[k] = b
		}
	}
	return Params{m: m}
}

// Raw returns the raw JSON of the first present name.
func (p Params) Raw(names ...string) (json.RawMessage, string, bool) {
	for _, n := range names {
		if v, ok := p.m[n]; ok && !isNull(v) {
			return v, n, true
		}
	}
	return nil, "", false
}

// Has reports whether any of the names is present and not null.
func (p Params) Has(names ...string) bool {
	_, _, ok := p.Raw(names...)
	return ok
}

func isNull(v json.RawMessage) bool {
	return len(v) == 0 || bytes.Equal(bytes.TrimSpace(v), []byte("null"))
}

func missing(names []string) *Error {
	if len(names) > 1 {
		return Errorf(RetcodeBadRequest, "missing parameter %s (or %s)", names[0], strings.Join(names[1:], ", "))
	}
	return Errorf(RetcodeBadRequest, "missing parameter %s", strings.Join(names, ""))
}

// Int64 returns a required integer parameter.
func (p Params) Int64(names ...string) (int64, error) {
	raw, name, ok := p.Raw(names...)
	if !ok {
		return 0, missing(names)
	}
	return parseInt(raw, name)
}

// OptInt64 returns an optional integer parameter, def when absent.
func (p Params) OptInt64(def int64, names ...string) (int64, error) {
	raw, name, ok := p.Raw(names...)
	if !ok {
		return def, nil
	}
	return parseInt(raw, name)
}

// Int32 returns a required parameter that must fit int32 (message ids).
func (p Params) Int32(names ...string) (int32, error) {
	raw, name, ok := p.Raw(names...)
	if !ok {
		return 0, missing(names)
	}
	v, err := parseInt(raw, name)
	if err != nil {
		return 0, err
	}
	if v < math.MinInt32 || v > math.MaxUint32 {
		return 0, Errorf(RetcodeBadRequest, "parameter %s: %d is out of int32 range", name, v)
	}
	// Some clients re-send negative int32 ids as uint32 (Overflow#32).
	return int32(uint32(v)), nil
}

// parseInt accepts only integer forms: a JSON number or a string of decimal
// digits with an optional sign. A fraction or exponent is refused, naming
// the field: "12e3" or 1.2e4 as a group_id would otherwise address a group
// nobody typed.
func parseInt(raw json.RawMessage, name string) (int64, error) {
	s := string(bytes.TrimSpace(raw))
	quoted := len(s) > 0 && s[0] == '"'
	if quoted {
		var str string
		if err := json.Unmarshal(raw, &str); err != nil {
			return 0, Errorf(RetcodeBadRequest, "parameter %s: invalid string", name)
		}
		s = strings.TrimSpace(str)
	}
	if v, err := strconv.ParseInt(s, 10, 64); err == nil {
		return v, nil
	} else if errors.Is(err, strconv.ErrRange) {
		return 0, Errorf(RetcodeBadRequest, "parameter %s: %s is out of the 64-bit integer range", name, Clip(s))
	}
	if !quoted && strings.ContainsAny(s, ".eE") && json.Valid([]byte(s)) {
		return 0, Errorf(RetcodeBadRequest, "parameter %s: want an integer, got a number with a fraction or exponent (%s)", name, Clip(s))
	}
	return 0, Errorf(RetcodeBadRequest, "parameter %s: want an integer, got %s", name, Clip(s))
}

// String returns a required string parameter; numbers are accepted and
// rendered in decimal (flags and file ids are sometimes sent as numbers).
func (p Params) String(names ...string) (string, error) {
	raw, name, ok := p.Raw(names...)
	if !ok {
		return "", missing(names)
	}
	return parseString(raw, name)
}

// OptString returns an optional string parameter, def when absent.
func (p Params) OptString(def string, names ...string) (string, error) {
	raw, name, ok := p.Raw(names...)
	if !ok {
		return def, nil
	}
	return parseString(raw, name)
}

func parseString(raw json.RawMessage, name string) (string, error) {
	raw = bytes.TrimSpace(raw)
	if len(raw) > 0 && raw[0] == '"' {
		var s string
		if err := json.Unmarshal(raw, &s); err != nil {
			return "", Errorf(RetcodeBadRequest, "parameter %s: invalid string", name)
		}
		return s, nil
	}
	if len(raw) > 0 && (raw[0] == '-' || (raw[0] >= '0' && raw[0] <= '9')) {
		return string(raw), nil
	}
	return "", Errorf(RetcodeBadRequest, "parameter %s: want a string, got %s", name, truncate(string(raw), 40))
}

// Bool returns a required boolean parameter.
func (p Params) Bool(names ...string) (bool, error) {
	raw, name, ok := p.Raw(names...)
	if !ok {
		return false, missing(names)
	}
	return parseBool(raw, name)
}

// OptBool returns an optional boolean parameter, def when absent.
func (p Params) OptBool(def bool, names ...string) (bool, error) {
	raw, name, ok := p.Raw(names...)
	if !ok {
		return def, nil
	}
	return parseBool(raw, name)
}

func parseBool(raw json.RawMessage, name string) (bool, error) {
	s := strings.Trim(string(bytes.TrimSpace(raw)), `"`)
	switch strings.ToLower(s) {
	case "true", "1", "yes", "on":
		return true, nil
	case "false", "0", "no", "off", "":
		return false, nil
	}
	return false, Errorf(RetcodeBadRequest, "parameter %s: want a boolean, got %s", name, truncate(s, 40))
}

// Int64List returns a required list of integers (user_ids); a single value
// is accepted as a list of one.
func (p Params) Int64List(names ...string) ([]int64, error) {
	raw, name, ok := p.Raw(names...)
	if !ok {
		return nil, missing(names)
	}
	raw = bytes.TrimSpace(raw)
	if len(raw) == 0 || raw[0] != '[' {
		v, err := parseInt(raw, name)
		if err != nil {
			return nil, err
		}
		return []int64{v}, nil
	}
	var items []json.RawMessage
	if err := json.Unmarshal(raw, &items); err != nil {
		return nil, Errorf(RetcodeBadRequest, "parameter %s: want a list of integers", name)
	}
	out := make([]int64, 0, len(items))
	for i, it := range items {
		v, err := parseInt(it, name+"["+strconv.Itoa(i)+"]")
		if err != nil {
			return nil, err
		}
		out = append(out, v)
	}
	return out, nil
}

// Decode unmarshals a parameter into v (for message arrays and objects).
func (p Params) Decode(v any, names ...string) (string, error) {
	raw, name, ok := p.Raw(names...)
	if !ok {
		return "", missing(names)
	}
	if err := json.Unmarshal(raw, v); err != nil {
		return name, Errorf(RetcodeBadRequest, "parameter %s: %s", name, Clip(err.Error()))
	}
	return name, nil
}

// Len is the number of parameters present.
func (p Params) Len() int { return len(p.m) }

func truncate(s string, n int) string {
	if len(s) <= n {
		return s
	}
	return s[:n] + "..."
}
