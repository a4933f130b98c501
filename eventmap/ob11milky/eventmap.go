// Package eventmap translates Milky 1.2 events into OneBot 11 events. It is
// pure: one small function per Milky event type, registered in the one table
// below, each decoding the typed payload and building the OneBot structs.
// The mapping decisions (extensions, file de-duplication, ids) are written
// down in README.md; the golden files under testdata/ show every case.
package ob11milky

import (
	"errors"
	"fmt"
	"reflect"

	"github.com/goccy/go-json"
	"github.com/qqbridge/gateway/milky"
	"github.com/qqbridge/gateway/onebot11"
)

// Result is what one Milky event becomes.
type Result struct {
	// Events are the OneBot 11 events (*onebot11.MessageEvent,
	// *NoticeEvent, *RequestEvent), ready for json.Marshal, in the order
	// they are to be delivered.
	Events []onebot11.Event
	// Skipped is a non-empty reason when the event is intentionally not
	// forwarded (one of the Skip* constants).
	Skipped string
	// pooled holds Events' memory when it can be recycled (see Release).
	pooled *pooledMessage
}

// Release hands the memory of r's events to later events. It is optional
// (what is not released is garbage collected); call it only once r's
// events are encoded and nothing of them is kept. The event pump does.
func (r *Result) Release() {
	if p := r.pooled; p != nil {
		r.pooled, r.Events = nil, nil
		p.buf.Release()
		p.events[0], p.buf = nil, nil
		pooledMessages.Put(p)
	}
}

// Reasons for Result.Skipped.
const (
	// SkipUnknownEvent: an event_type Milky 1.2 does not define (a newer
	// implementation); ignored per Milky's compatibility rules.
	SkipUnknownEvent = "unknown_event"
	// SkipDuplicateFile: a message_receive made of one file segment; the
	// *_file_upload event Milky also pushes for the same upload is forwarded
	// instead, so the bot sees the upload once.
	SkipDuplicateFile = "duplicate_file_message"
	// SkipUnknownScene: a message_scene Milky 1.2 does not define.
	SkipUnknownScene = "unknown_message_scene"
)

type handler func(env *Env, ev *milky.Event) (Result, error)

// handlers is the one table of Milky event types this package translates.
var handlers = map[string]handler{
	// message.go
	milky.EventMessageReceive: messageReceive,
	milky.EventMessageRecall:  messageRecall,
	milky.EventPeerPinChange:  peerPinChange,
	// request.go
	milky.EventFriendRequest:           friendRequest,
	milky.EventGroupJoinRequest:        groupJoinRequest,
	milky.EventGroupInvitedJoinRequest: groupInvitedJoinRequest,
	milky.EventGroupInvitation:         groupInvitation,
	// notice_friend.go
	milky.EventFriendNudge:      friendNudge,
	milky.EventFriendFileUpload: friendFileUpload,
	// notice_group.go
	milky.EventGroupAdminChange:          groupAdminChange,
	milky.EventGroupEssenceMessageChange: groupEssenceMessageChange,
	milky.EventGroupMemberIncrease:       groupMemberIncrease,
	milky.EventGroupMemberDecrease:       groupMemberDecrease,
	milky.EventGroupNameChange:           groupNameChange,
	milky.EventGroupMessageReaction:      groupMessageReaction,
	milky.EventGroupMute:                 groupMute,
	milky.EventGroupWholeMute:            groupWholeMute,
	milky.EventGroupNudge:                groupNudge,
	milky.EventGroupFileUpload:           groupFileUpload,
	// system.go
	milky.EventBotOffline: botOffline,
}

// EventTypes lists the Milky event types Map translates (for coverage
// reports).
func EventTypes() []string {
	out := make([]string, 0, len(handlers))
	for k := range handlers {
		out = append(out, k)
	}
	return out
}

// Map translates one Milky event. An unknown event_type is not an error: it
// yields no events, Skipped "unknown_event", and is reported to
// env.OnUntranslated. A known event whose data does not fit its type is an
// error (a *DataError naming the event type and the field).
//
// The returned events may share bytes with ev.Data (decoded strings are not
// copied): the caller must not modify ev.Data while it uses them (the
// gateway's event pump encodes them before the next event reuses Data).
func Map(env *Env, ev *milky.Event) (Result, error) {
	if ev == nil {
		return Result{}, errors.New("eventmap: nil event")
	}
	h, ok := handlers[ev.EventType]
	if !ok {
		untranslated(env, "event", ev.EventType)
		return Result{Skipped: SkipUnknownEvent}, nil
	}
	return h(env, ev)
}

// DataError reports a Milky event whose data is malformed.
type DataError struct {
	EventType string
	Field     string // JSON path below data, "" for data itself
	Problem   string
}

func (e *DataError) Error() string {
	path := "data"
	if e.Field != "" {
		path += "." + e.Field
	}
	return fmt.Sprintf("eventmap: %s: %s: %s", e.EventType, path, e.Problem)
}

// decode unmarshals ev.Data into T, turning decoder errors into a DataError.
func decode[T any](ev *milky.Event) (*T, error) {
	v := new(T)
	if err := decodeInto(ev, v); err != nil {
		return nil, err
	}
	return v, nil
}

// decodeInto is decode into a given (zeroed or reused) value.
func decodeInto[T any](ev *milky.Event, v *T) error {
	if len(ev.Data) == 0 || string(ev.Data) == "null" {
		return &DataError{EventType: ev.EventType, Problem: "missing"}
	}
	// Strings refer to ev.Data instead of copies (fewer allocations on the
	// per-event path); Map's contract is that ev.Data is not modified.
	if err := json.UnmarshalWithOption(ev.Data, v, json.DecodeNoCopyString()); err != nil {
		var te *json.UnmarshalTypeError
		if errors.As(err, &te) {
			want := "an object"
			if te.Field != "" && te.Type != nil {
				want = jsonKind(te.Type.Kind())
			}
			return &DataError{EventType: ev.EventType, Field: te.Field,
				Problem: fmt.Sprintf("want %s, got %s", want, te.Value)}
		}
		return &DataError{EventType: ev.EventType, Problem: "invalid JSON: " + err.Error()}
	}
	return nil
}

// jsonKind names the JSON value a Go kind decodes from.
func jsonKind(k reflect.Kind) string {
	switch k {
	case reflect.String:
		return "a string"
	case reflect.Bool:
		return "a boolean"
	case reflect.Slice, reflect.Array:
		return "an array"
	case reflect.Struct, reflect.Map, reflect.Pointer:
		return "an object"
	case reflect.Int, reflect.Int8, reflect.Int16, reflect.Int32, reflect.Int64:
		return "an integer (" + k.String() + ")"
	case reflect.Uint, reflect.Uint8, reflect.Uint16, reflect.Uint32, reflect.Uint64:
		return "a non-negative integer (" + k.String() + ")"
	case reflect.Float32, reflect.Float64:
		return "a number"
	}
	return k.String()
}

// checker finds the first missing required field of one event; the checks
// chain: c.uin("group_id", d.GroupID).uin("user_id", d.UserID).err. A
// value, not a pointer, so a check costs no allocation.
type checker struct {
	ev  *milky.Event
	err error
}

// uin requires a positive QQ number (Milky's uin type starts at 10001; we
// only reject what cannot be one: 0, absent, or negative).
func (c checker) uin(field string, v int64) checker {
	if c.err == nil && v <= 0 {
		c.err = &DataError{EventType: c.ev.EventType, Field: field, Problem: "missing or not a positive uin"}
	}
	return c
}

func (c checker) str(field, v string) checker {
	if c.err == nil && v == "" {
		c.err = &DataError{EventType: c.ev.EventType, Field: field, Problem: "missing or empty"}
	}
	return c
}

// decodeChecked decodes ev's data and runs required on it (the first
// missing field is the error): the prologue every mapping shares, so each
// mapping states only which fields it needs.
func decodeChecked[T any](ev *milky.Event, required func(c checker, d *T) checker) (*T, error) {
	d, err := decode[T](ev)
	if err != nil {
		return nil, err
	}
	if err := required(checker{ev: ev}, d).err; err != nil {
		return nil, err
	}
	return d, nil
}

// selfID is the bot's uin: the event's self_id, or the runtime's if the
// event has none.
func selfID(env *Env, ev *milky.Event) int64 {
	if ev.SelfID != 0 {
		return ev.SelfID
	}
	if env.SelfID != nil {
		return env.SelfID()
	}
	return 0
}

func untranslated(env *Env, kind, typ string) {
	if env.OnUntranslated != nil {
		env.OnUntranslated(kind, typ)
	}
}

// header is the common OneBot header: the Milky event's time and self_id.
func header(env *Env, ev *milky.Event, postType string) onebot11.Header {
	return onebot11.Header{Time: ev.Time, SelfID: selfID(env, ev), PostType: postType}
}

func notice(env *Env, ev *milky.Event, noticeType, subType string) *onebot11.NoticeEvent {
	return &onebot11.NoticeEvent{Header: header(env, ev, onebot11.PostNotice), NoticeType: noticeType, SubType: subType}
}

func one(ev onebot11.Event) Result { return Result{Events: []onebot11.Event{ev}} }

func i64p(v int64) *int64 { return &v }
func i32p(v int32) *int32 { return &v }
func boolp(v bool) *bool  { return &v }
