package server

import (
	"crypto/hmac"
	"crypto/sha1"
	"crypto/sha256"
	"crypto/subtle"
	"encoding/hex"
	"net/http"
	"strings"
)

// tokenChecker verifies the downstream access token. Bots present it as
// "Authorization: Bearer T" (the spec), "Authorization: Token T" (what
// go-cqhttp sends) or "?access_token=T". Tokens are compared as SHA-256
// digests in constant time, so neither content nor length leaks by timing.
type tokenChecker struct {
	open bool     // no token configured: everything is allowed
	sum  [32]byte // sha256 of the configured token
}

func newTokenChecker(token string) tokenChecker {
	if token == "" {
		return tokenChecker{open: true}
	}
	return tokenChecker{sum: sha256.Sum256([]byte(token))}
}

func (c tokenChecker) matches(presented string) bool {
	got := sha256.Sum256([]byte(presented))
	return subtle.ConstantTimeCompare(got[:], c.sum[:]) == 1
}

// check returns 0 when r may proceed, else the HTTP status to refuse it with:
// 401 when no token was presented, 403 when every presented token is wrong.
// A request may carry both a header and a query token; either matching is
// enough (clients that cannot set headers add the query form on top of a
// proxy's header).
func (c tokenChecker) check(r *http.Request) int {
	if c.open {
		return 0
	}
	presented := false
	if tok, ok := tokenFromHeader(r.Header.Get("Authorization")); ok {
		presented = true
		if c.matches(tok) {
			return 0
		}
	}
	if tok := r.URL.Query().Get("access_token"); tok != "" {
		presented = true
		if c.matches(tok) {
			return 0
		}
	}
	if !presented {
		return http.StatusUnauthorized
	}
	return http.StatusForbidden
}

// tokenFromHeader extracts the token from an Authorization header value. The
// scheme word is ignored, as go-cqhttp does, so "Bearer T", "Token T" and
// "bearer T" all yield T; a value without any scheme is the token itself.
// An empty value or a scheme with no token reports ok=false (treated as no
// token: 401).
func tokenFromHeader(v string) (token string, ok bool) {
	v = strings.TrimSpace(v)
	if v == "" {
		return "", false
	}
	i := strings.IndexAny(v, " \t")
	if i < 0 {
		if isAuthScheme(v) {
			return "", false
		}
		return v, true
	}
	token = strings.TrimSpace(v[i+1:])
	return token, token != ""
}

func isAuthScheme(s string) bool {
	return strings.EqualFold(s, "Bearer") || strings.EqualFold(s, "Token")
}

// signature is the X-Signature value of an HTTP POST body:
// "sha1=" + hex(HMAC-SHA1(secret, body)), over the exact bytes sent.
func signature(secret string, body []byte) string {
	m := hmac.New(sha1.New, []byte(secret))
	m.Write(body)
	return "sha1=" + hex.EncodeToString(m.Sum(nil))
}
