package milky

import (
	"errors"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func paramErr(t *testing.T, p *Params) string {
	t.Helper()
	var ae *APIError
	require.True(t, errors.As(p.Err(), &ae), "want *APIError, got %v", p.Err())
	assert.Equal(t, RetcodeBadParam, ae.Retcode)
	return ae.Message
}

func TestParamsReadsAndDefaults(t *testing.T) {
	p := ParseParams([]byte(`{"group_id":123456,"user_id":1e5,"duration":null,"is_set":false,"card":"",
		"scene":"group","seq":7,"opt":null,"obj":{"x":"y"},"list":[{"a":1}]}`))
	assert.Equal(t, int64(123456), p.Uin("group_id"))
	assert.Equal(t, int64(100000), p.Uin("user_id"))
	assert.Equal(t, int32(0), p.Int32Def("duration", 0))
	assert.Equal(t, int32(20), p.Int32Def("limit", 20))
	assert.False(t, p.BoolDef("is_set", true))
	assert.True(t, p.BoolDef("is_add", true))
	assert.Equal(t, "", p.String("card"))
	assert.Equal(t, "/", p.StringDef("parent_folder_id", "/"))
	assert.Equal(t, "group", p.Scene("scene"))
	assert.Equal(t, int64(7), p.Int64("seq"))
	assert.Nil(t, p.OptInt64("opt"))
	assert.Nil(t, p.OptString("reason"))
	assert.Equal(t, "face", p.EnumDef("reaction_type", "face", "face", "emoji"))
	assert.Equal(t, "y", p.Object("obj").String("x"))
	list := p.Array("list")
	require.Len(t, list, 1)
	assert.Equal(t, int64(1), p.Element("list", 0, list[0]).Int64("a"))
	assert.True(t, p.Has("card"))
	assert.False(t, p.Has("opt"))
	assert.NoError(t, p.Err())
}

func TestParamsFirstErrorSticks(t *testing.T) {
	p := ParseParams([]byte(`{"group_id":-1,"user_id":"x"}`))
	assert.Equal(t, int64(0), p.Uin("group_id"))
	assert.Equal(t, int64(0), p.Uin("user_id"))
	assert.Equal(t, "group_id: -1 is not a valid uin (10001..4294967295)", paramErr(t, p))
}

func TestParamsErrors(t *testing.T) {
	for _, c := range []struct {
		body string
		read func(p *Params)
		want string
	}{
		{`[]`, func(p *Params) {}, "request body: must be a JSON object"},
		{`{`, func(p *Params) {}, "request body: must be a JSON object"},
		{``, func(p *Params) { p.Uin("user_id") }, "user_id: required"},
		{`{"user_id":null}`, func(p *Params) { p.Uin("user_id") }, "user_id: required"},
		{`{"user_id":4294967296}`, func(p *Params) { p.Uin("user_id") }, "user_id: 4294967296 is not a valid uin (10001..4294967295)"},
		{`{"user_id":1.5}`, func(p *Params) { p.Uin("user_id") }, "user_id: must be an integer, got 1.5"},
		{`{"seq":-3}`, func(p *Params) { p.Int64("seq") }, "seq: -3 must be non-negative"},
		{`{"limit":2147483648}`, func(p *Params) { p.Int32Def("limit", 20) }, "limit: 2147483648 must be in 0..2147483647"},
		{`{"b":1}`, func(p *Params) { p.BoolDef("b", false) }, "b: must be a boolean, got 1"},
		{`{"s":1}`, func(p *Params) { p.String("s") }, "s: must be a string, got 1"},
		{`{"s":""}`, func(p *Params) { p.NonEmpty("s") }, "s: must not be empty"},
		{`{"scene":"x"}`, func(p *Params) { p.Scene("scene") }, `scene: "x" is not one of [friend group temp]`},
		{`{"o":1}`, func(p *Params) { p.Object("o").String("x") }, "o: must be a JSON object"},
		{`{"o":{}}`, func(p *Params) { p.Object("o").String("x") }, "o.x: required"},
		{`{"a":{}}`, func(p *Params) { p.Array("a") }, "a: must be an array, got {}"},
		{`{"a":[1]}`, func(p *Params) { a := p.Array("a"); p.Element("a", 0, a[0]) }, "a[0]: must be a JSON object"},
	} {
		p := ParseParams([]byte(c.body))
		c.read(p)
		assert.Equal(t, c.want, paramErr(t, p), c.body)
	}
}

func TestParamsBoundedEcho(t *testing.T) {
	long := strings.Repeat("界", 5000)
	p := ParseParams([]byte(`{"user_id":"` + long + `","scene":"` + long + `"}`))
	p.Uin("user_id")
	msg := paramErr(t, p)
	assert.LessOrEqual(t, len(msg), 100, msg)
	p = ParseParams([]byte(`{"scene":"` + long + `"}`))
	p.Scene("scene")
	msg = paramErr(t, p)
	assert.LessOrEqual(t, len(msg), 100, msg)
}

// FuzzParams: no input panics, an error is always a bounded -400 naming a
// field, and a value read without error is in its range.
func FuzzParams(f *testing.F) {
	for _, s := range []string{``, `{}`, `[]`, `{"user_id":10001}`, `{"user_id":"1"}`, `{"limit":1e3}`,
		`{"message":[{"type":"text","data":{"text":"hi"}}]}`, `{"message_scene":"temp","peer_id":4294967295}`,
		`{"o":{"o":{"o":null}}}`, `{"user_id":-0.0}`, "{\"s\":\"\xff\"}"} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, body []byte) {
		p := ParseParams(body)
		uin := p.Uin("user_id")
		limit := p.Int32Def("limit", 20)
		p.BoolDef("is_filtered", false)
		p.EnumDef("reaction_type", "face", "face", "emoji")
		p.Scene("message_scene")
		p.OptInt64("start")
		for i, el := range p.Array("message") {
			seg := p.Element("message", i, el)
			seg.String("type")
			seg.Object("data").StringDef("text", "")
		}
		if err := p.Err(); err != nil {
			var ae *APIError
			if !errors.As(err, &ae) || ae.Retcode != RetcodeBadParam {
				t.Fatalf("error is not a -400 APIError: %v", err)
			}
			if len(ae.Message) > 160 {
				t.Fatalf("error message too long (%d bytes): %q", len(ae.Message), ae.Message)
			}
			return
		}
		if uin < MinUin || uin > MaxUin || limit < 0 {
			t.Fatalf("no error but out of range: uin %d limit %d", uin, limit)
		}
	})
}
