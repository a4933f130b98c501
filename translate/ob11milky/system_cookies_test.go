package ob11milky

import (
	"testing"

	"github.com/stretchr/testify/assert"
)

// TestBkn: values computed with the JavaScript every QQ web page uses
// (hash += (hash << 5) + charCode; hash & 2147483647), where << works on
// int32 and += on doubles.
func TestBkn(t *testing.T) {
	for skey, want := range map[string]int32{
		"":            5381,
		"a":           177670,
		"@abcDEF123":  890803408,
		"@Xy9Kq2LmZ0": 1749932064,
	} {
		assert.Equal(t, want, bkn(skey), "bkn(%q)", skey)
	}
}

func TestCookieValue(t *testing.T) {
	for _, c := range []struct {
		cookies, name, want string
		ok                  bool
	}{
		{"uin=o0010001; skey=@abc; p_skey=zzz", "skey", "@abc", true},
		{"p_skey=zzz;skey = @abc ", "skey", "@abc", true},
		{"p_skey=zzz", "skey", "", false},
		{"", "skey", "", false},
		{"skey", "skey", "", false},
		{"skey=a=b", "skey", "a=b", true},
	} {
		got, ok := cookieValue(c.cookies, c.name)
		assert.Equal(t, c.ok, ok, "%q", c.cookies)
		assert.Equal(t, c.want, got, "%q", c.cookies)
	}
}

func FuzzCookieValue(f *testing.F) {
	for _, s := range []string{"uin=o0010001; skey=@abc; p_skey=zzz", "", ";;;", "skey=", "=skey", "skey=a=b; skey=c"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, cookies string) {
		v, ok := cookieValue(cookies, "skey")
		if !ok && v != "" {
			t.Fatalf("value %q without ok", v)
		}
		h := bkn(v)
		if h < 0 {
			t.Fatalf("bkn(%q) = %d < 0", v, h)
		}
	})
}
