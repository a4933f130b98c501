package transport

import (
	"net/url"
	"strings"
	"testing"
)

// FuzzRedactURL: whatever the input, the result carries no password and
// every access_token/token query value it still has is masked.
func FuzzRedactURL(f *testing.F) {
	f.Add("ws://user:pw@host:8080/event?access_token=secret&x=1#frag")
	f.Add("http://h/p?token=abc")
	f.Add("://bad")
	f.Add("http://u:p%40ss@h/?ACCESS_TOKEN=zz&access%5Ftoken=yy")
	f.Fuzz(func(t *testing.T, raw string) {
		out := RedactURL(raw)
		if out == "(unparsable URL)" {
			return
		}
		u, err := url.Parse(out)
		if err != nil {
			return // re-parsing a redacted odd URL may fail; nothing leaks by that
		}
		if _, has := u.User.Password(); has {
			t.Fatalf("%q -> %q keeps a password", raw, out)
		}
		for _, p := range strings.Split(u.RawQuery, "&") {
			k, v, _ := strings.Cut(p, "=")
			if key, err := url.QueryUnescape(k); err == nil && isSecretParam(key) && v != "***" {
				t.Fatalf("%q -> %q leaks %s", raw, out, key)
			}
		}
	})
}

// FuzzTokenFromHeader: no panic, and a token found is trimmed and non-empty.
func FuzzTokenFromHeader(f *testing.F) {
	for _, s := range []string{"Bearer t", "Token t", "t", "Bearer", " bearer \t x ", ""} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, v string) {
		tok, ok := TokenFromHeader(v)
		if ok && (tok == "" || strings.TrimSpace(tok) != tok) {
			t.Fatalf("%q -> %q", v, tok)
		}
		NewToken("x").Check(v, "")
	})
}
