package transport

import "github.com/valyala/fasthttp"

// CheckRequest runs t.Check on a fasthttp request: the Authorization
// header, plus ?access_token= when allowQuery (protocols that document the
// query form only for some endpoints pass false elsewhere).
func (t Token) CheckRequest(ctx *fasthttp.RequestCtx, allowQuery bool) AuthResult {
	if !t.set {
		return AuthOK
	}
	var q string
	if allowQuery {
		q = string(ctx.QueryArgs().Peek("access_token"))
	}
	return t.Check(string(ctx.Request.Header.Peek(fasthttp.HeaderAuthorization)), q)
}
