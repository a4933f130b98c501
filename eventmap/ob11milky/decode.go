package ob11milky

import (
	"github.com/qqbridge/gateway/idmap"
	"github.com/qqbridge/gateway/internal/jsonscan"
	"github.com/qqbridge/gateway/milky"
	"github.com/qqbridge/gateway/segment"
)

// messageState is messageReceive's per-event working memory, pooled: the
// decoded message and the entities it points to (the general decoder
// allocates each), whose strings point into ev.Data and are copied into
// the OneBot event, so the memory serves the next message.
type messageState struct {
	msg    milky.IncomingMessage
	friend milky.Friend
	group  milky.Group
	member milky.GroupMember
	shutUp int64
}

// reset zeroes st but keeps the segment array's memory, so that nothing of
// an event leaks into the next decode or stays reachable from the pool.
func (st *messageState) reset() {
	segs := st.msg.Segments[:cap(st.msg.Segments)]
	clear(segs)
	*st = messageState{msg: milky.IncomingMessage{Segments: segs[:0]}}
}

// decodeMessage is decodeInto for message_receive with a fast path for the
// common message: one validating pass over ev.Data (no copy of it, no
// reflection), every string a sub-string of ev.Data as the general
// decoder's no-copy strings are. Whatever the pass does not take on itself
// (see decodeMessageFast) goes to decodeInto, which then decides and words
// the error exactly as before.
func decodeMessage(ev *milky.Event, st *messageState) error {
	if decodeMessageFast(ev.Data, st) {
		return nil
	}
	st.reset()
	return decodeInto(ev, &st.msg)
}

// decodeMessageFast decodes data into st.msg (zeroed but for its segment
// memory) and reports whether it took the document. It writes exactly
// what goccy/go-json writes into a zeroed IncomingMessage (null leaves a
// scalar as it was and sets a pointer nil, a repeated object merges, a
// repeated scalar overwrites) or declines: on a key it does not know that
// the general decoder could fold onto a field (not jsonscan.PlainKey), an
// escaped key, a lone surrogate escape, a number that is not an integer literal
// in the field's range, a repeated or null segment array, invalid JSON or
// UTF-8. st may then be half written: the caller resets it.
func decodeMessageFast(data []byte, st *messageState) bool {
	s := jsonscan.NewBytes(data)
	return decodeMessageObject(&s, st) && s.End()
}

// decodeMessageObject is decodeMessageFast for the object at s's cursor
// (TryMapRaw reads the data of an event in its own pass).
func decodeMessageObject(s *jsonscan.Scanner, st *messageState) bool {
	if s.Peek() != jsonscan.Object || !s.Open(jsonscan.Object) {
		return false
	}
	msg := &st.msg
	seenSegments := false
	for first := true; s.More(first); first = false {
		key, plain := s.PlainKeyName()
		if !plain {
			return false
		}
		var ok bool
		switch key {
		case "message_scene":
			ok = s.ReadString(&msg.MessageScene)
			msg.MessageScene = canonicalScene(msg.MessageScene)
		case "peer_id":
			ok = s.ReadInt64(&msg.PeerID)
		case "message_seq":
			ok = s.ReadInt64(&msg.MessageSeq)
		case "sender_id":
			ok = s.ReadInt64(&msg.SenderID)
		case "time":
			ok = s.ReadInt64(&msg.Time)
		case "segments":
			if seenSegments {
				return false // repeated: the general decoder merges element-wise
			}
			seenSegments = true
			var segs []milky.IncomingSegment
			if segs, ok = segment.ScanMilkyArray(s, msg.Segments); ok {
				msg.Segments = segs
			} // else msg.Segments keeps its memory for reset to clear
		case "friend":
			if ok = entity(s, &msg.Friend, &st.friend); ok && msg.Friend != nil {
				ok = scanFriend(s, msg.Friend)
			}
		case "group":
			if ok = entity(s, &msg.Group, &st.group); ok && msg.Group != nil {
				ok = scanGroup(s, msg.Group)
			}
		case "group_member":
			if ok = entity(s, &msg.GroupMember, &st.member); ok && msg.GroupMember != nil {
				ok = scanMember(s, msg.GroupMember, &st.shutUp)
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

// canonicalScene returns idmap's constant for a known scene (its code
// table holds them), so that nothing keeps a string pointing into the
// event's reused buffer through the scene.
func canonicalScene(v string) string {
	if c, ok := idmap.SceneCode(v); ok {
		v, _ = idmap.SceneName(c)
	}
	return v
}

// entity prepares a pointer-to-struct field: null (consumed here) sets it
// nil; for an object, left for the caller to read into *dst, it points
// *dst to spare (zeroed) when it points nowhere, as the general decoder
// reads into a new struct. false: neither.
func entity[T any](s *jsonscan.Scanner, dst **T, spare *T) bool {
	switch s.Peek() {
	case jsonscan.Null:
		s.Skip()
		*dst = nil
		return !s.Failed()
	case jsonscan.Object:
		if *dst == nil {
			var zero T
			*spare = zero
			*dst = spare
		}
		return true
	}
	return false
}

func scanFriend(s *jsonscan.Scanner, f *milky.Friend) bool {
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
		case "user_id":
			ok = s.ReadInt64(&f.UserID)
		case "nickname":
			ok = s.ReadString(&f.Nickname)
		case "sex":
			ok = s.ReadString(&f.Sex)
		case "qid":
			ok = s.ReadString(&f.QID)
		case "remark":
			ok = s.ReadString(&f.Remark)
		case "category":
			switch s.Peek() {
			case jsonscan.Null: // a struct, not a pointer: left as it was
				s.Skip()
				ok = !s.Failed()
			case jsonscan.Object:
				ok = scanCategory(s, &f.Category)
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

func scanCategory(s *jsonscan.Scanner, c *milky.FriendCategory) bool {
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
		case "category_id":
			ok = s.ReadInt32(&c.CategoryID)
		case "category_name":
			ok = s.ReadString(&c.CategoryName)
		default:
			ok = s.SkipMember()
		}
		if !ok {
			return false
		}
	}
	return !s.Failed()
}

func scanGroup(s *jsonscan.Scanner, g *milky.Group) bool {
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
		case "group_id":
			ok = s.ReadInt64(&g.GroupID)
		case "group_name":
			ok = s.ReadString(&g.GroupName)
		case "member_count":
			ok = s.ReadInt32(&g.MemberCount)
		case "max_member_count":
			ok = s.ReadInt32(&g.MaxMemberCount)
		case "remark":
			ok = s.ReadString(&g.Remark)
		case "created_time":
			ok = s.ReadInt64(&g.CreatedTime)
		case "description":
			ok = s.ReadString(&g.Description)
		case "question":
			ok = s.ReadString(&g.Question)
		case "announcement":
			ok = s.ReadString(&g.Announcement)
		default:
			ok = s.SkipMember()
		}
		if !ok {
			return false
		}
	}
	return !s.Failed()
}

// scanMember reads a group member; a shut_up_end_time with no value yet
// goes into spare.
func scanMember(s *jsonscan.Scanner, m *milky.GroupMember, spare *int64) bool {
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
		case "user_id":
			ok = s.ReadInt64(&m.UserID)
		case "nickname":
			ok = s.ReadString(&m.Nickname)
		case "sex":
			ok = s.ReadString(&m.Sex)
		case "group_id":
			ok = s.ReadInt64(&m.GroupID)
		case "card":
			ok = s.ReadString(&m.Card)
		case "title":
			ok = s.ReadString(&m.Title)
		case "level":
			ok = s.ReadInt32(&m.Level)
		case "role":
			ok = s.ReadString(&m.Role)
		case "join_time":
			ok = s.ReadInt64(&m.JoinTime)
		case "last_sent_time":
			ok = s.ReadInt64(&m.LastSentTime)
		case "shut_up_end_time":
			switch s.Peek() {
			case jsonscan.Null:
				s.Skip()
				m.ShutUpEndTime = nil
				ok = !s.Failed()
			case jsonscan.Number:
				if m.ShutUpEndTime == nil {
					*spare = 0
					m.ShutUpEndTime = spare
				}
				ok = s.ReadInt64(m.ShutUpEndTime)
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

// TryMapRaw is Map for the undecoded payload of one /event message, for
// the common event taken in one pass: a message_receive (event_type before
// data, as implementations write it) whose envelope and data the pass
// takes whole is decoded in that pass (the data is not copied, nor
// scanned a second time) and mapped. For anything else it returns taken
// false having done nothing observable (no callback, no id handed out),
// and the caller decodes the envelope the general way and calls Map, which
// then decides as before. When taken, ev holds the envelope as the general
// decoder would have decoded it (Data a sub-slice of raw, EventType the
// package constant) and res and err are what Map returns for it; the
// events share bytes with raw, which must not change while they are used.
func TryMapRaw(env *Env, raw []byte, ev *milky.Event) (res Result, taken bool, err error) {
	st := messages.Get().(*messageState)
	defer func() {
		st.reset()
		messages.Put(st)
	}()
	var e milky.Event
	s := jsonscan.NewBytes(raw)
	if s.Peek() != jsonscan.Object || !s.Open(jsonscan.Object) {
		return Result{}, false, nil
	}
	for first := true; s.More(first); first = false {
		key, plain := s.PlainKeyName()
		if !plain {
			return Result{}, false, nil
		}
		var ok bool
		switch key {
		case "time":
			ok = s.ReadInt64(&e.Time)
		case "self_id":
			ok = s.ReadInt64(&e.SelfID)
		case "event_type":
			// Once the data is read as a message, the type must not change.
			ok = e.Data == nil && s.ReadString(&e.EventType) && e.EventType == milky.EventMessageReceive
		case "data":
			if e.Data != nil || e.EventType != milky.EventMessageReceive {
				return Result{}, false, nil // data first, or repeated: the general way
			}
			start := s.Pos()
			if ok = decodeMessageObject(&s, st); ok {
				end := s.Pos()
				for end > start && isSpace(raw[end-1]) {
					end-- // Pos skipped the whitespace after '}'
				}
				e.Data = raw[start:end:end]
			}
		default:
			ok = s.SkipMember()
		}
		if !ok {
			return Result{}, false, nil
		}
	}
	if s.Failed() || !s.End() || e.Data == nil {
		return Result{}, false, nil
	}
	e.EventType = milky.EventMessageReceive // not a string of raw
	*ev = e
	res, err = mapMessage(env, ev, &st.msg)
	return res, true, err
}

func isSpace(c byte) bool { return c == ' ' || c == '\t' || c == '\n' || c == '\r' }
