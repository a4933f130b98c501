package milky

import "github.com/qqbridge/gateway/internal/jsonscan"

// The hot path of a bot's send_*_message: the message array decoded in one
// validating pass (jsonscan), no reflection, no copy of the input, each
// string a sub-string of it. The general decoder (outgoing_json.go) makes
// three goccy passes per segment: the array into raw elements, each element
// into {type, data}, then data into its kind's struct.
//
// The fast path only ever succeeds: it takes a message whose every segment
// is of a common kind (text, mention, mention_all, face, reply, image,
// record, video, light_app) and valid beyond doubt, and writes exactly what
// the general decoder writes for it. For anything else (a forward, an
// unknown kind, a missing or repeated field, a null where a value is
// required, a value of the wrong JSON type or out of range, a number that
// is not an integer literal, a key a case-folding decoder might map onto a
// field, a lone surrogate escape, invalid JSON or UTF-8) it declines, and
// the general decoder decides and words the error exactly as before.
// FuzzOutgoingFast checks both agree.

// decodeOutgoingFast decodes the message array raw; ok false: declined.
func decodeOutgoingFast(raw []byte) ([]OutgoingSegment, bool) {
	s := jsonscan.NewBytes(raw)
	if s.Peek() != jsonscan.Array || !s.Open(jsonscan.Array) {
		return nil, false
	}
	// Most messages have a few segments: they are gathered on the stack
	// and the result is allocated once, at its size.
	var buf [8]OutgoingSegment
	segs := buf[:0]
	for first := true; s.More(first); first = false {
		var seg OutgoingSegment
		if !scanOutgoingSegment(&s, &seg) {
			return nil, false
		}
		segs = append(segs, seg)
	}
	if !s.End() {
		return nil, false
	}
	out := make([]OutgoingSegment, len(segs))
	copy(out, segs)
	return out, true
}

// scanOutgoingSegment reads one {type, data} object. data is decoded as
// it is met when type came first (the common order), else from its span
// once type is known.
func scanOutgoingSegment(s *jsonscan.Scanner, seg *OutgoingSegment) bool {
	if s.Peek() != jsonscan.Object || !s.Open(jsonscan.Object) {
		return false
	}
	var (
		typ                string
		data               any
		dataSpan           string
		haveType, haveData bool
	)
	for first := true; s.More(first); first = false {
		key, ok := s.PlainKeyName()
		if !ok {
			return false
		}
		switch key {
		case "type":
			// A repeated member: the general decoder's merge rules decide.
			if haveType || !readRequiredString(s, &typ) {
				return false
			}
			haveType = true
		case "data":
			if haveData || s.Peek() != jsonscan.Object {
				return false
			}
			haveData = true
			if haveType {
				if data, ok = scanOutgoingData(s, typ); !ok {
					return false
				}
			} else {
				start := s.Pos()
				s.Skip()
				if s.Failed() {
					return false
				}
				dataSpan = s.Slice(start, s.Pos())
			}
		default:
			if !s.SkipMember() {
				return false
			}
		}
	}
	if s.Failed() || !haveType || !haveData {
		return false
	}
	if dataSpan != "" {
		d := jsonscan.New(dataSpan)
		var ok bool
		if data, ok = scanOutgoingData(&d, typ); !ok || !d.End() {
			return false
		}
	}
	seg.Type, seg.Data = typ, data
	return true
}

// A kind's data members, as the general decoder's struct for it has them:
// name and how its value is read. Each kind has at most three.
type outgoingShape struct {
	names    [3]string
	kinds    [3]memberKind
	required uint8 // bit i: member i must be present
}

type memberKind uint8

const (
	memberNone      memberKind = iota
	memberString               // a string, not null
	memberOptString            // a string or null (absent)
	memberBool                 // true, false or null (false)
	memberUin                  // an integer literal in MinUin..MaxUin
	memberSeq                  // a non-negative integer literal
)

var (
	shapeText     = outgoingShape{names: [3]string{"text"}, kinds: [3]memberKind{memberString}, required: 1}
	shapeMention  = outgoingShape{names: [3]string{"user_id"}, kinds: [3]memberKind{memberUin}, required: 1}
	shapeFace     = outgoingShape{names: [3]string{"face_id", "is_large"}, kinds: [3]memberKind{memberString, memberBool}, required: 1}
	shapeReply    = outgoingShape{names: [3]string{"message_seq"}, kinds: [3]memberKind{memberSeq}, required: 1}
	shapeImage    = outgoingShape{names: [3]string{"uri", "sub_type", "summary"}, kinds: [3]memberKind{memberString, memberOptString, memberOptString}, required: 1}
	shapeRecord   = outgoingShape{names: [3]string{"uri"}, kinds: [3]memberKind{memberString}, required: 1}
	shapeVideo    = outgoingShape{names: [3]string{"uri", "thumb_uri"}, kinds: [3]memberKind{memberString, memberOptString}, required: 1}
	shapeLightApp = outgoingShape{names: [3]string{"json_payload"}, kinds: [3]memberKind{memberString}, required: 1}
)

// outgoingMembers is what scanMembers read of a data object.
type outgoingMembers struct {
	str  [3]string
	seen uint8 // bit i: member i was present
	null uint8 // bit i: member i was null
	n    int64 // the one integer member
	b    bool  // the one boolean member
}

// scanOutgoingData reads the data object at s's cursor as the kind typ.
func scanOutgoingData(s *jsonscan.Scanner, typ string) (any, bool) {
	var shape *outgoingShape
	switch typ {
	case SegText:
		shape = &shapeText
	case SegMention:
		shape = &shapeMention
	case SegMentionAll:
		// The general decoder reads nothing of it: any object will do.
		s.Skip()
		return OutgoingMentionAll{}, !s.Failed()
	case SegFace:
		shape = &shapeFace
	case SegReply:
		shape = &shapeReply
	case SegImage:
		shape = &shapeImage
	case SegRecord:
		shape = &shapeRecord
	case SegVideo:
		shape = &shapeVideo
	case SegLightApp:
		shape = &shapeLightApp
	default:
		return nil, false // forward, unknown kinds: the general decoder
	}
	var m outgoingMembers
	if !scanMembers(s, shape, &m) {
		return nil, false
	}
	switch typ {
	case SegText:
		return OutgoingText{Text: m.str[0]}, true
	case SegMention:
		return OutgoingMention{UserID: m.n}, true
	case SegFace:
		return OutgoingFace{FaceID: m.str[0], IsLarge: m.b}, true
	case SegReply:
		return OutgoingReply{MessageSeq: m.n}, true
	case SegImage:
		v := OutgoingImage{URI: m.str[0], SubType: "normal", Summary: m.ptr(2)}
		if m.has(1) {
			// Another value is the general decoder's error to word.
			if m.str[1] != "normal" && m.str[1] != "sticker" {
				return nil, false
			}
			v.SubType = m.str[1]
		}
		return v, true
	case SegRecord:
		return OutgoingRecord{URI: m.str[0]}, true
	case SegVideo:
		return OutgoingVideo{URI: m.str[0], ThumbURI: m.ptr(1)}, true
	}
	return OutgoingLightApp{JSONPayload: m.str[0]}, true
}

// has reports whether member i was present and not null.
func (m *outgoingMembers) has(i int) bool {
	return m.seen&(1<<i) != 0 && m.null&(1<<i) == 0
}

// ptr is optional member i as the general decoder's *string.
func (m *outgoingMembers) ptr(i int) *string {
	if !m.has(i) {
		return nil
	}
	v := m.str[i]
	return &v
}

// scanMembers reads the object at s's cursor into m by shape: the members
// shape names are read by their kind, others skipped. false for a member
// of the wrong type or out of range, a repeated member (the general
// decoder's merge rules decide) or a required one missing.
func scanMembers(s *jsonscan.Scanner, shape *outgoingShape, m *outgoingMembers) bool {
	if !s.Open(jsonscan.Object) {
		return false
	}
	for first := true; s.More(first); first = false {
		key, ok := s.PlainKeyName()
		if !ok {
			return false
		}
		i := 0
		for i < len(shape.names) && (shape.kinds[i] == memberNone || shape.names[i] != key) {
			i++
		}
		if i == len(shape.names) {
			if !s.SkipMember() {
				return false
			}
			continue
		}
		bit := uint8(1) << i
		if m.seen&bit != 0 {
			return false
		}
		m.seen |= bit
		k := s.Peek()
		switch shape.kinds[i] {
		case memberString:
			ok = k == jsonscan.String && s.ReadString(&m.str[i])
		case memberOptString:
			if k == jsonscan.Null {
				m.null |= bit
			}
			ok = (k == jsonscan.String || k == jsonscan.Null) && s.ReadString(&m.str[i])
		case memberBool:
			ok = (k == jsonscan.True || k == jsonscan.False || k == jsonscan.Null) && s.ReadBool(&m.b)
		case memberUin:
			ok = k == jsonscan.Number && s.ReadInt64(&m.n) && m.n >= MinUin && m.n <= MaxUin
		case memberSeq:
			ok = k == jsonscan.Number && s.ReadInt64(&m.n) && m.n >= 0
		}
		if !ok {
			return false
		}
	}
	return !s.Failed() && m.seen&shape.required == shape.required
}

// readRequiredString reads a string (not null) into dst.
func readRequiredString(s *jsonscan.Scanner, dst *string) bool {
	return s.Peek() == jsonscan.String && s.ReadString(dst)
}
