package client

import (
	"bytes"
	"errors"
	"fmt"
	"strconv"
	"strings"

	"github.com/goccy/go-json"

	"github.com/qqbridge/gateway/internal/jsonscan"
	"github.com/qqbridge/gateway/onebot11"
)

// frame is the part of an incoming frame (WebSocket message or HTTP body)
// the client needs to route it: responses carry echo/status/retcode/data,
// events carry post_type (and meta events their lifecycle/heartbeat fields).
// Fields whose JSON type differs between the two kinds (status is a string
// in a response but an object in a heartbeat; message is text in a
// response but segments in a message event) stay raw and are read lazily.
type frame struct {
	PostType      string          `json:"post_type"`
	Echo          json.RawMessage `json:"echo"`
	Status        json.RawMessage `json:"status"`
	Retcode       json.RawMessage `json:"retcode"`
	Data          json.RawMessage `json:"data"`
	Message       json.RawMessage `json:"message"`
	Wording       json.RawMessage `json:"wording"`
	Msg           json.RawMessage `json:"msg"`
	MetaEventType string          `json:"meta_event_type"`
	SubType       json.RawMessage `json:"sub_type"`
	Interval      json.RawMessage `json:"interval"`
}

type frameKind int

const (
	kindResponse frameKind = iota + 1 // an action reply (echo may be absent: then it matches nothing)
	kindEvent                         // post_type other than meta_event
	kindMeta                          // post_type meta_event
)

// maxEchoLen bounds an echo we try to decode; ours are at most 20 digits.
const maxEchoLen = 64

// classify parses raw and says what it is. The frame's raw fields are
// sub-slices of raw: f is valid only as long as raw is. An error names why the frame is
// neither a response nor an event; the caller counts and skips it.
func classify(raw []byte, f *frame) (frameKind, error) {
	*f = frame{}
	t := bytes.TrimLeft(raw, " \t\r\n")
	if len(t) == 0 || t[0] != '{' {
		return 0, errors.New("not a JSON object")
	}
	if !scanFrame(raw, f) {
		*f = frame{}
		if err := json.Unmarshal(raw, f); err != nil {
			return 0, fmt.Errorf("bad JSON: %s", clipErr(err))
		}
	}
	switch {
	case f.PostType == onebot11.PostMetaEvent:
		return kindMeta, nil
	case f.PostType != "":
		return kindEvent, nil
	case present(f.Echo) || present(f.Status) || present(f.Retcode):
		return kindResponse, nil
	}
	return 0, errors.New("neither a response (echo, status, retcode) nor an event (post_type)")
}

func present(r json.RawMessage) bool { return len(r) > 0 && !bytes.Equal(r, []byte("null")) }

// parseEcho decodes the echo of a reply to one of our calls. We send the
// echo as a JSON string of decimal digits; implementations send it back as
// that string or, when they coerce it, as a number. Anything else is not ours.
func parseEcho(r json.RawMessage) (uint64, bool) {
	if len(r) == 0 || len(r) > maxEchoLen {
		return 0, false
	}
	if r[0] == '"' {
		if len(r) < 3 || r[len(r)-1] != '"' {
			return 0, false
		}
		r = r[1 : len(r)-1]
	}
	for _, c := range r {
		if c < '0' || c > '9' {
			return 0, false
		}
	}
	n, err := strconv.ParseUint(string(r), 10, 64)
	return n, err == nil
}

// jsonString returns r as a string when it is a JSON string, else "".
func jsonString(r json.RawMessage) string {
	if len(r) < 2 || r[0] != '"' {
		return ""
	}
	var s string
	if json.Unmarshal(r, &s) != nil {
		return ""
	}
	return s
}

// jsonInt reads a JSON number or a string holding one (implementations
// disagree); ok is false when r is absent or something else.
func jsonInt(r json.RawMessage) (int64, bool) {
	if len(r) == 0 {
		return 0, false
	}
	if r[0] == '"' {
		s := jsonString(r)
		n, err := strconv.ParseInt(s, 10, 64)
		return n, err == nil
	}
	n, err := strconv.ParseInt(string(r), 10, 64)
	if err != nil {
		f, ferr := strconv.ParseFloat(string(r), 64)
		if ferr != nil || f != float64(int64(f)) {
			return 0, false
		}
		return int64(f), true
	}
	return n, true
}

// maxMessageLen bounds the error text copied from an envelope.
const maxMessageLen = 512

// outcome turns a response envelope into its data or the typed error.
// Success is status "ok" (or "async") with retcode 0 or 1 (1 = queued by an
// _async action); "failed", or any other retcode, is an ActionError whose
// message is the first of message, wording and msg that is filled (LLOneBot
// fills message and wording, go-cqhttp msg and wording). A frame with
// neither a status nor a retcode is not an envelope at all.
func (f *frame) outcome(action string) (json.RawMessage, error) {
	status := jsonString(f.Status)
	code, hasCode := jsonInt(f.Retcode)
	if status == "" && !hasCode {
		return nil, &onebot11.UnavailableError{Action: action, Err: errors.New("bad response envelope: no status or retcode")}
	}
	failed := status == "failed" || (hasCode && code != onebot11.RetcodeOK && code != onebot11.RetcodeAsync)
	if !failed && status != "" && status != "ok" && status != "async" {
		return nil, &onebot11.UnavailableError{Action: action, Err: fmt.Errorf("bad response envelope: status %q", clip([]byte(status), 64))}
	}
	if failed {
		return nil, &onebot11.ActionError{Action: action, Retcode: int(code), Message: f.message()}
	}
	return f.Data, nil
}

func (f *frame) message() string {
	for _, r := range []json.RawMessage{f.Message, f.Wording, f.Msg} {
		if s := jsonString(r); s != "" {
			return clip([]byte(s), maxMessageLen)
		}
	}
	return ""
}

// decodeData decodes an envelope's data into resp (nil, absent or null data
// leaves resp untouched).
func decodeData(action string, data json.RawMessage, resp any) error {
	if resp == nil || !present(data) {
		return nil
	}
	if err := json.Unmarshal(data, resp); err != nil {
		return &onebot11.UnavailableError{Action: action, Err: fmt.Errorf("bad response data: %s", clipErr(err))}
	}
	return nil
}

func clip(b []byte, n int) string {
	if len(b) > n {
		b = b[:n]
	}
	return string(bytes.ToValidUTF8(b, []byte("?")))
}

// clipErr bounds a decoder error, which may quote the input.
func clipErr(err error) string { return clip([]byte(err.Error()), 200) }

// scanFrame fills f in one validating pass over raw, without copies (the
// raw fields alias raw; known post and meta types are the constants). It
// returns false, leaving the frame to the general decoder, for anything it
// does not judge itself: invalid JSON, escaped or case-folded keys, a
// post_type or meta_event_type that is not a plain string.
func scanFrame(raw []byte, f *frame) bool {
	s := jsonscan.NewBytes(raw) // read in place: nothing below keeps its strings
	if !s.Open(jsonscan.Object) {
		return false
	}
	for first := true; s.More(first); first = false {
		key, plain := s.PlainKeyName()
		if !plain {
			return false
		}
		var dst *json.RawMessage
		switch key {
		case "post_type", "meta_event_type":
			k, v, esc := s.Value()
			if k != jsonscan.String || esc {
				return false
			}
			if key[0] == 'p' {
				f.PostType = internType(v[1 : len(v)-1])
			} else {
				f.MetaEventType = internType(v[1 : len(v)-1])
			}
			continue
		case "echo":
			dst = &f.Echo
		case "status":
			dst = &f.Status
		case "retcode":
			dst = &f.Retcode
		case "data":
			dst = &f.Data
		case "message":
			dst = &f.Message
		case "wording":
			dst = &f.Wording
		case "msg":
			dst = &f.Msg
		case "sub_type":
			dst = &f.SubType
		case "interval":
			dst = &f.Interval
		default:
			if !s.SkipMember() {
				return false
			}
			continue
		}
		start := s.Pos()
		if _, v, _ := s.Value(); !s.Failed() {
			end := start + len(v)
			*dst = json.RawMessage(raw[start:end:end])
		}
	}
	return !s.Failed() && s.End()
}

// internType is the constant for a known post or meta type, so routing a
// frame allocates nothing.
func internType(v string) string {
	for _, t := range [...]string{onebot11.PostMessage, onebot11.PostNotice, onebot11.PostRequest, onebot11.PostMetaEvent,
		onebot11.PostMessageSent, "heartbeat", "lifecycle"} {
		if v == t {
			return t
		}
	}
	return strings.Clone(v) // v aliases the frame buffer
}
