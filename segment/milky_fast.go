package segment

import (
	"github.com/qqbridge/gateway/internal/jsonscan"
	"github.com/qqbridge/gateway/milky"
)

// The hot path of received Milky messages (the first direction's events):
// a segment array is decoded into milky.IncomingSegment values in the one
// validating pass a whole event's decoder makes (eventmap/ob11milky), every
// string a sub-string of the scanned document as the general decoder's
// no-copy strings are, with no reflection and no copy of the document. It
// takes what the general decoder (goccy/go-json into the same structs)
// reads beyond doubt and writes exactly what that decoder writes; anything
// else (a case-folded or escaped key, a lone surrogate escape, a number that is
// not an integer literal in range, a repeated array, a null element) makes
// it decline, and the caller hands the whole document to the general
// decoder, which then decides and words the error as before. The model is
// the reverse direction's segment/onebot11_fast.go.

// ScanMilkyArray decodes the Milky segment array at s's cursor, appending
// to dst[:0] (its memory is reused; every element it takes is zeroed
// first, as the general decoder zeroes a fresh element). An empty array
// gives an empty, non-nil slice, as in the general decoder. ok false: the
// array is not one the fast path takes, s is left failed or mid-array, and
// the elements of dst's memory may have been written (the caller clears
// them and decodes the document the general way).
func ScanMilkyArray(s *jsonscan.Scanner, dst []milky.IncomingSegment) ([]milky.IncomingSegment, bool) {
	if s.Peek() != jsonscan.Array || !s.Open(jsonscan.Array) {
		return nil, false
	}
	out := dst[:0]
	if out == nil {
		out = []milky.IncomingSegment{} // no allocation: a zero-size slice
	}
	for first := true; s.More(first); first = false {
		if s.Peek() != jsonscan.Object {
			return nil, false // null elements and mismatches: the general decoder
		}
		out = append(out, milky.IncomingSegment{})
		if !scanMilkySegment(s, &out[len(out)-1]) {
			return nil, false
		}
	}
	if s.Failed() {
		return nil, false
	}
	return out, true
}

// scanMilkySegment reads one segment object into seg (a repeated key
// merges into it, as in the general decoder).
func scanMilkySegment(s *jsonscan.Scanner, seg *milky.IncomingSegment) bool {
	if !s.Open(jsonscan.Object) {
		return false
	}
	for first := true; s.More(first); first = false {
		key, plain := s.PlainKeyName()
		if !plain {
			return false
		}
		var ok bool
		switch key {
		case "type":
			ok = s.ReadString(&seg.Type)
		case "data":
			switch s.Peek() {
			case jsonscan.Object:
				ok = scanMilkyData(s, &seg.Data)
			case jsonscan.Null: // leaves data as it was
				s.Skip()
				ok = true
			}
		default:
			ok = s.SkipMember()
		}
		if !ok {
			return false
		}
	}
	return !s.Failed()
}

// scanMilkyData reads one data object into d: the flattened union of every
// kind, so each key has its one field whatever the type says.
func scanMilkyData(s *jsonscan.Scanner, d *milky.IncomingSegmentData) bool {
	if !s.Open(jsonscan.Object) {
		return false
	}
	for first := true; s.More(first); first = false {
		key, plain := s.PlainKeyName()
		if !plain {
			return false
		}
		var ok bool
		switch key {
		case "text":
			ok = s.ReadString(&d.Text)
		case "user_id":
			ok = s.ReadInt64(&d.UserID)
		case "name":
			ok = s.ReadString(&d.Name)
		case "face_id":
			ok = s.ReadString(&d.FaceID)
		case "is_large":
			ok = s.ReadBool(&d.IsLarge)
		case "message_seq":
			ok = s.ReadInt64(&d.MessageSeq)
		case "sender_id":
			ok = s.ReadInt64(&d.SenderID)
		case "sender_name":
			ok = readStringPtr(s, &d.SenderName)
		case "time":
			ok = s.ReadInt64(&d.Time)
		case "segments":
			// A reply's quoted message. Repeated (or null): the general
			// decoder's merge rules decide.
			if d.Segments != nil || s.Peek() != jsonscan.Array {
				return false
			}
			d.Segments, ok = ScanMilkyArray(s, nil)
		case "resource_id":
			ok = s.ReadString(&d.ResourceID)
		case "temp_url":
			ok = s.ReadString(&d.TempURL)
		case "width":
			ok = s.ReadInt32(&d.Width)
		case "height":
			ok = s.ReadInt32(&d.Height)
		case "summary":
			ok = s.ReadString(&d.Summary)
		case "sub_type":
			ok = s.ReadString(&d.SubType)
		case "duration":
			ok = s.ReadInt32(&d.Duration)
		case "file_id":
			ok = s.ReadString(&d.FileID)
		case "file_name":
			ok = s.ReadString(&d.FileName)
		case "file_size":
			ok = s.ReadInt64(&d.FileSize)
		case "file_hash":
			ok = readStringPtr(s, &d.FileHash)
		case "forward_id":
			ok = s.ReadString(&d.ForwardID)
		case "title":
			ok = s.ReadString(&d.Title)
		case "preview":
			if d.Preview != nil || s.Peek() != jsonscan.Array {
				return false
			}
			d.Preview, ok = readStrings(s)
		case "emoji_package_id":
			ok = s.ReadInt32(&d.EmojiPackageID)
		case "emoji_id":
			ok = s.ReadString(&d.EmojiID)
		case "key":
			ok = s.ReadString(&d.Key)
		case "url":
			ok = s.ReadString(&d.URL)
		case "app_name":
			ok = s.ReadString(&d.AppName)
		case "json_payload":
			ok = s.ReadString(&d.JSONPayload)
		case "service_id":
			ok = s.ReadInt32(&d.ServiceID)
		case "xml_payload":
			ok = s.ReadString(&d.XMLPayload)
		default:
			ok = s.SkipMember()
		}
		if !ok {
			return false
		}
	}
	return !s.Failed()
}

// readStringPtr reads a *string field: null sets it nil, a string is
// written into the pointed-to string (allocated if there is none), as the
// general decoder does.
func readStringPtr(s *jsonscan.Scanner, dst **string) bool {
	switch s.Peek() {
	case jsonscan.Null:
		s.Skip()
		*dst = nil
		return !s.Failed()
	case jsonscan.String:
		if *dst == nil {
			*dst = new(string)
		}
		return s.ReadString(*dst)
	}
	return false
}

// readStrings reads an array of strings into a new slice (non-nil when
// empty, as in the general decoder); other elements decline.
func readStrings(s *jsonscan.Scanner) ([]string, bool) {
	if !s.Open(jsonscan.Array) {
		return nil, false
	}
	out := []string{}
	for first := true; s.More(first); first = false {
		if s.Peek() != jsonscan.String {
			return nil, false
		}
		var v string
		if !s.ReadString(&v) {
			return nil, false
		}
		out = append(out, v)
	}
	return out, !s.Failed()
}
