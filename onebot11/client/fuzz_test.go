package client

import (
	"errors"
	"strconv"
	"testing"

	"github.com/goccy/go-json"
	"github.com/qqbridge/gateway/onebot11"
)

// FuzzClassify feeds arbitrary frames to the router's parser: it must never
// panic, must classify consistently, and must turn every response into
// either data or a typed error.
func FuzzClassify(f *testing.F) {
	for _, s := range []string{
		`{"status":"ok","retcode":0,"data":{"user_id":1},"echo":"12"}`,
		`{"status":"ok","retcode":0,"data":null,"echo":12}`,
		`{"status":"failed","retcode":200,"data":null,"message":"m","wording":"w","echo":null}`,
		`{"status":"failed","retcode":"1404","msg":"x","echo":""}`,
		`{"retcode":0,"echo":"18446744073709551615"}`,
		`{"retcode":1.0,"echo":"99999999999999999999999"}`,
		`{"post_type":"message","message":[{"type":"text","data":{"text":"hi"}}],"message_id":1}`,
		`{"post_type":"message","message":"[CQ:face,id=1]","status":"x"}`,
		`{"post_type":"meta_event","meta_event_type":"heartbeat","interval":5000,"status":{"online":true,"good":true}}`,
		`{"post_type":"meta_event","meta_event_type":"lifecycle","sub_type":"connect"}`,
		`{"post_type":"notice","notice_type":"group_upload","echo":"3"}`,
		`{"foo":1}`, `[]`, `"x"`, `nul`, ``, ` {"status":"ok"} `, `{"status":{"online":false}}`,
	} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, raw []byte) {
		var fr frame
		kind, err := classify(raw, &fr)
		if err != nil {
			if kind != 0 {
				t.Fatalf("error with kind %d", kind)
			}
			return
		}
		switch kind {
		case kindEvent, kindMeta:
			if fr.PostType == "" {
				t.Fatal("event without post_type")
			}
			if kind == kindMeta {
				var c Client
				_ = c.onMeta(&fr)
			}
		case kindResponse:
			if fr.PostType != "" {
				t.Fatal("response with post_type")
			}
			if id, ok := parseEcho(fr.Echo); ok {
				// Our echo survives both forms an implementation may send back.
				s := strconv.FormatUint(id, 10)
				for _, e := range []string{s, `"` + s + `"`} {
					if got, ok := parseEcho(json.RawMessage(e)); !ok || got != id {
						t.Fatalf("echo %s -> %d %v, want %d", e, got, ok, id)
					}
				}
			}
			data, err := fr.outcome("a")
			var ae *onebot11.ActionError
			var ue *onebot11.UnavailableError
			if err != nil && !errors.As(err, &ae) && !errors.As(err, &ue) {
				t.Fatalf("untyped error %T", err)
			}
			if err == nil {
				var v any
				_ = decodeData("a", data, &v)
			}
			if ae != nil && len(ae.Message) > maxMessageLen {
				t.Fatal("unbounded message")
			}
		default:
			t.Fatalf("kind %d", kind)
		}
	})
}

// FuzzParseEcho: any echo text decodes or is refused, without panicking,
// and a decoded echo is exactly the digits given.
func FuzzParseEcho(f *testing.F) {
	for _, s := range []string{`"1"`, `1`, `""`, `"x1"`, `null`, `-1`, `1e3`, `"18446744073709551616"`, `"`} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, raw []byte) {
		id, ok := parseEcho(raw)
		if !ok {
			return
		}
		s := strconv.FormatUint(id, 10)
		if string(raw) != s && string(raw) != `"`+s+`"` {
			// Leading zeros are the only other accepted spelling.
			trim := string(raw)
			if trim[0] == '"' {
				trim = trim[1 : len(trim)-1]
			}
			for len(trim) > 1 && trim[0] == '0' {
				trim = trim[1:]
			}
			if trim != s {
				t.Fatalf("%q decoded as %d", raw, id)
			}
		}
	})
}
