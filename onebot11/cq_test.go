package onebot11

import (
	"testing"

	"github.com/goccy/go-json"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func seg(typ string, kv ...string) Segment {
	d := map[string]any{}
	for i := 0; i+1 < len(kv); i += 2 {
		d[kv[i]] = kv[i+1]
	}
	return Segment{Type: typ, Data: d}
}

func TestParseCQ(t *testing.T) {
	cases := []struct {
		in   string
		want []Segment
		err  string
	}{
		{in: "", want: nil},
		{in: "hello", want: []Segment{seg("text", "text", "hello")}},
		{in: "a[CQ:face,id=14]b", want: []Segment{seg("text", "text", "a"), seg("face", "id", "14"), seg("text", "text", "b")}},
		{in: "[CQ:at,qq=all]", want: []Segment{seg("at", "qq", "all")}},
		{in: "[CQ:shake]", want: []Segment{{Type: "shake", Data: map[string]any{}}}},
		// Escapes in text and in values (the seeds' image URL with &amp;).
		{in: "&#91;x&#93; &amp; y", want: []Segment{seg("text", "text", "[x] & y")}},
		{in: "[CQ:image,file=a.png,url=https://h/p?a=1&amp;b=2&#44;3]", want: []Segment{seg("image", "file", "a.png", "url", "https://h/p?a=1&b=2,3")}},
		// An escaped CQ code in text stays text.
		{in: "&#91;CQ:face,id=1&#93;", want: []Segment{seg("text", "text", "[CQ:face,id=1]")}},
		// A trailing comma is tolerated (go-cqhttp does).
		{in: "[CQ:face,id=1,]", want: []Segment{seg("face", "id", "1")}},
		// Values may contain '='.
		{in: "[CQ:json,data={\"a\"=1}]", want: []Segment{seg("json", "data", "{\"a\"=1}")}},
		// A lone ']' in text is kept.
		{in: "a]b", want: []Segment{seg("text", "text", "a]b")}},
		{in: "x[CQ:face,id=1", err: "message: unterminated CQ code at offset 1"},
		{in: "[CQ:]", err: "message: empty CQ code type at offset 0"},
		{in: "[CQ:fa ce]", err: `message: invalid CQ code type "fa ce" at offset 0`},
		{in: "[CQ:face,id]", err: `message: CQ code face at offset 0: parameter "id" has no key=value form`},
		{in: "[CQ:face,=1]", err: `message: CQ code face at offset 0: parameter "=1" has no key=value form`},
	}
	for _, c := range cases {
		t.Run(c.in, func(t *testing.T) {
			got, err := ParseCQ(c.in)
			if c.err != "" {
				require.EqualError(t, err, c.err)
				var e *Error
				require.ErrorAs(t, err, &e)
				assert.Equal(t, RetcodeBadRequest, e.Retcode)
				return
			}
			require.NoError(t, err)
			assert.Equal(t, c.want, got)
		})
	}
}

func TestFormatCQ(t *testing.T) {
	cases := []struct {
		in   []Segment
		want string
	}{
		{[]Segment{seg("text", "text", "a [b] & c, d")}, "a &#91;b&#93; &amp; c, d"},
		{[]Segment{seg("image", "url", "https://h/p?a=1&b=2", "file", "x,y.png")}, "[CQ:image,file=x&#44;y.png,url=https://h/p?a=1&amp;b=2]"},
		{[]Segment{seg("at", "name", "n", "qq", "10001")}, "[CQ:at,qq=10001,name=n]"},
		{[]Segment{{Type: "face", Data: map[string]any{"id": json.Number("14")}}}, "[CQ:face,id=14]"},
		{[]Segment{{Type: "x", Data: map[string]any{"b": true, "a": 1.5}}}, "[CQ:x,a=1.5,b=true]"},
		{[]Segment{{Type: "shake"}}, "[CQ:shake]"},
	}
	for _, c := range cases {
		assert.Equal(t, c.want, FormatCQ(c.in))
	}
}

func TestParseMessageForms(t *testing.T) {
	got, err := ParseMessage(json.RawMessage(`"hi[CQ:face,id=1]"`), false)
	require.NoError(t, err)
	assert.Equal(t, []Segment{seg("text", "text", "hi"), seg("face", "id", "1")}, got)

	got, err = ParseMessage(json.RawMessage(`"hi[CQ:face,id=1]"`), true)
	require.NoError(t, err)
	assert.Equal(t, []Segment{seg("text", "text", "hi[CQ:face,id=1]")}, got, "auto_escape sends CQ codes literally")

	got, err = ParseMessage(json.RawMessage(`{"type":"at","data":{"qq":12345678901234567}}`), false)
	require.NoError(t, err)
	assert.Equal(t, "12345678901234567", got[0].DataString("qq"), "large numbers survive")

	got, err = ParseMessage(json.RawMessage(`[{"type":"text","data":{"text":"a"}},{"type":"face","data":{"id":"2"}}]`), false)
	require.NoError(t, err)
	assert.Len(t, got, 2)

	// A bare number is its text, as go-cqhttp sends it (auto_escape or not).
	for _, esc := range []bool{false, true} {
		got, err = ParseMessage(json.RawMessage(`-12.5`), esc)
		require.NoError(t, err)
		assert.Equal(t, []Segment{seg("text", "text", "-12.5")}, got)
	}
	_, err = ParseMessage(json.RawMessage(`12x`), false)
	assert.EqualError(t, err, "parameter message: invalid number")

	for in, want := range map[string]string{
		``:                     "missing parameter message",
		`null`:                 "missing parameter message",
		`true`:                 "parameter message: want a string, a segment or an array of segments",
		`{"data":{}}`:          "parameter message: segment has no type",
		`[{"type":"text"},{}]`: "parameter message[1]: segment has no type",
		`"[CQ:face"`:           "message: unterminated CQ code at offset 0",
	} {
		_, err := ParseMessage(json.RawMessage(in), false)
		assert.EqualError(t, err, want, in)
	}
}

// FuzzCQ: parsing never panics, and whatever parses survives a round trip
// through FormatCQ unchanged (Parse(Format(Parse(s))) == Parse(s)).
func FuzzCQ(f *testing.F) {
	for _, s := range []string{
		"", "hello", "a[CQ:face,id=14]b", "&#91;x&#93; &amp;", "[CQ:image,file=a.png,url=https://h/p?a=1&amp;b=2&#44;3]",
		"&#91;CQ:face,id=1&#93;", "[CQ:face,id=1,]", "x[CQ:face", "[CQ:]", "&amp;#91;", "[CQ:a,k=v=w]", "]]][[[", "[CQ:at,qq=all]text",
	} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		segs, err := ParseCQ(s)
		if err != nil {
			return
		}
		again, err := ParseCQ(FormatCQ(segs))
		if err != nil {
			t.Fatalf("formatted output does not parse: %v\ninput %q\nformatted %q", err, s, FormatCQ(segs))
		}
		if len(segs) == 0 && len(again) == 0 {
			return
		}
		assert.Equal(t, segs, again, "round trip of %q via %q", s, FormatCQ(segs))
	})
}
