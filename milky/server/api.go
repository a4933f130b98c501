package server

import (
	"bytes"
	"errors"
	"time"

	"github.com/qqbridge/gateway/internal/conformance"

	"github.com/goccy/go-json"
	"github.com/valyala/fasthttp"

	"github.com/qqbridge/gateway/milky"
	"github.com/qqbridge/gateway/transport"
)

const (
	apiPrefix  = "/api/"
	maxAPIName = 64 // the longest Milky 1.2 name is 31 bytes
)

var (
	emptyObject = []byte("{}")
	okPrefix    = []byte(`{"status":"ok","retcode":0,"data":`)
)

type failedEnvelope struct {
	Status  string `json:"status"`
	Retcode int    `json:"retcode"`
	Message string `json:"message"`
}

// serveAPI answers POST /api/:api. HTTP statuses follow the spec: 401 bad
// or missing token, 404 unknown API, 415 not JSON, else 200 with the
// envelope. Beyond the spec: 405 for another method, 413 for a body over
// MaxBodyBytes.
func (s *Server) serveAPI(ctx *fasthttp.RequestCtx, name []byte) {
	start := time.Now()
	status, retcode, api := s.answerAPI(ctx, name)
	s.obs.APICall(api, status, retcode, time.Since(start).Seconds())
}

func (s *Server) answerAPI(ctx *fasthttp.RequestCtx, name []byte) (status, retcode int, api string) {
	if !ctx.IsPost() {
		ctx.Response.Header.Set(fasthttp.HeaderAllow, fasthttp.MethodPost)
		ctx.Error("method not allowed: use POST", fasthttp.StatusMethodNotAllowed)
		return fasthttp.StatusMethodNotAllowed, 0, ""
	}
	// The spec defines only the header for /api; no ?access_token= here.
	if s.token.Required() && s.token.CheckRequest(ctx, false) != transport.AuthOK {
		ctx.Error("unauthorized", fasthttp.StatusUnauthorized)
		return fasthttp.StatusUnauthorized, 0, ""
	}
	if !isJSONContentType(ctx.Request.Header.ContentType()) {
		ctx.Error("Content-Type must be application/json", fasthttp.StatusUnsupportedMediaType)
		return fasthttp.StatusUnsupportedMediaType, 0, ""
	}
	if !validAPIName(name) {
		ctx.Error("unknown api", fasthttp.StatusNotFound)
		return fasthttp.StatusNotFound, 0, ""
	}
	body := ctx.Request.Body()
	if len(body) > s.cfg.MaxBodyBytes { // Serve's server refuses earlier; Handler on another may not
		ctx.Error("request body too large", fasthttp.StatusRequestEntityTooLarge)
		return fasthttp.StatusRequestEntityTooLarge, 0, ""
	}
	api = string(name)
	if msg := checkBody(body); msg != "" {
		s.writeFailed(ctx, api, milky.RetcodeBadParam, msg)
		return fasthttp.StatusOK, milky.RetcodeBadParam, api
	}
	if len(bytes.TrimSpace(body)) == 0 {
		// The spec asks clients to send {} for an API without input;
		// an empty body means the same and costs nobody anything.
		body = emptyObject
	}
	data, err := s.call(api, body)
	if err != nil {
		return s.writeError(ctx, api, err)
	}
	return s.writeOK(ctx, api, data)
}

// call runs the handler, turning a panic into a failed call: one bad
// request must not take the server down.
func (s *Server) call(api string, body []byte) (data any, err error) {
	if s.cfg.API == nil {
		return nil, milky.ErrUnknownAPI
	}
	defer func() {
		if p := recover(); p != nil {
			s.log.Error("milky api handler panicked", "api", api, "panic", p)
			data, err = nil, &milky.APIError{API: api, Retcode: -500, Message: "internal error"}
		}
	}()
	return s.cfg.API.HandleAPI(s.base, api, body)
}

func (s *Server) writeOK(ctx *fasthttp.RequestCtx, api string, data any) (int, int, string) {
	raw := emptyObject
	if data != nil {
		b, err := json.Marshal(data)
		if err != nil {
			s.log.Error("milky api: encode response", "api", api, "err", err)
			s.writeFailed(ctx, api, -500, "encode response: "+err.Error())
			return fasthttp.StatusOK, -500, api
		}
		// "data must still be {}" for an API without output (null is not).
		if !bytes.Equal(b, []byte("null")) {
			raw = b
		}
	}
	ctx.SetContentType("application/json; charset=utf-8")
	ctx.Response.AppendBody(okPrefix)
	ctx.Response.AppendBody(raw)
	ctx.Response.AppendBodyString("}")
	if conformance.Enabled() {
		conformance.Log(conformance.Response, api, ctx.Response.Body())
	}
	return fasthttp.StatusOK, 0, api
}

func (s *Server) writeError(ctx *fasthttp.RequestCtx, api string, err error) (int, int, string) {
	if errors.Is(err, milky.ErrUnknownAPI) {
		ctx.Error("unknown api", fasthttp.StatusNotFound)
		return fasthttp.StatusNotFound, 0, ""
	}
	var ae *milky.APIError
	if errors.As(err, &ae) {
		if ae.HTTPStatus != 0 && ae.HTTPStatus != fasthttp.StatusOK {
			ctx.Error(ae.Message, ae.HTTPStatus)
			return ae.HTTPStatus, 0, api
		}
		code := ae.Retcode
		if code == 0 {
			code = -500 // "failed" with retcode 0 would contradict itself
		}
		s.writeFailed(ctx, api, code, ae.Message)
		return fasthttp.StatusOK, code, api
	}
	s.writeFailed(ctx, api, -500, err.Error())
	return fasthttp.StatusOK, -500, api
}

func (s *Server) writeFailed(ctx *fasthttp.RequestCtx, api string, retcode int, msg string) {
	b, _ := json.Marshal(failedEnvelope{"failed", retcode, msg}) // fixed types: cannot fail
	ctx.SetContentType("application/json; charset=utf-8")
	ctx.SetBody(b)
	if conformance.Enabled() {
		conformance.Log(conformance.Response, api, b)
	}
}

// isJSONContentType accepts "application/json" with any parameters and in
// any case; anything else (including none) is 415 per the spec.
func isJSONContentType(ct []byte) bool {
	const want = "application/json"
	ct = bytes.TrimSpace(ct)
	if len(ct) < len(want) || !bytes.EqualFold(ct[:len(want)], []byte(want)) {
		return false
	}
	rest := bytes.TrimSpace(ct[len(want):])
	return len(rest) == 0 || rest[0] == ';'
}

// validAPIName: Milky names are snake_case ASCII. Anything else cannot be
// an API, so it is 404 without reaching the handler or any label.
func validAPIName(name []byte) bool {
	if len(name) == 0 || len(name) > maxAPIName {
		return false
	}
	for _, c := range name {
		if (c < 'a' || c > 'z') && (c < '0' || c > '9') && c != '_' {
			return false
		}
	}
	return true
}

// checkBody returns "" for an empty body or a JSON object, else the -400
// message. Handlers decode fields and name a bad one themselves; this
// catches what would otherwise reach them as a decode error of unknown kind.
func checkBody(body []byte) string {
	t := bytes.TrimSpace(body)
	if len(t) == 0 {
		return ""
	}
	if t[0] != '{' {
		return "request body: must be a JSON object"
	}
	if !json.Valid(t) {
		return "request body: invalid JSON"
	}
	return ""
}
