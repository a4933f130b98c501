package milkyob11

import (
	"strconv"

	"github.com/goccy/go-json"

	"github.com/qqbridge/gateway/internal/jsonscan"
	"github.com/qqbridge/gateway/onebot11"
	"github.com/qqbridge/gateway/segment"
)

// decodeEvent is onebot11.DecodeUpstreamEvent with a fast path for the
// common event: one validating pass over the frame in place, every string
// field a sub-string of raw (no copy), message and raw_info sub-slices of
// raw: the decoded event is valid while raw is (see MapRaw). Whatever
// the pass does not take on itself (a null, a type mismatch, an escaped or
// case-folded key, invalid UTF-8, a nested object it does not know) sends
// the frame to DecodeUpstreamEvent, which then decides exactly as before.
//
// A segment-array message is read in the same pass into segs (when segs
// is not nil; the caller releases it), so that it is neither scanned nor
// copied a second time when converted.
func decodeEvent(raw []byte, ev *onebot11.UpstreamEvent, segs *segment.Scanned) error {
	if decodeFast(raw, ev, segs, false) {
		return nil
	}
	if segs != nil {
		segs.Release()
		*segs = segment.Scanned{}
	}
	*ev = onebot11.UpstreamEvent{}
	return onebot11.DecodeUpstreamEvent(raw, ev)
}

// With eventsOnly, a frame with a key only action replies carry (echo,
// status, retcode, data) is given up at that key: TryMapRaw is offered
// replies too, and should not scan a large reply to no end.
func decodeFast(raw []byte, ev *onebot11.UpstreamEvent, segs *segment.Scanned, eventsOnly bool) bool {
	// In place: a string copy of each frame was 80 % of the reverse
	// direction's allocated bytes under full event load, and so most of
	// its GC work. Nothing the mapping hands on keeps these strings past
	// the call: the flag store and the metrics label sets copy what they
	// keep, the quote cache encodes, the directory holds only what the API
	// fetched (TestMappingKeepsNoPartOfTheFrame).
	s := jsonscan.NewBytes(raw)
	if s.Peek() != jsonscan.Object || !s.Open(jsonscan.Object) {
		return false
	}
	for first := true; s.More(first); first = false {
		key, plain := s.PlainKeyName()
		if !plain {
			return false
		}
		var ok bool
		switch key {
		case "time":
			ok = intField(&s, &ev.Time)
		case "self_id":
			ok = intField(&s, &ev.SelfID)
		case "post_type":
			ok = strField(&s, &ev.PostType)
		case "message_type":
			ok = strField(&s, &ev.MessageType)
		case "notice_type":
			ok = strField(&s, &ev.NoticeType)
		case "request_type":
			ok = strField(&s, &ev.RequestType)
		case "meta_event_type":
			ok = strField(&s, &ev.MetaEventType)
		case "sub_type":
			ok = strField(&s, &ev.SubType)
		case "message_id":
			ok = intField(&s, &ev.MessageID)
		case "message_seq":
			ok = intField(&s, &ev.MessageSeq)
		case "real_seq":
			ok = lenientIntField(&s, &ev.RealSeq)
		case "real_id":
			ok = intField(&s, &ev.RealID)
		case "user_id":
			ok = intField(&s, &ev.UserID)
		case "group_id":
			ok = intField(&s, &ev.GroupID)
		case "group_name":
			ok = strField(&s, &ev.GroupName)
		case "target_id":
			ok = intField(&s, &ev.TargetID)
		case "peer_id":
			ok = intField(&s, &ev.PeerID)
		case "message":
			if ev.Message != nil {
				return false // repeated: the general decoder decides
			}
			if segs != nil && s.Peek() == jsonscan.Array {
				start := s.Pos()
				*segs, ok = segment.ScanOneBotArray(&s)
				end := s.Pos()
				for end > start && isSpace(raw[end-1]) {
					end-- // Pos skipped the whitespace after ']'
				}
				ev.Message = raw[start:end:end]
			} else {
				ok = rawField(&s, raw, &ev.Message)
			}
		case "message_format":
			ok = strField(&s, &ev.MessageFormat)
		case "raw_message":
			ok = strField(&s, &ev.RawMessage)
		case "sender":
			ok = senderField(&s, &ev.Sender)
		case "temp_source":
			ok = intField(&s, &ev.TempSource)
		case "operator_id":
			ok = intField(&s, &ev.OperatorID)
		case "sender_id":
			ok = intField(&s, &ev.SenderID)
		case "duration":
			ok = intField(&s, &ev.Duration)
		case "name_new":
			ok = strField(&s, &ev.NameNew)
		case "raw_info":
			ok = rawField(&s, raw, &ev.RawInfo)
		case "title":
			ok = strField(&s, &ev.Title)
		case "code":
			ok = lenientStrField(&s, &ev.Code)
		case "count":
			ok = intField(&s, &ev.Count)
		case "tag":
			ok = strField(&s, &ev.Tag)
		case "reason":
			ok = strField(&s, &ev.Reason)
		case "action":
			ok = strField(&s, &ev.Action)
		case "suffix":
			ok = strField(&s, &ev.Suffix)
		case "action_img_url":
			ok = strField(&s, &ev.ActionImgURL)
		case "comment":
			ok = strField(&s, &ev.Comment)
		case "flag":
			ok = strField(&s, &ev.Flag)
		case "invitor_id":
			ok = intField(&s, &ev.InvitorID)
		case "interval":
			ok = intField(&s, &ev.Interval)
		case "echo", "status", "retcode", "data":
			if eventsOnly {
				return false
			}
			s.Skip()
			ok = true
		case "file", "likes", "is_add":
			// Rare kinds: the general decoder reads them, field by field
			// semantics included.
			return false
		default:
			ok = s.SkipMember()
		}
		if !ok {
			return false
		}
	}
	return !s.Failed() && s.End()
}

// intField takes an integer literal; anything else (a float, a numeric
// string, null) is the general decoder's to coerce.
func intField(s *jsonscan.Scanner, dst *int64) bool {
	k, raw, _ := s.Value()
	if k != jsonscan.Number {
		return false
	}
	n, ok := jsonscan.Int(raw)
	*dst = n
	return ok
}

// strField takes a string without escapes (its raw text is its value).
func strField(s *jsonscan.Scanner, dst *string) bool {
	k, raw, esc := s.Value()
	if k != jsonscan.String || esc {
		return false
	}
	*dst = raw[1 : len(raw)-1]
	return true
}

// lenientIntField is onebot11.Int for its two common spellings: an integer
// literal and a string of decimal digits.
func lenientIntField(s *jsonscan.Scanner, dst *onebot11.Int) bool {
	k, raw, esc := s.Value()
	switch {
	case k == jsonscan.Number:
		n, ok := jsonscan.Int(raw)
		*dst = onebot11.Int(n)
		return ok
	case k == jsonscan.String && !esc:
		n, err := strconv.ParseInt(raw[1:len(raw)-1], 10, 64)
		*dst = onebot11.Int(n)
		return err == nil
	}
	return false
}

// lenientStrField is onebot11.Str for a string without escapes or a
// number (kept as its text).
func lenientStrField(s *jsonscan.Scanner, dst *onebot11.Str) bool {
	k, raw, esc := s.Value()
	switch {
	case k == jsonscan.String && !esc:
		*dst = onebot11.Str(raw[1 : len(raw)-1])
		return true
	case k == jsonscan.Number:
		*dst = onebot11.Str(raw)
		return true
	}
	return false
}

// rawField keeps a value's bytes as a sub-slice of raw (as json.RawMessage
// would copy them). null is left to the general decoder.
func rawField(s *jsonscan.Scanner, raw []byte, dst *json.RawMessage) bool {
	start := s.Pos()
	k, v, _ := s.Value()
	if k == jsonscan.Invalid || k == jsonscan.Null {
		return false
	}
	*dst = raw[start : start+len(v) : start+len(v)]
	return true
}

// senderField reads the sender object into dst (merging, as the general
// decoder does with a repeated key).
func senderField(s *jsonscan.Scanner, dst *onebot11.UpstreamSender) bool {
	if s.Peek() != jsonscan.Object || !s.Open(jsonscan.Object) {
		return false
	}
	for first := true; s.More(first); first = false {
		key, plain := s.PlainKeyName()
		if !plain {
			return false
		}
		var ok bool
		switch key {
		case "user_id":
			ok = intField(s, &dst.UserID)
		case "nickname":
			ok = strField(s, &dst.Nickname)
		case "card":
			ok = strField(s, &dst.Card)
		case "sex":
			ok = strField(s, &dst.Sex)
		case "age":
			ok = intField(s, &dst.Age)
		case "level":
			ok = lenientStrField(s, &dst.Level)
		case "role":
			ok = strField(s, &dst.Role)
		case "title":
			ok = strField(s, &dst.Title)
		case "group_id":
			ok = intField(s, &dst.GroupID)
		default:
			ok = s.SkipMember()
		}
		if !ok {
			return false
		}
	}
	return !s.Failed()
}

func isSpace(c byte) bool { return c == ' ' || c == '\t' || c == '\n' || c == '\r' }
