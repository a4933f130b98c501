package milky

import (
	"bytes"
	"errors"
	"strconv"

	"github.com/goccy/go-json"
)

// Decoding of outgoing segments, for the side that serves Milky to bots: a
// bot's send_*_message body arrives as JSON and the gateway needs each
// segment's data as the typed Outgoing* struct of its kind. Validation
// follows @saltify/milky-types 1.2.2: required fields must be present with
// the right JSON type, uins must be in 10001..4294967295, image sub_type is
// normal or sticker; defaults (face is_large, image sub_type) are applied.
// An unknown segment type is an error naming the type: outgoing segments are
// a request struct, so the compatibility rule for unknown union members does
// not apply. Every error is bounded (echoed input is cut to 48 bytes).

// MaxOutgoingDepth bounds forward nesting (forward → messages → segments →
// forward …) so that a hostile body cannot drive recursion without limit.
const MaxOutgoingDepth = 32

// SegmentError is a decode failure of one outgoing segment. Field is the
// path inside the segment ("data.user_id", "data.messages[0].segments[1].type").
type SegmentError struct {
	Field  string
	Reason string
}

func (e *SegmentError) Error() string { return e.Field + ": " + e.Reason }

type outgoingWire struct {
	Type *string         `json:"type"`
	Data json.RawMessage `json:"data"`
}

// UnmarshalJSON decodes one outgoing segment into its typed data struct.
func (s *OutgoingSegment) UnmarshalJSON(b []byte) error {
	if depth := jsonDepth(b); depth > 5*MaxOutgoingDepth+4 {
		// One forward level is five JSON levels (segment, data, messages,
		// message, segments); checked before recursing so a deep body is
		// rejected at the outermost segment.
		return &SegmentError{Field: "data", Reason: "forward nesting too deep"}
	}
	var w outgoingWire
	if err := json.Unmarshal(b, &w); err != nil {
		return &SegmentError{Field: "segment", Reason: "want an object {type, data}"}
	}
	if w.Type == nil {
		return &SegmentError{Field: "type", Reason: "required"}
	}
	data := bytes.TrimSpace(w.Data)
	if len(data) == 0 || bytes.Equal(data, []byte("null")) {
		return &SegmentError{Field: "data", Reason: "required"}
	}
	if data[0] != '{' {
		return &SegmentError{Field: "data", Reason: "want an object"}
	}
	d, err := decodeOutgoingData(*w.Type, data)
	if err != nil {
		return err
	}
	s.Type, s.Data = *w.Type, d
	return nil
}

func decodeOutgoingData(typ string, data []byte) (any, error) {
	switch typ {
	case SegText:
		var v struct {
			Text *string `json:"text"`
		}
		if err := decodeData(data, &v); err != nil {
			return nil, err
		}
		if v.Text == nil {
			return nil, required("data.text")
		}
		return OutgoingText{Text: *v.Text}, nil
	case SegMention:
		var v struct {
			UserID json.RawMessage `json:"user_id"`
		}
		if err := decodeData(data, &v); err != nil {
			return nil, err
		}
		uid, err := uinField("data.user_id", v.UserID)
		if err != nil {
			return nil, err
		}
		return OutgoingMention{UserID: uid}, nil
	case SegMentionAll:
		return OutgoingMentionAll{}, nil
	case SegFace:
		var v struct {
			FaceID  *string `json:"face_id"`
			IsLarge *bool   `json:"is_large"`
		}
		if err := decodeData(data, &v); err != nil {
			return nil, err
		}
		if v.FaceID == nil {
			return nil, required("data.face_id")
		}
		return OutgoingFace{FaceID: *v.FaceID, IsLarge: v.IsLarge != nil && *v.IsLarge}, nil
	case SegReply:
		var v struct {
			MessageSeq json.RawMessage `json:"message_seq"`
		}
		if err := decodeData(data, &v); err != nil {
			return nil, err
		}
		seq, err := intField("data.message_seq", v.MessageSeq)
		if err != nil {
			return nil, err
		}
		if seq < 0 {
			return nil, &SegmentError{Field: "data.message_seq", Reason: "must not be negative"}
		}
		return OutgoingReply{MessageSeq: seq}, nil
	case SegImage:
		var v struct {
			URI     *string `json:"uri"`
			SubType *string `json:"sub_type"`
			Summary *string `json:"summary"`
		}
		if err := decodeData(data, &v); err != nil {
			return nil, err
		}
		if v.URI == nil {
			return nil, required("data.uri")
		}
		sub := "normal"
		if v.SubType != nil {
			if *v.SubType != "normal" && *v.SubType != "sticker" {
				return nil, &SegmentError{Field: "data.sub_type", Reason: "want normal or sticker, got " + quoteBounded(*v.SubType)}
			}
			sub = *v.SubType
		}
		return OutgoingImage{URI: *v.URI, SubType: sub, Summary: v.Summary}, nil
	case SegRecord:
		var v struct {
			URI *string `json:"uri"`
		}
		if err := decodeData(data, &v); err != nil {
			return nil, err
		}
		if v.URI == nil {
			return nil, required("data.uri")
		}
		return OutgoingRecord{URI: *v.URI}, nil
	case SegVideo:
		var v struct {
			URI      *string `json:"uri"`
			ThumbURI *string `json:"thumb_uri"`
		}
		if err := decodeData(data, &v); err != nil {
			return nil, err
		}
		if v.URI == nil {
			return nil, required("data.uri")
		}
		return OutgoingVideo{URI: *v.URI, ThumbURI: v.ThumbURI}, nil
	case SegForward:
		return decodeOutgoingForward(data)
	case SegLightApp:
		var v struct {
			JSONPayload *string `json:"json_payload"`
		}
		if err := decodeData(data, &v); err != nil {
			return nil, err
		}
		if v.JSONPayload == nil {
			return nil, required("data.json_payload")
		}
		return OutgoingLightApp{JSONPayload: *v.JSONPayload}, nil
	}
	return nil, &SegmentError{Field: "type", Reason: "unknown outgoing segment type " + quoteBounded(typ)}
}

type forwardedWire struct {
	UserID     json.RawMessage `json:"user_id"`
	SenderName *string         `json:"sender_name"`
	Segments   json.RawMessage `json:"segments"`
}

func decodeOutgoingForward(data []byte) (any, error) {
	var v struct {
		Messages json.RawMessage `json:"messages"`
		Title    *string         `json:"title"`
		Preview  []string        `json:"preview"`
		Summary  *string         `json:"summary"`
		Prompt   *string         `json:"prompt"`
	}
	if err := decodeData(data, &v); err != nil {
		return nil, err
	}
	var raws []json.RawMessage
	if err := decodeArray(v.Messages, &raws); err != nil {
		return nil, &SegmentError{Field: "data.messages", Reason: err.Error()}
	}
	// preview's "1 to 4 items" is in the schema's description only; zod
	// accepts any count and so does the gateway (the schema is the judge).
	out := OutgoingForward{Messages: make([]OutgoingForwardedMessage, 0, len(raws)), Title: v.Title, Preview: v.Preview, Summary: v.Summary, Prompt: v.Prompt}
	for i, raw := range raws {
		where := "data.messages[" + strconv.Itoa(i) + "]"
		var m forwardedWire
		if err := json.Unmarshal(raw, &m); err != nil || !isObject(raw) {
			return nil, &SegmentError{Field: where, Reason: "want an object {user_id, sender_name, segments}"}
		}
		uid, err := uinField(where+".user_id", m.UserID)
		if err != nil {
			return nil, err
		}
		if m.SenderName == nil {
			return nil, required(where + ".sender_name")
		}
		var segRaws []json.RawMessage
		if err := decodeArray(m.Segments, &segRaws); err != nil {
			return nil, &SegmentError{Field: where + ".segments", Reason: err.Error()}
		}
		segs := make([]OutgoingSegment, len(segRaws))
		for j, sr := range segRaws {
			if err := segs[j].UnmarshalJSON(sr); err != nil {
				var se *SegmentError
				if errors.As(err, &se) {
					return nil, &SegmentError{Field: where + ".segments[" + strconv.Itoa(j) + "]." + se.Field, Reason: se.Reason}
				}
				return nil, err
			}
		}
		out.Messages = append(out.Messages, OutgoingForwardedMessage{UserID: uid, SenderName: *m.SenderName, Segments: segs})
	}
	return out, nil
}

// decodeData decodes a data object; a type mismatch names the field.
func decodeData(data []byte, v any) error {
	if err := json.Unmarshal(data, v); err != nil {
		var te *json.UnmarshalTypeError
		if errors.As(err, &te) && te.Field != "" {
			return &SegmentError{Field: "data." + te.Field, Reason: "want " + te.Type.String() + ", got " + te.Value}
		}
		return &SegmentError{Field: "data", Reason: "invalid object"}
	}
	return nil
}

func decodeArray(raw json.RawMessage, out *[]json.RawMessage) error {
	raw = bytes.TrimSpace(raw)
	if len(raw) == 0 || bytes.Equal(raw, []byte("null")) {
		return errors.New("required")
	}
	if raw[0] != '[' || json.Unmarshal(raw, out) != nil {
		return errors.New("want an array")
	}
	return nil
}

func isObject(raw []byte) bool {
	raw = bytes.TrimSpace(raw)
	return len(raw) > 0 && raw[0] == '{'
}

func required(field string) error { return &SegmentError{Field: field, Reason: "required"} }

// intField reads a required JSON integer. JSON has one number type and
// zod's int() accepts 20002.0, so an integral float is an integer too;
// strings, fractions and out-of-range values are not.
func intField(field string, raw json.RawMessage) (int64, error) {
	raw = bytes.TrimSpace(raw)
	if len(raw) == 0 || bytes.Equal(raw, []byte("null")) {
		return 0, required(field)
	}
	if c := raw[0]; c != '-' && (c < '0' || c > '9') {
		return 0, &SegmentError{Field: field, Reason: "want an integer"}
	}
	if n, err := strconv.ParseInt(string(raw), 10, 64); err == nil {
		return n, nil
	}
	f, err := strconv.ParseFloat(string(raw), 64)
	if err != nil || f != float64(int64(f)) || f > 1<<53 || f < -(1<<53) {
		return 0, &SegmentError{Field: field, Reason: "want an integer, got " + quoteBounded(string(raw))}
	}
	return int64(f), nil
}

// uinField reads a required uin.
func uinField(field string, raw json.RawMessage) (int64, error) {
	v, err := intField(field, raw)
	if err != nil {
		return 0, err
	}
	if v < MinUin || v > MaxUin {
		return 0, &SegmentError{Field: field, Reason: "not a QQ number (10001..4294967295): " + strconv.FormatInt(v, 10)}
	}
	return v, nil
}

// quoteBounded quotes s for an error message, cut to 48 bytes.
func quoteBounded(s string) string {
	const max = 48
	if len(s) > max {
		s = s[:max] + "…"
	}
	return strconv.Quote(s)
}

// jsonDepth is the maximum bracket nesting of b (strings skipped).
func jsonDepth(b []byte) int {
	depth, max, inStr, esc := 0, 0, false, false
	for _, c := range b {
		switch {
		case inStr:
			if esc {
				esc = false
			} else if c == '\\' {
				esc = true
			} else if c == '"' {
				inStr = false
			}
		case c == '"':
			inStr = true
		case c == '{' || c == '[':
			depth++
			if depth > max {
				max = depth
			}
		case c == '}' || c == ']':
			depth--
		}
	}
	return max
}

// DecodeOutgoingMessage decodes the message array of send_private_message /
// send_group_message; a segment's error names its index
// ("message[2].data.uri: required"). field is the parameter name used in
// errors ("message"). The strings of the result may point into raw, which
// must not change while they are in use.
func DecodeOutgoingMessage(field string, raw []byte) ([]OutgoingSegment, error) {
	if out, ok := decodeOutgoingFast(raw); ok {
		return out, nil
	}
	return decodeOutgoingMessage(field, raw)
}

// decodeOutgoingMessage is DecodeOutgoingMessage's general decoder (the
// one that words every error; outgoing_fast.go declines to it).
func decodeOutgoingMessage(field string, raw []byte) ([]OutgoingSegment, error) {
	var raws []json.RawMessage
	if err := decodeArray(raw, &raws); err != nil {
		return nil, &SegmentError{Field: field, Reason: err.Error()}
	}
	out := make([]OutgoingSegment, len(raws))
	for i, r := range raws {
		if err := out[i].UnmarshalJSON(r); err != nil {
			where := field + "[" + strconv.Itoa(i) + "]"
			var se *SegmentError
			if errors.As(err, &se) {
				return nil, &SegmentError{Field: where + "." + se.Field, Reason: se.Reason}
			}
			return nil, &SegmentError{Field: where, Reason: "invalid"}
		}
	}
	return out, nil
}
