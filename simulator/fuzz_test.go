package simulator

import (
	"context"
	"errors"
	"testing"
	"time"

	"github.com/goccy/go-json"

	"github.com/qqbridge/gateway/internal/golden"
	"github.com/qqbridge/gateway/milky"
)

// FuzzHandleAPI: any body for any API is answered with data or a Milky
// error, never a panic or another error type; data always encodes.
func FuzzHandleAPI(f *testing.F) {
	s := New(Options{Now: func() time.Time { return testNow }})
	vars := goldenVars(s)
	s.Close()
	cases, err := golden.LoadAll("testdata/api")
	if err != nil {
		f.Fatal(err)
	}
	for _, c := range cases {
		for _, call := range parseCalls(c) {
			f.Add(call.api, []byte(expandLenient(call.body, vars)))
		}
	}
	f.Add("send_group_message", []byte(`{"group_id":1e400,"message":[{"type":"forward","data":{"messages":[{}]}}]}`))
	f.Add("get_history_messages", []byte(`{"message_scene":"group","peer_id":-0,"limit":9223372036854775808}`))
	f.Fuzz(func(t *testing.T, api string, body []byte) {
		s := New(Options{Now: func() time.Time { return testNow }})
		defer s.Close()
		data, err := s.HandleAPI(context.Background(), api, body)
		if err != nil {
			var ae *milky.APIError
			if !errors.As(err, &ae) && !errors.Is(err, milky.ErrUnknownAPI) {
				t.Fatalf("%s %q: error of type %T: %v", api, body, err, err)
			}
			if ae != nil && ae.Message == "" {
				t.Fatalf("%s %q: error without message", api, body)
			}
			return
		}
		if _, err := json.Marshal(data); err != nil {
			t.Fatalf("%s %q: data does not encode: %v", api, body, err)
		}
	})
}

// expandLenient substitutes $NAMES without a *testing.T.
func expandLenient(s string, vars [][2]string) string {
	return varRe.ReplaceAllStringFunc(s, func(name string) string {
		for _, kv := range vars {
			if kv[0] == name {
				return kv[1]
			}
		}
		return name
	})
}
