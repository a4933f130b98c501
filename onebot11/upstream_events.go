package onebot11

import (
	"bytes"
	"errors"
	"strconv"

	"github.com/goccy/go-json"
)

// Lenient decode-side event types, for the reverse direction where a OneBot
// 11 implementation (NapCat, LLOneBot, Lagrange.OneBot, go-cqhttp, Shamrock)
// pushes events to the gateway. The implementations disagree on JSON types
// (ids as numbers or numeric strings, sizes as strings, booleans as 0/1), so
// every scalar here accepts each spelling; the encode-side structs in
// events.go stay exact.

// Int is an integer that decodes from a JSON number (integral, or a float
// with an integral value), a numeric string, a boolean (1/0) or null (0).
// Out-of-range or non-numeric values decode as 0 rather than failing the
// whole event: one odd field must not lose a message.
type Int int64

// UnmarshalJSON implements the lenient decoding.
func (n *Int) UnmarshalJSON(b []byte) error {
	*n = Int(parseLenientInt(b))
	return nil
}

func parseLenientInt(b []byte) int64 {
	b = bytes.TrimSpace(b)
	if len(b) == 0 {
		return 0
	}
	switch b[0] {
	case '"':
		s, err := strconv.Unquote(string(b))
		if err != nil {
			return 0
		}
		return parseIntString(s)
	case 't':
		return 1
	case 'f', 'n':
		return 0
	}
	return parseIntString(string(b))
}

func parseIntString(s string) int64 {
	if v, err := strconv.ParseInt(s, 10, 64); err == nil {
		return v
	}
	f, err := strconv.ParseFloat(s, 64)
	if err != nil || f != f || f > 9.2e18 || f < -9.2e18 {
		return 0
	}
	return int64(f)
}

// Str is a string that also decodes from a number or boolean (their JSON
// text) and from null ("").
type Str string

// UnmarshalJSON implements the lenient decoding.
func (s *Str) UnmarshalJSON(b []byte) error {
	b = bytes.TrimSpace(b)
	switch {
	case len(b) == 0 || bytes.Equal(b, []byte("null")):
		*s = ""
	case b[0] == '"' && len(b) >= 2 && bytes.IndexByte(b, '\\') < 0:
		*s = Str(b[1 : len(b)-1]) // no escapes: the bytes are the string
	case b[0] == '"':
		var v string
		if err := json.Unmarshal(b, &v); err != nil {
			return err
		}
		*s = Str(v)
	case b[0] == '{' || b[0] == '[':
		*s = Str(b)
	default:
		*s = Str(b)
	}
	return nil
}

// Bool decodes true/false, 1/0, "true"/"1" and null (false).
type Bool bool

// UnmarshalJSON implements the lenient decoding.
func (v *Bool) UnmarshalJSON(b []byte) error {
	b = bytes.TrimSpace(b)
	switch string(b) {
	case "true", "1", `"true"`, `"1"`:
		*v = true
	default:
		*v = false
	}
	return nil
}

// UpstreamSender is the sender object of an upstream message event.
type UpstreamSender struct {
	UserID   int64  `json:"user_id"`
	Nickname string `json:"nickname"`
	Card     string `json:"card"`
	Sex      string `json:"sex"`
	Age      int64  `json:"age"`
	Level    Str    `json:"level"`
	Role     string `json:"role"`
	Title    string `json:"title"`
	GroupID  int64  `json:"group_id"` // temp chat: the group the sender came from
}

// UpstreamFile is the file object of group_upload / offline_file notices.
type UpstreamFile struct {
	ID    string `json:"id"`
	Name  string `json:"name"`
	Size  Int    `json:"size"`
	BusID Int    `json:"busid"`
	URL   string `json:"url"`
	Hash  Str    `json:"hash"` // not standard; kept when an implementation sends it
}

// UpstreamLike is one entry of NapCat's group_msg_emoji_like.likes.
type UpstreamLike struct {
	EmojiID Str   `json:"emoji_id"`
	Count   int64 `json:"count"`
}

// UpstreamEvent is the union of every event an OneBot 11 implementation
// pushes: the discriminators (post_type and the detail type of its family,
// sub_type) plus every field any known event kind carries. Fields an event
// does not have stay zero. Message is kept raw (a segment array or a CQ
// string, per message_format); bot_offline reuses the name for its reason
// text, so it is raw for that reason too.
type UpstreamEvent struct {
	Time          int64  `json:"time"`
	SelfID        int64  `json:"self_id"`
	PostType      string `json:"post_type"`
	MessageType   string `json:"message_type"`
	NoticeType    string `json:"notice_type"`
	RequestType   string `json:"request_type"`
	MetaEventType string `json:"meta_event_type"`
	SubType       string `json:"sub_type"`

	// message / message_sent
	MessageID     int64           `json:"message_id"`
	MessageSeq    int64           `json:"message_seq"`
	RealSeq       Int             `json:"real_seq"` // NapCat: the QQ per-conversation seq
	RealID        int64           `json:"real_id"`
	UserID        int64           `json:"user_id"`
	GroupID       int64           `json:"group_id"`
	GroupName     string          `json:"group_name"` // NapCat adds it to group messages
	TargetID      int64           `json:"target_id"`
	PeerID        int64           `json:"peer_id"` // Shamrock
	Message       json.RawMessage `json:"message"`
	MessageFormat string          `json:"message_format"`
	RawMessage    string          `json:"raw_message"`
	Sender        UpstreamSender  `json:"sender"`
	TempSource    int64           `json:"temp_source"`

	// notices
	OperatorID int64           `json:"operator_id"`
	SenderID   int64           `json:"sender_id"`
	Duration   int64           `json:"duration"`
	File       UpstreamFile    `json:"file"`
	Likes      UpstreamLikes   `json:"likes"`
	IsAdd      *Bool           `json:"is_add"`
	NameNew    string          `json:"name_new"`
	RawInfo    json.RawMessage `json:"raw_info"`
	Title      string          `json:"title"`
	Code       Str             `json:"code"`   // Lagrange reaction: the face id
	Count      int64           `json:"count"`  // Lagrange reaction
	Tag        string          `json:"tag"`    // NapCat bot_offline
	Reason     string          `json:"reason"` // bot_offline of this gateway's first direction
	// Poke display texts of implementations that send them as fields
	// (Lagrange); NapCat sends raw_info instead.
	Action       string `json:"action"`
	Suffix       string `json:"suffix"`
	ActionImgURL string `json:"action_img_url"`

	// requests
	Comment   string `json:"comment"`
	Flag      string `json:"flag"`
	InvitorID int64  `json:"invitor_id"`

	// meta
	Interval int64 `json:"interval"`
}

// UpstreamLikes is the likes array (its own type so the fallback decoder
// can name it).
type UpstreamLikes []UpstreamLike

// DecodeUpstreamEvent decodes one pushed event. The common case (every
// field of the JSON type this file declares) takes one plain decode, with
// no per-field custom decoding; only when that fails with a type mismatch
// (a numeric string id, a float time, a sender that is not an object) is the
// event normalised field by field and decoded again. An error means the
// bytes are not a JSON object at all.
func DecodeUpstreamEvent(raw []byte, ev *UpstreamEvent) error {
	err := json.Unmarshal(raw, ev)
	if err == nil {
		return nil
	}
	var te *json.UnmarshalTypeError
	if !errors.As(err, &te) {
		return err
	}
	var m map[string]any
	if err := json.Unmarshal(raw, &m); err != nil {
		return err
	}
	coerce(m, upstreamInts, upstreamStrings)
	if v, ok := m["sender"]; ok {
		if sm, ok := v.(map[string]any); ok {
			coerce(sm, senderInts, senderStrings)
		} else {
			delete(m, "sender")
		}
	}
	if v, ok := m["file"]; ok {
		if fm, ok := v.(map[string]any); ok {
			coerce(fm, nil, fileStrings)
		} else {
			delete(m, "file")
		}
	}
	if v, ok := m["likes"]; ok {
		arr, ok := v.([]any)
		if !ok {
			delete(m, "likes")
		} else {
			kept := arr[:0]
			for _, e := range arr {
				if em, ok := e.(map[string]any); ok {
					coerce(em, likeInts, nil)
					kept = append(kept, em)
				}
			}
			m["likes"] = kept
		}
	}
	for _, k := range []string{"message", "raw_info"} {
		if v, ok := m[k]; ok && v == nil {
			delete(m, k)
		}
	}
	norm, err := json.Marshal(m)
	if err != nil {
		return err
	}
	*ev = UpstreamEvent{}
	return json.Unmarshal(norm, ev)
}

var (
	upstreamInts = []string{"time", "self_id", "message_id", "message_seq", "real_id", "user_id", "group_id",
		"target_id", "peer_id", "temp_source", "operator_id", "sender_id", "duration", "count", "invitor_id", "interval"}
	upstreamStrings = []string{"post_type", "message_type", "notice_type", "request_type", "meta_event_type", "sub_type",
		"group_name", "message_format", "raw_message", "name_new", "title", "tag", "reason", "action", "suffix", "action_img_url",
		"comment", "flag"}
	senderInts    = []string{"user_id", "age", "group_id"}
	senderStrings = []string{"nickname", "card", "sex", "role", "title"}
	fileStrings   = []string{"id", "name", "url"}
	likeInts      = []string{"count"}
)

// coerce rewrites the named fields of m to the JSON type the struct wants:
// numbers from numeric strings, floats and booleans (else 0), strings from
// numbers and booleans; null, objects and arrays in scalar fields are
// dropped.
func coerce(m map[string]any, ints, strs []string) {
	for _, k := range ints {
		v, ok := m[k]
		if !ok {
			continue
		}
		switch t := v.(type) {
		case float64:
			if t != t || t > 9.2e18 || t < -9.2e18 {
				m[k] = 0
			} else {
				m[k] = int64(t)
			}
		case string:
			m[k] = parseIntString(t)
		case bool:
			if t {
				m[k] = 1
			} else {
				m[k] = 0
			}
		default:
			delete(m, k)
		}
	}
	for _, k := range strs {
		v, ok := m[k]
		if !ok {
			continue
		}
		switch t := v.(type) {
		case string:
		case float64:
			m[k] = strconv.FormatFloat(t, 'f', -1, 64)
		case bool:
			m[k] = strconv.FormatBool(t)
		default:
			delete(m, k)
		}
	}
}
