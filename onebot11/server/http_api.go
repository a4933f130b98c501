package server

import (
	"bytes"
	"context"
	"errors"
	"mime"
	"net"
	"net/url"
	"strings"

	"github.com/goccy/go-json"
	"github.com/qqbridge/gateway/onebot11"
	"github.com/valyala/fasthttp"
)

// The HTTP API: GET /ACTION?k=v, POST /ACTION with a JSON object or a form,
// and POST / with {"action","params"} (or a form with an "action" field).
// Form and query values become JSON strings in params; the lenient Params
// accessors read them as numbers and booleans.

func (s *Server) serveHTTP(ctx *fasthttp.RequestCtx) {
	s.httpInFlight.Add(1)
	defer s.httpInFlight.Add(-1)

	if st := s.authStatus(ctx); st != 0 {
		s.writeEnvelope(ctx, st, authFailure(st), nil)
		return
	}
	if !ctx.IsGet() && !ctx.IsPost() {
		ctx.Response.Header.Set(fasthttp.HeaderAllow, "GET, POST")
		s.writeEnvelope(ctx, fasthttp.StatusMethodNotAllowed, onebot11.Failed(onebot11.RetcodeBadRequest, "method not allowed: "+onebot11.Clip(string(ctx.Method()))), nil)
		return
	}
	req, status, fail := s.readHTTPRequest(httpInput{
		post:        ctx.IsPost(),
		path:        string(ctx.Path()),
		query:       ctx.URI().QueryString(),
		contentType: string(ctx.Request.Header.ContentType()),
		body:        ctx.PostBody(),
	})
	if fail != nil {
		s.writeEnvelope(ctx, status, fail, nil)
		return
	}
	if !s.beginAction() {
		s.writeEnvelope(ctx, fasthttp.StatusServiceUnavailable, shuttingDownResponse(), req.Echo)
		return
	}
	defer s.endAction()
	// A bot hanging up must not abort a half-done send; ActionTimeout bounds it.
	resp := s.dispatch(context.Background(), TransportHTTP, req.Action, req.Params)
	s.writeEnvelope(ctx, httpStatus(resp.Retcode), resp, req.Echo)
}

// httpInput is what readHTTPRequest needs of a request; fasthttp has read
// the whole body already, within ReadTimeout and MaxRequestBodySize.
type httpInput struct {
	post        bool
	path        string // decoded
	query       []byte // raw query string
	contentType string
	body        []byte // valid only during the request
}

// readHTTPRequest turns the HTTP request into a Request. On failure it
// returns the HTTP status and the failure envelope.
func (s *Server) readHTTPRequest(in httpInput) (onebot11.Request, int, *onebot11.Response) {
	var req onebot11.Request
	action := strings.Trim(in.path, "/")
	if strings.Contains(action, "/") {
		return req, fasthttp.StatusNotFound, onebot11.Failed(onebot11.RetcodeNotFound, "unknown endpoint "+onebot11.Clip(in.path))
	}
	var query url.Values
	if len(in.query) > 0 {
		query, _ = url.ParseQuery(string(in.query)) // like net/http: bad pairs are skipped
		query.Del("access_token")
	}

	if !in.post {
		if action == "" {
			action = query.Get("action")
			query.Del("action")
		}
		req.Action = action
		req.Params = formParams(query)
		return s.checkAction(req)
	}

	body := in.body
	kind, ok := bodyKind(in.contentType, body)
	if !ok {
		return req, fasthttp.StatusNotAcceptable, onebot11.Failed(onebot11.RetcodeBadRequest, "unsupported Content-Type "+onebot11.Clip(in.contentType))
	}
	switch kind {
	case "form":
		values, err := url.ParseQuery(string(body))
		if err != nil {
			return req, fasthttp.StatusBadRequest, onebot11.Failed(onebot11.RetcodeBadRequest, "invalid form body: "+onebot11.Clip(err.Error()))
		}
		for k, v := range query {
			if _, dup := values[k]; !dup {
				values[k] = v
			}
		}
		if action == "" {
			action = values.Get("action")
			values.Del("action")
		}
		req.Action = action
		req.Params = formParams(values)
	case "json":
		if action == "" {
			if len(bytes.TrimSpace(body)) == 0 {
				return req, fasthttp.StatusBadRequest, onebot11.Failed(onebot11.RetcodeBadRequest, "missing action")
			}
			if err := json.Unmarshal(body, &req); err != nil {
				return req, fasthttp.StatusBadRequest, onebot11.Failed(onebot11.RetcodeBadRequest, "invalid request body: "+jsonProblem(err))
			}
		} else {
			trimmed := bytes.TrimSpace(body)
			if bytes.Equal(trimmed, []byte("null")) {
				trimmed = nil
			}
			if len(trimmed) > 0 && trimmed[0] == '{' && !json.Valid(trimmed) {
				var m map[string]json.RawMessage
				err := json.Unmarshal(trimmed, &m)
				return req, fasthttp.StatusBadRequest, onebot11.Failed(onebot11.RetcodeBadRequest, "invalid request body: "+jsonProblem(err))
			}
			if len(trimmed) > 0 && trimmed[0] != '{' {
				return req, fasthttp.StatusBadRequest, onebot11.Failed(onebot11.RetcodeBadRequest, "request body must be a JSON object")
			}
			req.Action = action
			// Params point into fasthttp's body buffer, valid until the
			// reply is written; an _async call, which outlives it, gets
			// its own copy from dispatch.
			req.Params = mergeQuery(trimmed, query)
		}
	default: // empty body
		req.Action = action
		if action == "" {
			req.Action = query.Get("action")
			query.Del("action")
		}
		req.Params = formParams(query)
	}
	return s.checkAction(req)
}

// requestError answers a request fasthttp could not read: over
// MaxBodyBytes (413), not complete within BodyTimeout (408), malformed
// (400). fasthttp closes the connection afterwards.
func (s *Server) requestError(ctx *fasthttp.RequestCtx, err error) {
	var netErr net.Error
	var small *fasthttp.ErrSmallBuffer
	switch {
	case errors.Is(err, fasthttp.ErrBodyTooLarge):
		s.writeEnvelope(ctx, fasthttp.StatusRequestEntityTooLarge, onebot11.Failed(onebot11.RetcodeBadRequest, "request body too large"), nil)
	case errors.As(err, &small):
		s.writeEnvelope(ctx, fasthttp.StatusRequestHeaderFieldsTooLarge, onebot11.Failed(onebot11.RetcodeBadRequest, "request header too large"), nil)
	case errors.As(err, &netErr) && netErr.Timeout():
		s.writeEnvelope(ctx, fasthttp.StatusRequestTimeout, onebot11.Failed(onebot11.RetcodeBadRequest, "request body not complete within "+s.cfg.BodyTimeout.String()), nil)
	default:
		s.writeEnvelope(ctx, fasthttp.StatusBadRequest, onebot11.Failed(onebot11.RetcodeBadRequest, "malformed request: "+onebot11.Clip(err.Error())), nil)
	}
}

func (s *Server) checkAction(req onebot11.Request) (onebot11.Request, int, *onebot11.Response) {
	if req.Action == "" {
		return req, fasthttp.StatusBadRequest, onebot11.Failed(onebot11.RetcodeBadRequest, "missing action")
	}
	return req, 0, nil
}

// jsonProblem says what is wrong with a JSON body that did not decode,
// naming a cut-off body as such (a client that gave up mid-write, a proxy
// limit) rather than as a wrong shape.
func jsonProblem(err error) string {
	if err == nil {
		return "not valid JSON"
	}
	if strings.Contains(err.Error(), "unexpected end of JSON input") {
		return "truncated JSON (the body ends before the value does)"
	}
	return onebot11.Clip(err.Error())
}

// bodyKind classifies a POST body: "json", "form" or "" (empty). Without a
// Content-Type (go-cqhttp's own clients and several bot frameworks send
// none) a body that is JSON, or starts like an object, is taken as JSON:
// null and a non-object then get the JSON errors, a cut-off object is
// reported as truncated. Anything else is refused as an unknown type.
func bodyKind(contentType string, body []byte) (string, bool) {
	empty := len(bytes.TrimSpace(body)) == 0
	if contentType == "" {
		if empty {
			return "", true
		}
		if b := bytes.TrimSpace(body); b[0] == '{' || json.Valid(b) {
			return "json", true
		}
		return "", false
	}
	var mt string
	if contentType == "application/json" || contentType == "application/json; charset=utf-8" {
		mt = "application/json" // what nearly every bot sends: no parse
	} else {
		var err error
		if mt, _, err = mime.ParseMediaType(contentType); err != nil {
			return "", false
		}
	}
	switch {
	case mt == "application/json" || mt == "text/json" || strings.HasSuffix(mt, "+json"):
		if empty {
			return "", true
		}
		return "json", true
	case mt == "application/x-www-form-urlencoded":
		return "form", true
	case mt == "text/plain" && empty:
		return "", true
	}
	return "", false
}

// formParams turns form/query values into a params object of JSON strings
// (first value per key). No values gives nil params.
func formParams(values url.Values) json.RawMessage {
	if len(values) == 0 {
		return nil
	}
	m := make(map[string]string, len(values))
	for k, v := range values {
		if len(v) > 0 {
			m[k] = v[0]
		}
	}
	b, err := json.Marshal(m)
	if err != nil {
		return nil
	}
	return b
}

// mergeQuery adds query values (other than access_token) to a JSON params
// object where the body does not already set them. Without extra query
// values the body is passed through untouched.
func mergeQuery(body []byte, query url.Values) json.RawMessage {
	if len(query) == 0 {
		if len(body) == 0 {
			return nil
		}
		return body
	}
	m := map[string]json.RawMessage{}
	if len(body) > 0 {
		if err := json.Unmarshal(body, &m); err != nil {
			return body
		}
	}
	for k, v := range query {
		if _, ok := m[k]; ok || len(v) == 0 {
			continue
		}
		s, _ := json.Marshal(v[0])
		m[k] = s
	}
	b, err := json.Marshal(m)
	if err != nil {
		return body
	}
	return b
}

// httpStatus maps a reply's retcode to the HTTP status: the spec's error
// statuses for 1400/1401/1403/1404, 200 for everything else (including
// failed actions).
func httpStatus(retcode int) int {
	switch retcode {
	case onebot11.RetcodeBadRequest:
		return fasthttp.StatusBadRequest
	case onebot11.RetcodeUnauthorized:
		return fasthttp.StatusUnauthorized
	case onebot11.RetcodeForbidden:
		return fasthttp.StatusForbidden
	case onebot11.RetcodeNotFound:
		return fasthttp.StatusNotFound
	}
	return fasthttp.StatusOK
}

func authFailure(status int) *onebot11.Response {
	if status == fasthttp.StatusUnauthorized {
		return onebot11.Failed(onebot11.RetcodeUnauthorized, "access token missing")
	}
	return onebot11.Failed(onebot11.RetcodeForbidden, "access token invalid")
}

func (s *Server) writeEnvelope(ctx *fasthttp.RequestCtx, status int, resp *onebot11.Response, echo json.RawMessage) {
	ctx.SetStatusCode(status)
	ctx.SetContentType("application/json; charset=utf-8")
	// The encoded reply is ours alone: fasthttp may send it without a copy.
	// WriteTimeout bounds sending it to a bot that does not read.
	ctx.Response.SetBodyRaw(encodeResponse(resp, echo))
}
