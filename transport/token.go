package transport

import (
	"crypto/sha256"
	"crypto/subtle"
	"strings"
)

// AuthResult is the outcome of a token check.
type AuthResult int

const (
	AuthOK      AuthResult = iota
	AuthMissing            // no token presented (HTTP 401)
	AuthWrong              // every presented token is wrong (401 or 403, per protocol)
)

// Token checks a presented access token against the configured one. Both
// are compared as SHA-256 digests in constant time, so neither the token's
// content nor its length leaks by timing. The zero Token (or NewToken(""))
// allows everything.
type Token struct {
	set bool
	sum [32]byte
}

// NewToken configures the expected token; "" means no auth.
func NewToken(token string) Token {
	if token == "" {
		return Token{}
	}
	return Token{set: true, sum: sha256.Sum256([]byte(token))}
}

// Required reports whether a token is configured.
func (t Token) Required() bool { return t.set }

// Match reports whether presented is the configured token (true when none
// is configured).
func (t Token) Match(presented string) bool {
	if !t.set {
		return true
	}
	got := sha256.Sum256([]byte(presented))
	return subtle.ConstantTimeCompare(got[:], t.sum[:]) == 1
}

// Check judges a request given its Authorization header value and its
// access_token query value ("" when absent or not accepted by the
// protocol). Either matching is enough.
func (t Token) Check(authorization, query string) AuthResult {
	if !t.set {
		return AuthOK
	}
	presented := false
	if tok, ok := TokenFromHeader(authorization); ok {
		presented = true
		if t.Match(tok) {
			return AuthOK
		}
	}
	if query != "" {
		presented = true
		if t.Match(query) {
			return AuthOK
		}
	}
	if !presented {
		return AuthMissing
	}
	return AuthWrong
}

// TokenFromHeader extracts the token from an Authorization header value.
// "Bearer T" (OneBot 11 and Milky), "Token T" (go-cqhttp) and any other
// scheme word yield T; a bare value without a scheme is the token itself.
// An empty value or a scheme with no token reports ok=false.
func TokenFromHeader(v string) (token string, ok bool) {
	v = strings.TrimSpace(v)
	if v == "" {
		return "", false
	}
	i := strings.IndexAny(v, " \t")
	if i < 0 {
		if strings.EqualFold(v, "Bearer") || strings.EqualFold(v, "Token") {
			return "", false
		}
		return v, true
	}
	token = strings.TrimSpace(v[i+1:])
	return token, token != ""
}
