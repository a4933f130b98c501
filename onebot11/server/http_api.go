package server

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"mime"
	"net"
	"net/http"
	"net/url"
	"os"
	"strings"
	"time"

	"github.com/goccy/go-json"
	"github.com/qqbridge/gateway/onebot11"
)

// The HTTP API: GET /ACTION?k=v, POST /ACTION with a JSON object or a form,
// and POST / with {"action","params"} (or a form with an "action" field).
// Form and query values become JSON strings in params; the lenient Params
// accessors read them as numbers and booleans.

func (s *Server) serveHTTP(w http.ResponseWriter, r *http.Request) {
	s.httpInFlight.Add(1)
	defer s.httpInFlight.Add(-1)

	if st := s.authStatus(r); st != 0 {
		s.writeEnvelope(w, st, authFailure(st), nil)
		return
	}
	if r.Method != http.MethodGet && r.Method != http.MethodPost {
		w.Header().Set("Allow", "GET, POST")
		s.writeEnvelope(w, http.StatusMethodNotAllowed, onebot11.Failed(onebot11.RetcodeBadRequest, "method not allowed: "+onebot11.Clip(r.Method)), nil)
		return
	}
	req, status, fail := s.readHTTPRequest(w, r)
	if fail != nil {
		s.writeEnvelope(w, status, fail, nil)
		return
	}
	if !s.beginAction() {
		s.writeEnvelope(w, http.StatusServiceUnavailable, shuttingDownResponse(), req.Echo)
		return
	}
	defer s.endAction()
	// A bot hanging up must not abort a half-done send; ActionTimeout bounds it.
	resp := s.dispatch(context.WithoutCancel(r.Context()), TransportHTTP, req.Action, req.Params)
	s.writeEnvelope(w, httpStatus(resp.Retcode), resp, req.Echo)
}

// readHTTPRequest turns the HTTP request into a Request. On failure it
// returns the HTTP status and the failure envelope.
func (s *Server) readHTTPRequest(w http.ResponseWriter, r *http.Request) (onebot11.Request, int, *onebot11.Response) {
	var req onebot11.Request
	action := strings.Trim(r.URL.Path, "/")
	if strings.Contains(action, "/") {
		return req, http.StatusNotFound, onebot11.Failed(onebot11.RetcodeNotFound, "unknown endpoint "+onebot11.Clip(r.URL.Path))
	}
	query := r.URL.Query()
	query.Del("access_token")

	if r.Method == http.MethodGet {
		if action == "" {
			action = query.Get("action")
			query.Del("action")
		}
		req.Action = action
		req.Params = formParams(query)
		return s.checkAction(req)
	}

	body, err := s.readBody(w, r)
	if err != nil {
		var tooBig *http.MaxBytesError
		if errors.As(err, &tooBig) {
			return req, http.StatusRequestEntityTooLarge, onebot11.Failed(onebot11.RetcodeBadRequest, "request body too large")
		}
		var ne net.Error
		if errors.As(err, &ne) && ne.Timeout() {
			if errors.Is(err, errBodyTooSlow) {
				return req, http.StatusRequestTimeout, onebot11.Failed(onebot11.RetcodeBadRequest, "request body not complete within "+s.cfg.BodyTimeout.String())
			}
			return req, http.StatusRequestTimeout, onebot11.Failed(onebot11.RetcodeBadRequest, "request body stalled: nothing received for "+s.cfg.ioIdleTimeout.String())
		}
		return req, http.StatusBadRequest, onebot11.Failed(onebot11.RetcodeBadRequest, "read body: "+onebot11.Clip(err.Error()))
	}
	kind, ok := bodyKind(r.Header.Get("Content-Type"), body)
	if !ok {
		return req, http.StatusNotAcceptable, onebot11.Failed(onebot11.RetcodeBadRequest, "unsupported Content-Type "+onebot11.Clip(r.Header.Get("Content-Type")))
	}
	switch kind {
	case "form":
		values, err := url.ParseQuery(string(body))
		if err != nil {
			return req, http.StatusBadRequest, onebot11.Failed(onebot11.RetcodeBadRequest, "invalid form body: "+onebot11.Clip(err.Error()))
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
				return req, http.StatusBadRequest, onebot11.Failed(onebot11.RetcodeBadRequest, "missing action")
			}
			if err := json.Unmarshal(body, &req); err != nil {
				return req, http.StatusBadRequest, onebot11.Failed(onebot11.RetcodeBadRequest, "invalid request body: "+jsonProblem(err))
			}
		} else {
			trimmed := bytes.TrimSpace(body)
			if bytes.Equal(trimmed, []byte("null")) {
				trimmed = nil
			}
			if len(trimmed) > 0 && trimmed[0] == '{' && !json.Valid(trimmed) {
				var m map[string]json.RawMessage
				err := json.Unmarshal(trimmed, &m)
				return req, http.StatusBadRequest, onebot11.Failed(onebot11.RetcodeBadRequest, "invalid request body: "+jsonProblem(err))
			}
			if len(trimmed) > 0 && trimmed[0] != '{' {
				return req, http.StatusBadRequest, onebot11.Failed(onebot11.RetcodeBadRequest, "request body must be a JSON object")
			}
			req.Action = action
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

// readBody reads the bounded body under two deadlines: an idle one that
// moves with every read, so a stalled body (slowloris) ends early, and a
// total one (BodyTimeout), so a body that trickles a byte at a time ends
// too. The deadline is cleared afterwards: net/http keeps the connection
// for the next request and its own idle read.
func (s *Server) readBody(w http.ResponseWriter, r *http.Request) ([]byte, error) {
	rc := http.NewResponseController(w)
	defer func() { _ = rc.SetReadDeadline(time.Time{}) }()
	body, err := io.ReadAll(&deadlineReader{
		r: http.MaxBytesReader(w, r.Body, s.cfg.MaxBodyBytes), rc: rc,
		idle: s.cfg.ioIdleTimeout, end: time.Now().Add(s.cfg.BodyTimeout),
	})
	if err != nil {
		// Otherwise net/http would try to read the rest of the body, with
		// no deadline, before sending our answer.
		w.Header().Set("Connection", "close")
	}
	return body, err
}

// errBodyTooSlow marks a read that hit the total body deadline (it is also
// a timeout, like the idle one it shares the error path with).
var errBodyTooSlow = fmt.Errorf("request body: %w", os.ErrDeadlineExceeded)

type deadlineReader struct {
	r    io.Reader
	rc   *http.ResponseController
	idle time.Duration
	end  time.Time // total deadline
}

func (r *deadlineReader) Read(p []byte) (int, error) {
	now := time.Now()
	if !now.Before(r.end) {
		return 0, errBodyTooSlow
	}
	d := now.Add(r.idle)
	if r.end.Before(d) {
		d = r.end
	}
	_ = r.rc.SetReadDeadline(d) // unsupported (tests' recorders): no deadline
	n, err := r.r.Read(p)
	if err != nil && !time.Now().Before(r.end) {
		var ne net.Error
		if errors.As(err, &ne) && ne.Timeout() {
			return n, errBodyTooSlow
		}
	}
	return n, err
}

func (s *Server) checkAction(req onebot11.Request) (onebot11.Request, int, *onebot11.Response) {
	if req.Action == "" {
		return req, http.StatusBadRequest, onebot11.Failed(onebot11.RetcodeBadRequest, "missing action")
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
	mt, _, err := mime.ParseMediaType(contentType)
	if err != nil {
		return "", false
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
		return http.StatusBadRequest
	case onebot11.RetcodeUnauthorized:
		return http.StatusUnauthorized
	case onebot11.RetcodeForbidden:
		return http.StatusForbidden
	case onebot11.RetcodeNotFound:
		return http.StatusNotFound
	}
	return http.StatusOK
}

func authFailure(status int) *onebot11.Response {
	if status == http.StatusUnauthorized {
		return onebot11.Failed(onebot11.RetcodeUnauthorized, "access token missing")
	}
	return onebot11.Failed(onebot11.RetcodeForbidden, "access token invalid")
}

func (s *Server) writeEnvelope(w http.ResponseWriter, status int, resp *onebot11.Response, echo json.RawMessage) {
	b := encodeResponse(resp, echo)
	w.Header().Set("Content-Type", "application/json; charset=utf-8")
	w.WriteHeader(status)
	// Written in chunks, each with its own deadline, then flushed: a bot
	// that stops reading frees this handler (and Shutdown's wait for it)
	// after ioIdleTimeout without progress, however large the reply. The
	// deadline is cleared for the connection's next request.
	rc := http.NewResponseController(w)
	defer func() { _ = rc.SetWriteDeadline(time.Time{}) }()
	const chunk = 64 << 10
	for len(b) > 0 {
		n := min(len(b), chunk)
		_ = rc.SetWriteDeadline(time.Now().Add(s.cfg.ioIdleTimeout))
		if _, err := w.Write(b[:n]); err != nil {
			return
		}
		b = b[n:]
	}
	_ = rc.SetWriteDeadline(time.Now().Add(s.cfg.ioIdleTimeout))
	_ = rc.Flush()
}
