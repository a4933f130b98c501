package jsonscan

import (
	stdjson "encoding/json"
	"strconv"
	"testing"
	"unicode/utf8"
)

func scanAll(s string) bool {
	sc := New(s)
	sc.Value()
	return sc.End()
}

func scanAllBytes(b []byte) bool {
	sc := NewBytes(b)
	sc.Value()
	return sc.End()
}

var seeds = []string{
	`{}`, `[]`, `{"a":1}`, ` {"a" : [1, 2.5e3, -0, "x\n\u00e9", true, false, null, {}]} `, `"中文"`, `0`, `-1.0E+2`,
	`{"a":}`, `{"a" 1}`, `[1,]`, `[,1]`, `{,}`, `01`, `1.`, `.5`, `-`, `1e`, `"\x"`, `"\u12"`, `"a`, "\"\x01\"", `tru`,
	`nul`, `{"a":1}}`, `[1] 2`, `{"a":1,}`, `{1:2}`, `"\ud800"`, "\"\xff\"", "\"\xed\xa0\x80\"", "\"\xf4\x90\x80\x80\"",
	"\"\xe0\x80\x80\"", "\"\xc2\"", "\"\xf0\x9f\x98\x80\"", `[[[[[[]]]]]]`, ``, ` `, `{"a":[{"b":{"c":[1,{"d":null}]}}]}`,
}

// FuzzScanner: whatever the scanner accepts is valid JSON, and valid JSON
// in valid UTF-8 is accepted (up to the depth limit).
func FuzzScanner(f *testing.F) {
	for _, s := range seeds {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		got := scanAll(s)
		if got != scanAllBytes([]byte(s)) {
			t.Fatalf("string and []byte scans disagree on %q", s)
		}
		valid := stdjson.Valid([]byte(s))
		if got && !valid {
			t.Fatalf("accepted invalid JSON %q", s)
		}
		if valid && utf8.ValidString(s) && !got && depth(s) <= maxDepth {
			t.Fatalf("rejected valid JSON %q", s)
		}
	})
}

func depth(s string) int {
	d, m := 0, 0
	for _, c := range []byte(s) {
		switch c {
		case '{', '[':
			d++
			m = max(m, d)
		case '}', ']':
			d--
		}
	}
	return m
}

func TestInt(t *testing.T) {
	for _, s := range []string{"0", "-0", "1", "-1", "9223372036854775807", "-9223372036854775808", "9223372036854775808",
		"-9223372036854775809", "18446744073709551616", "1.5", "1e3", "", "-", "+1", "123456789012345678901"} {
		n, ok := Int(s)
		want, err := strconv.ParseInt(s, 10, 64)
		wantOK := err == nil && s != "+1"
		if ok != wantOK || (ok && n != want) {
			t.Errorf("Int(%q) = %d, %v; want %d, %v", s, n, ok, want, wantOK)
		}
	}
}

func TestSkipText(t *testing.T) {
	// Every byte value at every position of a word, alone and after a
	// non-ASCII byte, and in the byte-by-byte tail (len 8+tail).
	for c := 0; c < 256; c++ {
		for tail := 0; tail < 3; tail++ {
			for pos := 0; pos < 8+tail; pos++ {
				for _, hiAt := range []int{-1, 0, 3, 7, 9} {
					b := []byte("abcdefghij"[:8+tail])
					if hiAt >= 0 && hiAt < len(b) && hiAt != pos {
						b[hiAt] = 0xe5
					}
					b[pos] = byte(c)
					wantI, wantHi := len(b), false
					for i, x := range b {
						if x < 0x20 || x == '"' || x == '\\' {
							wantI = i
							break
						}
						if x >= 0x80 {
							wantHi = true
						}
					}
					if i, hi := skipText(string(b), 0); i != wantI || hi != wantHi {
						t.Fatalf("%q: skipText = %d, %v; want %d, %v", b, i, hi, wantI, wantHi)
					}
				}
			}
		}
	}
}

var benchFrame = `{"time":1750000000,"self_id":10001,"post_type":"message","message_type":"group","sub_type":"normal","message_id":1000000000,"message_seq":1,"real_id":1,"group_id":30001,"user_id":20002,"anonymous":null,"font":14,"message":[{"type":"text","data":{"text":"lorem ipsum [dolor] sit amet & co, lorem ipsum [dolor] sit amet & co, lorem ipsum [dolor] sit amet & co, lorem ipsum [dolor] sit amet & co, lorem ipsum [dolor] sit amet & co, lorem ipsum [dolor] sit amet & co, lorem ipsum [dolor] sit amet & co, lorem ipsum [dolor] sit amet & co, "}},{"type":"at","data":{"qq":"20001"}},{"type":"image","data":{"file":"5264faaf36249f4db163.png","url":"https://multimedia.nt.qq.com.cn/download?appid=1407&fileid=EhQ1MjY0&rkey=CAQSKAB6","summary":"[图片]","sub_type":0}}],"raw_message":"lorem ipsum [dolor] sit amet & co, lorem ipsum [dolor] sit amet & co, lorem ipsum [dolor] sit amet & co, lorem ipsum [dolor] sit amet & co, [CQ:at,qq=20001][CQ:image,file=5264faaf36249f4db163.png]","sender":{"user_id":20002,"nickname":"Bob","card":"Bobby","sex":"male","age":0,"area":"","level":"12","role":"member","title":""}}`

func BenchmarkScanFrame(b *testing.B) {
	raw := []byte(benchFrame)
	b.SetBytes(int64(len(raw)))
	for b.Loop() {
		if !scanAllBytes(raw) {
			b.Fatal("invalid")
		}
	}
}

// FuzzReaders: what a reader takes, encoding/json decodes into the same
// Go field to the same value (null leaving it as it was); Unquote agrees
// with it on every string it takes.
func FuzzReaders(f *testing.F) {
	for _, s := range []string{`0`, `-0`, `12`, `-9223372036854775808`, `9223372036854775807`, `9223372036854775808`,
		`123456789012345678`, `1234567890123456789`, `01`, `1.5`, `1e3`, `-`, `null`, `nul`, `true`, `false`, `"x"`,
		`"a\nb\u00e9\/\"\\\t\b\f\r"`, `"\ud83d\ude00"`, `"a\uD83D\uDE00b\u00e9"`, `"\ud83dx"`, `"\ude00"`, `"\ud83d\u0041"`, `"\ud83d\ud83d"`, `"\ud83d\"`, `"\ud800"`, `"\u0000"`, `2147483648`, `-2147483648`, `"中"`} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, in string) {
		const seed = 77
		i64, i32, b, str := int64(seed), int32(seed), true, "seed"
		want64, want32, wantB, wantStr := i64, i32, b, str
		sc := New(in)
		if sc.ReadInt64(&i64) && sc.End() {
			if err := stdjson.Unmarshal([]byte(in), &want64); err != nil || want64 != i64 {
				t.Fatalf("ReadInt64(%q) = %d, encoding/json %d, %v", in, i64, want64, err)
			}
		}
		sc = New(in)
		if sc.ReadInt32(&i32) && sc.End() {
			if err := stdjson.Unmarshal([]byte(in), &want32); err != nil || want32 != i32 {
				t.Fatalf("ReadInt32(%q) = %d, encoding/json %d, %v", in, i32, want32, err)
			}
		}
		sc = New(in)
		if sc.ReadBool(&b) && sc.End() {
			if err := stdjson.Unmarshal([]byte(in), &wantB); err != nil || wantB != b {
				t.Fatalf("ReadBool(%q) = %v, encoding/json %v, %v", in, b, wantB, err)
			}
		}
		sc = New(in)
		if sc.ReadString(&str) && sc.End() {
			if err := stdjson.Unmarshal([]byte(in), &wantStr); err != nil || wantStr != str {
				t.Fatalf("ReadString(%q) = %q, encoding/json %q, %v", in, str, wantStr, err)
			}
		}
		if v, ok := Unquote(in); ok {
			sc = New(in)
			if k, _, _ := sc.Value(); k == String && sc.End() {
				var want string
				if err := stdjson.Unmarshal([]byte(in), &want); err != nil || want != v {
					t.Fatalf("Unquote(%q) = %q, encoding/json %q, %v", in, v, want, err)
				}
			}
		}
	})
}

// FuzzPlainKeyName: PlainKeyName takes exactly the names Key reads as
// plain and PlainKey accepts, reading them alike.
func FuzzPlainKeyName(f *testing.F) {
	for _, s := range []string{`"a":1`, `"message_scene" : "g"`, `"x-y_1":`, `"A":1`, `"a\u0062":1`, `"中":1`, `"a"1`, `"a`, `"":1`, ` "a":`, `a:1`} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, in string) {
		a, b := New(in), New(in)
		key, ok := a.PlainKeyName()
		want, plain := b.Key()
		wantOK := !b.Failed() && plain && PlainKey(want)
		if ok != wantOK || (ok && (key != want || a.Pos() != b.Pos())) {
			t.Fatalf("PlainKeyName(%q) = %q, %v; Key %q, %v, failed %v", in, key, ok, want, plain, b.Failed())
		}
		if !ok && !a.Failed() {
			t.Fatalf("PlainKeyName(%q) declined without failing the scan", in)
		}
	})
}
