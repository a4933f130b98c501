package onebot11

import (
	"strconv"
	"strings"
	"testing"
	"unicode/utf8"

	"github.com/goccy/go-json"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func params(t *testing.T, s string) Params {
	t.Helper()
	p, err := ParseParams(json.RawMessage(s))
	require.NoError(t, err)
	return p
}

func TestParamsLenient(t *testing.T) {
	p := params(t, `{"a":123,"b":"456","c":" 7 ","d":1000,"e":true,"f":"false","g":1,"h":"x","id":"9","n":null,"l":["1",2],"big":"3330331745"}`)
	for name, want := range map[string]int64{"a": 123, "b": 456, "c": 7, "d": 1000} {
		v, err := p.Int64(name)
		require.NoError(t, err, name)
		assert.Equal(t, want, v, name)
	}
	v, err := p.Int64("message_id", "id") // alias order
	require.NoError(t, err)
	assert.Equal(t, int64(9), v)
	b, err := p.Bool("e")
	require.NoError(t, err)
	assert.True(t, b)
	b, err = p.Bool("f")
	require.NoError(t, err)
	assert.False(t, b)
	b, err = p.Bool("g")
	require.NoError(t, err)
	assert.True(t, b)
	def, err := p.OptBool(true, "n") // null counts as absent
	require.NoError(t, err)
	assert.True(t, def)
	s, err := p.String("a") // numbers are accepted as strings (flags)
	require.NoError(t, err)
	assert.Equal(t, "123", s)
	l, err := p.Int64List("l")
	require.NoError(t, err)
	assert.Equal(t, []int64{1, 2}, l)
	// A negative int32 id re-sent as uint32 (Overflow#32) maps back.
	id, err := p.Int32("big")
	require.NoError(t, err)
	assert.Equal(t, int32(-964635551), id)

	_, err = p.Int64("h")
	assert.EqualError(t, err, "parameter h: want an integer, got x")
	_, err = p.Int64("missing")
	assert.EqualError(t, err, "missing parameter missing")
	_, err = p.Int64("missing", "other")
	assert.EqualError(t, err, "missing parameter missing (or other)")
	_, err = p.Bool("h")
	assert.EqualError(t, err, "parameter h: want a boolean, got x")
	_, err = ParseParams(json.RawMessage(`[1]`))
	require.Error(t, err)
	assert.Contains(t, err.Error(), "params: must be a JSON object")
	empty, err := ParseParams(nil)
	require.NoError(t, err)
	assert.Equal(t, 0, empty.Len())
}

// Ids and counts take integer forms only: a number with a fraction or an
// exponent, or such a string, is refused naming the field, never rounded
// into an id nobody typed ("12e3" is not group 12000).
func TestParamsIntegerFormsOnly(t *testing.T) {
	p := params(t, `{"n":12000,"s":"12000","neg":"-5","plus":"+5",`+
		`"exp":1.2e4,"expint":12e3,"frac":123.0,"sexp":"12e3","sfrac":"123.0","hex":"0x10","big":99999999999999999999}`)
	for name, want := range map[string]int64{"n": 12000, "s": 12000, "neg": -5, "plus": 5} {
		v, err := p.Int64(name)
		require.NoError(t, err, name)
		assert.Equal(t, want, v, name)
	}
	for _, name := range []string{"exp", "expint", "frac", "sexp", "sfrac", "hex", "big"} {
		_, err := p.Int64(name)
		require.Error(t, err, name)
		assert.Contains(t, err.Error(), "parameter "+name+":", "the error names the field")
	}
	_, err := p.Int64("expint")
	assert.EqualError(t, err, "parameter expint: want an integer, got a number with a fraction or exponent (12e3)")
	_, err = p.Int64List("l", "exp")
	require.Error(t, err)
	lp := params(t, `{"l":[1,2e0]}`)
	_, err = lp.Int64List("l")
	assert.EqualError(t, err, "parameter l[1]: want an integer, got a number with a fraction or exponent (2e0)")
}

// Values echoed in errors are clipped: a megabyte of input never becomes a
// megabyte of reply (sent three times: message, wording, msg) or log.
func TestErrorEchoesAreBounded(t *testing.T) {
	huge := strings.Repeat("a", 1<<20)
	_, err := ParseCQ("[CQ:" + huge + ",x]")
	require.Error(t, err)
	assert.Less(t, len(err.Error()), 300, "CQ type echo")
	_, err = ParseCQ("[CQ:ok," + huge + "]")
	require.Error(t, err)
	assert.Less(t, len(err.Error()), 300, "CQ parameter echo")

	p := params(t, `{"id":"`+huge+`","b":"`+huge+`","s":{"`+huge+`":1}}`)
	_, err = p.Int64("id")
	assert.Less(t, len(err.Error()), 300)
	_, err = p.Bool("b")
	assert.Less(t, len(err.Error()), 300)
	_, err = p.String("s")
	assert.Less(t, len(err.Error()), 300)

	r := Failed(RetcodeBadRequest, huge)
	assert.LessOrEqual(t, len(r.Message), MaxMessageBytes+len("…"), "Failed bounds any message")
	assert.True(t, strings.HasSuffix(r.Message, "…"))
	assert.Equal(t, r.Message, r.Wording)
	assert.LessOrEqual(t, len(Errorf(1, "%s", huge).Message), MaxMessageBytes+len("…"))

	assert.Equal(t, "short", Clip("short"))
	c := Clip(strings.Repeat("你", 100)) // 3-byte runes: cut on a rune boundary
	assert.True(t, utf8.ValidString(c))
	assert.LessOrEqual(t, len(c), ClipBytes+len("…"))
}

// FuzzParamsInt: an id or count is accepted only in an integer form (a
// JSON number or string of digits with an optional sign), its value is
// the one written, and a refusal names the field and stays short.
func FuzzParamsInt(f *testing.F) {
	for _, s := range []string{`1`, `-1`, `"+7"`, `" 42 "`, `12e3`, `"12e3"`, `1.0`, `1e400`, `"0x10"`, `99999999999999999999`, `"١٢"`, `true`, `{}`, `[1]`} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, raw string) {
		if !json.Valid([]byte(raw)) {
			return
		}
		v, err := parseInt(json.RawMessage(raw), "group_id")
		if err != nil {
			if !strings.HasPrefix(err.Error(), "parameter group_id: ") || len(err.Error()) > 250 {
				t.Fatalf("bad refusal of %q: %v", raw, err)
			}
			return
		}
		text := strings.TrimSpace(raw)
		if strings.HasPrefix(text, `"`) {
			var s string
			if json.Unmarshal([]byte(text), &s) != nil {
				t.Fatalf("accepted %q", raw)
			}
			text = strings.TrimSpace(s)
		}
		digits := strings.TrimLeft(text, "+-")
		if len(text)-len(digits) > 1 || digits == "" || strings.Trim(digits, "0123456789") != "" {
			t.Fatalf("accepted %q as %d: not an integer form", raw, v)
		}
		if w, err := strconv.ParseInt(text, 10, 64); err != nil || w != v {
			t.Fatalf("%q read as %d", raw, v)
		}
	})
}
