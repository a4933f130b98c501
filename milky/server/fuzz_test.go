package server

import (
	"testing"

	"github.com/goccy/go-json"
	"github.com/valyala/fasthttp"
)

// FuzzAPIRequest drives the whole /api surface (path, Content-Type, token,
// body) in-process: whatever comes in, the answer is one of the statuses
// the server may give, and a 200 is a well-formed envelope.
func FuzzAPIRequest(f *testing.F) {
	f.Add("/api/get_login_info", "application/json", "Bearer k", []byte(`{}`))
	f.Add("/api/echo", "application/json; charset=utf-8", "Bearer k", []byte(`{"a":[1,{"b":null}]}`))
	f.Add("/api/echo", "application/json", "Bearer k", []byte(``))
	f.Add("/api/get_user_profile", "application/json", "Bearer k", []byte(`{"user_id":-1}`))
	f.Add("/api/get_user_profile", "application/json", "Token k", []byte(`{"user_id":`))
	f.Add("/api/panics", "application/json", "k", []byte(`[]`))
	f.Add("/api/no_such", "text/plain", "", []byte(`{}`))
	f.Add("/api/", "application/json", "Bearer k", []byte(`{}`))
	f.Add("/api/a%2Fb", "APPLICATION/JSON", "Bearer wrong", []byte("\x00\xff"))
	f.Add("/event", "", "Bearer k", []byte(``))
	s := New(Config{Token: "k", API: &fakeAPI{}, Logger: quietLogger(), MaxBodyBytes: 1 << 16})
	h := s.Handler()
	f.Fuzz(func(t *testing.T, path, contentType, auth string, body []byte) {
		var req fasthttp.Request
		req.Header.SetMethod(fasthttp.MethodPost)
		req.SetRequestURI(path)
		req.Header.SetContentType(contentType)
		req.Header.Set(fasthttp.HeaderAuthorization, auth)
		req.SetBody(body)
		var ctx fasthttp.RequestCtx
		ctx.Init(&req, nil, nil)
		if string(ctx.Path()) == "/event" {
			return // a stream, not a request/response exchange
		}
		h(&ctx)
		code := ctx.Response.StatusCode()
		switch code {
		case 401, 404, 405, 413, 415:
			return
		case 200:
		default:
			t.Fatalf("status %d for %q", code, path)
		}
		var env struct {
			Status  string          `json:"status"`
			Retcode *int            `json:"retcode"`
			Data    json.RawMessage `json:"data"`
			Message *string         `json:"message"`
		}
		if err := json.Unmarshal(ctx.Response.Body(), &env); err != nil {
			t.Fatalf("200 body is not JSON: %v: %q", err, ctx.Response.Body())
		}
		switch {
		case env.Retcode == nil:
			t.Fatalf("no retcode: %s", ctx.Response.Body())
		case env.Status == "ok" && (*env.Retcode != 0 || len(env.Data) == 0 || env.Data[0] != '{'):
			t.Fatalf("bad ok envelope: %s", ctx.Response.Body())
		case env.Status == "failed" && (*env.Retcode == 0 || env.Message == nil):
			t.Fatalf("bad failed envelope: %s", ctx.Response.Body())
		case env.Status != "ok" && env.Status != "failed":
			t.Fatalf("bad status: %s", ctx.Response.Body())
		}
	})
}
