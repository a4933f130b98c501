package ob11milky

import (
	"errors"
	"strconv"
	"testing"
	"unicode/utf8"

	"github.com/stretchr/testify/assert"

	"github.com/qqbridge/gateway/onebot11"
)

func TestReactionOf(t *testing.T) {
	for _, tc := range []struct{ in, reaction, typ, err string }{
		{in: "76", reaction: "76", typ: "face"},
		{in: " 014 ", reaction: "14", typ: "face"},
		{in: "0", reaction: "0", typ: "face"},
		{in: "128077", reaction: "128077", typ: "emoji"},
		{in: "1000", reaction: "1000", typ: "emoji"}, // NapCat: more than 3 digits is an emoji
		{in: "👍", reaction: "128077", typ: "emoji"},
		{in: "❤️", reaction: "10084", typ: "emoji"},
		{in: "❤", reaction: "10084", typ: "emoji"},
		{in: "", err: "empty"},
		{in: "-1", err: "neither"},
		{in: "99999999999", err: "neither"},
		{in: "a", err: "neither"},
		{in: "👍👍", err: "neither"},
		{in: "\xff", err: "neither"},
	} {
		r, typ, err := reactionOf(tc.in)
		if tc.err != "" {
			assert.ErrorContains(t, err, tc.err, "%q", tc.in)
			continue
		}
		assert.NoError(t, err, "%q", tc.in)
		assert.Equal(t, tc.reaction, r, "%q", tc.in)
		assert.Equal(t, tc.typ, typ, "%q", tc.in)
	}
}

// FuzzReactionOf: any emoji_id yields a numeric reaction of a known type or
// a OneBot error; never a panic.
func FuzzReactionOf(f *testing.F) {
	for _, s := range []string{"76", "128077", "👍", "❤️", "", "abc", "-3", "9999999999999999999", "\xf0\x9f"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		r, typ, err := reactionOf(s)
		if err != nil {
			var ob *onebot11.Error
			if !errors.As(err, &ob) {
				t.Fatalf("error of kind %T", err)
			}
			return
		}
		if _, err := strconv.ParseUint(r, 10, 32); err != nil {
			t.Fatalf("reaction %q is not a number", r)
		}
		if typ != "face" && typ != "emoji" {
			t.Fatalf("type %q", typ)
		}
		if !utf8.ValidString(r) {
			t.Fatal("invalid UTF-8")
		}
	})
}
