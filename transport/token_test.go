package transport

import (
	"net"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"github.com/valyala/fasthttp"
)

func TestTokenCheck(t *testing.T) {
	open := NewToken("")
	assert.False(t, open.Required())
	assert.Equal(t, AuthOK, open.Check("", ""))

	tk := NewToken("s3cret")
	cases := []struct {
		header, query string
		want          AuthResult
	}{
		{"Bearer s3cret", "", AuthOK},
		{"bearer  s3cret ", "", AuthOK},
		{"Token s3cret", "", AuthOK},
		{"s3cret", "", AuthOK},
		{"", "s3cret", AuthOK},
		{"Bearer wrong", "s3cret", AuthOK},
		{"", "", AuthMissing},
		{"Bearer", "", AuthMissing},
		{"Bearer ", "", AuthMissing},
		{"Bearer wrong", "", AuthWrong},
		{"", "s3cre", AuthWrong},
	}
	for _, c := range cases {
		assert.Equal(t, c.want, tk.Check(c.header, c.query), "header %q query %q", c.header, c.query)
	}
}

func TestTokenCheckRequest(t *testing.T) {
	tk := NewToken("k")
	var got []AuthResult
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	require.NoError(t, err)
	srv := &fasthttp.Server{Handler: func(ctx *fasthttp.RequestCtx) {
		got = append(got, tk.CheckRequest(ctx, string(ctx.Path()) == "/q"))
	}}
	go func() { _ = srv.Serve(ln) }()
	defer func() { _ = srv.Shutdown() }()
	do := func(path, auth string) {
		req, resp := fasthttp.AcquireRequest(), fasthttp.AcquireResponse()
		defer fasthttp.ReleaseRequest(req)
		defer fasthttp.ReleaseResponse(resp)
		req.SetRequestURI("http://" + ln.Addr().String() + path)
		if auth != "" {
			req.Header.Set("Authorization", auth)
		}
		require.NoError(t, fasthttp.Do(req, resp))
	}
	do("/q?access_token=k", "")
	do("/h?access_token=k", "")
	do("/h", "Bearer k")
	assert.Equal(t, []AuthResult{AuthOK, AuthMissing, AuthOK}, got)
}
