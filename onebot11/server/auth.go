package server

import (
	"crypto/hmac"
	"crypto/sha1"
	"encoding/hex"

	"github.com/valyala/fasthttp"

	"github.com/qqbridge/gateway/transport"
)

// authStatus returns 0 when r may proceed, else the HTTP status to refuse
// it with: 401 when no token was presented, 403 when every presented token
// is wrong. Bots present it as "Authorization: Bearer T" (the spec),
// "Authorization: Token T" (go-cqhttp) or "?access_token=T"; either
// matching is enough (transport.Token compares in constant time).
func (s *Server) authStatus(ctx *fasthttp.RequestCtx) int {
	switch s.auth.CheckRequest(ctx, true) {
	case transport.AuthOK:
		return 0
	case transport.AuthMissing:
		return fasthttp.StatusUnauthorized
	}
	return fasthttp.StatusForbidden
}

// signature is the X-Signature value of an HTTP POST body:
// "sha1=" + hex(HMAC-SHA1(secret, body)), over the exact bytes sent.
func signature(secret string, body []byte) string {
	m := hmac.New(sha1.New, []byte(secret))
	m.Write(body)
	return "sha1=" + hex.EncodeToString(m.Sum(nil))
}
