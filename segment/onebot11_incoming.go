// Package segment converts message segments between OneBot 11 and Milky 1.2,
// both ways; pure.
package segment

import (
	"bytes"
	"errors"
	"strconv"
	"strings"

	"github.com/goccy/go-json"

	"github.com/qqbridge/gateway/idmap"
	"github.com/qqbridge/gateway/milky"
	"github.com/qqbridge/gateway/onebot11"
)

// Received OneBot 11 segments (from an upstream event, get_msg, history or a
// forward's content) -> Milky incoming segments.
//
// OneBot implementations differ in spelling: NapCat/LLOneBot send numbers as
// numbers and image sub_type as sub_type, go-cqhttp sends strings and subType;
// every value is read through onebot11.Segment.DataString so both work.

// UnknownSenderID is the sender_id of a reply segment whose quoted message
// cannot be found: the schema requires a uin (≥ 10001) and has no "unknown",
// so the lowest valid uin stands for it. Bots that need the real sender call
// get_message with the segment's message_seq.
const UnknownSenderID int64 = milky.MinUin

// Quoted is what a reply segment shows of the quoted message.
type Quoted struct {
	SenderID   int64
	SenderName string // "" when unknown; Milky sends it only inside forwards
	Time       int64
	Segments   []milky.IncomingSegment
}

// QuoteLookup finds the quoted message of a reply segment in the
// conversation (scene, peer), by its upstream message_id or by the Milky
// message_seq that id maps to (0 when there is no id mapper), whichever
// the implementation keys on. The runtime implements it (a cache of
// delivered messages, keyed by seq; a history page, keyed by id); false
// leaves the schema's placeholders.
type QuoteLookup interface {
	Quoted(scene string, peer int64, upstreamID int32, seq int64) (Quoted, bool)
}

// Incoming converts received OneBot 11 segments. The zero value works: a nil
// Seqs gives reply message_seq 0, a nil Quotes leaves placeholders, a nil
// OnUntranslated counts nothing.
type Incoming struct {
	Seqs   idmap.SeqMapper
	Quotes QuoteLookup
	// OnUntranslated is called with the OneBot type of every segment that
	// has no Milky form and became text.
	OnUntranslated func(oneBotType string)
}

// FromOneBot converts segments received in conversation (scene, peer);
// scene is a milky.Scene* value (reply ids resolve within it). An empty
// scene (forwarded content, whose source conversation is unknown) gives
// reply segments message_seq 0 and no quote lookup.
func (c *Incoming) FromOneBot(scene string, peer int64, segs []onebot11.Segment) []milky.IncomingSegment {
	out := make([]milky.IncomingSegment, 0, len(segs))
	for i := range segs {
		v := view{Type: segs[i].Type, m: segs[i].Data}
		out = append(out, c.segment(scene, peer, &v))
	}
	return out
}

// FromOneBotRaw decodes the message field of an event or get_msg reply (a
// segment array, one segment, or a CQ string, escapes decoded) and converts
// it. null or absent is an empty message. A CQ string with an unterminated
// code is kept as text (the implementation sent it; losing it is worse).
func (c *Incoming) FromOneBotRaw(scene string, peer int64, message json.RawMessage) ([]milky.IncomingSegment, error) {
	if t := bytes.TrimLeft(message, " \t\r\n"); len(t) > 0 && t[0] == '[' {
		if out, ok := c.fromOneBotFast(scene, peer, message); ok {
			return out, nil
		}
	}
	segs, err := DecodeOneBotMessage(message)
	if err != nil {
		return nil, err
	}
	return c.FromOneBot(scene, peer, segs), nil
}

// DecodeOneBotMessage decodes a received message field into segments.
func DecodeOneBotMessage(message json.RawMessage) ([]onebot11.Segment, error) {
	message = bytes.TrimSpace(message)
	if len(message) == 0 || bytes.Equal(message, []byte("null")) {
		return nil, nil
	}
	if message[0] == '"' {
		var s string
		if err := json.Unmarshal(message, &s); err != nil {
			return nil, &Error{Field: "message", Reason: "invalid string"}
		}
		segs, err := onebot11.ParseCQ(s)
		if err != nil {
			return []onebot11.Segment{{Type: onebot11.SegText, Data: map[string]any{"text": onebot11.Unescape(s)}}}, nil
		}
		return segs, nil
	}
	if message[0] == '[' {
		// The hot path (every array-format event). Plain Unmarshal is several
		// times faster than ParseMessage's UseNumber stream decoder; numbers
		// become float64, exact for every id and size OneBot sends (< 2^53).
		var segs []onebot11.Segment
		if err := json.Unmarshal(message, &segs); err != nil {
			return nil, &Error{Field: "message", Reason: "want a segment array or a CQ string"}
		}
		return segs, nil
	}
	segs, err := onebot11.ParseMessage(message, false)
	if err != nil {
		return nil, &Error{Field: "message", Reason: "want a segment array or a CQ string"}
	}
	return segs, nil
}

func (c *Incoming) segment(scene string, peer int64, s *view) milky.IncomingSegment {
	switch s.Type {
	case onebot11.SegText:
		return text(s.DataString("text"))
	case onebot11.SegAt:
		qq := s.DataString("qq")
		if qq == "all" {
			return milky.IncomingSegment{Type: milky.SegMentionAll}
		}
		name := strings.TrimPrefix(s.DataString("name"), "@")
		uin, err := strconv.ParseInt(qq, 10, 64)
		if err != nil || uin < milky.MinUin || uin > milky.MaxUin {
			// Not a QQ number (a bot account of another platform, garbage):
			// keep what the user saw.
			c.untranslated("at")
			if name == "" {
				name = qq
			}
			return text("@" + name)
		}
		return milky.IncomingSegment{Type: milky.SegMention, Data: milky.IncomingSegmentData{UserID: uin, Name: name}}
	case onebot11.SegFace:
		return milky.IncomingSegment{Type: milky.SegFace, Data: milky.IncomingSegmentData{FaceID: s.DataString("id"), IsLarge: isLargeFace(s)}}
	case onebot11.SegReply:
		return c.reply(scene, peer, s)
	case onebot11.SegImage:
		d := milky.IncomingSegmentData{
			ResourceID: resourceID(s),
			TempURL:    s.DataString("url"),
			Summary:    s.DataString("summary"),
			SubType:    milky.ImageNormal,
		}
		if isSticker(s) {
			d.SubType = milky.ImageSticker
		}
		d.Width, d.Height = dataU32(s, "width"), dataU32(s, "height")
		return milky.IncomingSegment{Type: milky.SegImage, Data: d}
	case onebot11.SegRecord:
		return milky.IncomingSegment{Type: milky.SegRecord, Data: milky.IncomingSegmentData{
			ResourceID: resourceID(s), TempURL: s.DataString("url"), Duration: dataU32(s, "duration"),
		}}
	case onebot11.SegVideo:
		return milky.IncomingSegment{Type: milky.SegVideo, Data: milky.IncomingSegmentData{
			ResourceID: resourceID(s), TempURL: s.DataString("url"),
			Width: dataU32(s, "width"), Height: dataU32(s, "height"), Duration: dataU32(s, "duration"),
		}}
	case onebot11.SegFile:
		// NapCat/LLOneBot: file = name, file_id = the id, file_size as a
		// string; Lagrange: name + id. Private files have a hash in some.
		d := milky.IncomingSegmentData{
			FileID:   firstOf(s, "file_id", "id", "file"),
			FileName: firstOf(s, "name", "file_name", "file"),
			FileSize: dataUint(s, "file_size", "size"),
		}
		if h := firstOf(s, "file_hash", "hash"); h != "" {
			d.FileHash = &h
		}
		return milky.IncomingSegment{Type: milky.SegFile, Data: d}
	case onebot11.SegForward:
		d := milky.IncomingSegmentData{
			ForwardID: firstOf(s, "id", "res_id", "resid"),
			Title:     s.DataString("title"),
			Summary:   s.DataString("summary"),
			Preview:   previewOf(s),
		}
		return milky.IncomingSegment{Type: milky.SegForward, Data: d}
	case onebot11.SegMFace, "marketface", "market_face":
		return milky.IncomingSegment{Type: milky.SegMarketFace, Data: milky.IncomingSegmentData{
			EmojiPackageID: dataU32(s, "emoji_package_id"),
			EmojiID:        s.DataString("emoji_id"),
			Key:            s.DataString("key"),
			Summary:        s.DataString("summary"),
			URL:            s.DataString("url"),
		}}
	case onebot11.SegJSON:
		payload := s.DataString("data")
		return milky.IncomingSegment{Type: milky.SegLightApp, Data: milky.IncomingSegmentData{AppName: appName(payload), JSONPayload: payload}}
	case onebot11.SegXML:
		return milky.IncomingSegment{Type: milky.SegXML, Data: milky.IncomingSegmentData{
			ServiceID: dataU32(s, "resid", "service_id"), XMLPayload: s.DataString("data"),
		}}
	case onebot11.SegMarkdown:
		// No Milky form, but the content is text the user can read.
		c.untranslated(s.Type)
		return text(s.DataString("content"))
	}
	c.untranslated(s.Type)
	return text(fallbackText(s))
}

func (c *Incoming) reply(scene string, peer int64, s *view) milky.IncomingSegment {
	d := milky.IncomingSegmentData{SenderID: UnknownSenderID}
	id, idErr := strconv.ParseInt(s.DataString("id"), 10, 32)
	if scene == "" {
		idErr = errNoConversation
	}
	if idErr == nil && c.Seqs != nil {
		// seq: go-cqhttp's custom reply carries the quoted message's seq.
		d.MessageSeq = c.Seqs.RefForUpstream(scene, peer, int32(id), int64(dataUint(s, "seq"))).Seq
	}
	found := false
	if idErr == nil && c.Quotes != nil {
		if q, ok := c.Quotes.Quoted(scene, peer, int32(id), d.MessageSeq); ok {
			found = true
			if q.SenderID >= milky.MinUin && q.SenderID <= milky.MaxUin {
				d.SenderID = q.SenderID
			}
			if q.SenderName != "" {
				name := q.SenderName
				d.SenderName = &name
			}
			d.Time = max(q.Time, 0)
			d.Segments = q.Segments
		}
	}
	if !found {
		// Some implementations put the quoted sender/time/text in the
		// segment itself (go-cqhttp's custom reply: qq, time, text).
		if uin := dataUint(s, "qq", "user_id"); uin >= milky.MinUin && uin <= milky.MaxUin {
			d.SenderID = uin
		}
		d.Time = dataUint(s, "time")
		if t := s.DataString("text"); t != "" {
			d.Segments = []milky.IncomingSegment{text(t)}
		}
	}
	if d.Segments == nil {
		d.Segments = []milky.IncomingSegment{}
	}
	return milky.IncomingSegment{Type: milky.SegReply, Data: d}
}

var errNoConversation = errors.New("no conversation")

func (c *Incoming) untranslated(typ string) {
	if c.OnUntranslated != nil {
		c.OnUntranslated(typ)
	}
}

func text(t string) milky.IncomingSegment {
	return milky.IncomingSegment{Type: milky.SegText, Data: milky.IncomingSegmentData{Text: t}}
}

// resourceID is what get_resource_temp_url will later be asked for: NapCat
// and Lagrange accept the file value (file name or file id) in get_image /
// get_record / get_file; file_id wins where an implementation sends both.
func resourceID(s *view) string { return firstOf(s, "file_id", "file") }

// isSticker: NapCat/LLOneBot send sub_type (NT picSubType; 0 is an ordinary
// picture, every other value is an emoticon kind), go-cqhttp spells it
// subType in CQ strings.
func isSticker(s *view) bool {
	v := firstOf(s, "sub_type", "subType")
	return v != "" && v != "0"
}

// isLargeFace: the gateway's own first direction writes large=true; NapCat
// passes the NT face element through as raw, whose faceType 3 is the
// animated "super" face; sub_type 3 is accepted as the same marker.
func isLargeFace(s *view) bool {
	if v := s.DataString("large"); v == "true" || v == "1" {
		return true
	}
	if raw, ok := s.value("raw").(map[string]any); ok && valueIs(raw["faceType"], 3) {
		return true
	}
	return s.DataString("sub_type") == "3"
}

// valueIs reports whether a decoded JSON value is the number n (as a
// number or a numeric string).
func valueIs(v any, n int64) bool {
	switch t := v.(type) {
	case float64:
		return t == float64(n)
	case string:
		return t == strconv.FormatInt(n, 10)
	case json.Number:
		return t.String() == strconv.FormatInt(n, 10)
	}
	return false
}

func previewOf(s *view) []string {
	v, ok := s.value("preview").([]any)
	if !ok {
		return []string{}
	}
	out := make([]string, 0, len(v))
	for _, p := range v {
		if str, ok := p.(string); ok {
			out = append(out, str)
		}
	}
	return out
}

// appName reads the "app" field of a light-app JSON; "" when it is not JSON.
func appName(payload string) string {
	var v struct {
		App string `json:"app"`
	}
	if json.Unmarshal([]byte(payload), &v) != nil {
		return ""
	}
	return v.App
}

// fallbackText is the readable text of a segment Milky cannot carry.
func fallbackText(s *view) string {
	switch s.Type {
	case onebot11.SegDice:
		if r := s.DataString("result"); r != "" {
			return "[dice:" + r + "]"
		}
	case onebot11.SegRPS:
		if r := s.DataString("result"); r != "" {
			return "[rps:" + r + "]"
		}
	case onebot11.SegLocation:
		if t := s.DataString("title"); t != "" {
			return "[location:" + t + "]"
		}
	case onebot11.SegShare, onebot11.SegMusic:
		if t := s.DataString("title"); t != "" {
			return "[" + s.Type + ":" + t + "]"
		}
	}
	typ := s.Type
	if len(typ) > 32 {
		typ = typ[:32]
	}
	return "[" + typ + "]"
}

func firstOf(s *view, keys ...string) string {
	for _, k := range keys {
		if v := s.DataString(k); v != "" {
			return v
		}
	}
	return ""
}

// dataUint reads the first present key as a non-negative integer (number or
// numeric string); anything else is 0, the schema's "no value".
func dataUint(s *view, keys ...string) int64 {
	v := firstOf(s, keys...)
	if v == "" {
		return 0
	}
	n, err := strconv.ParseInt(v, 10, 64)
	if err != nil {
		f, ferr := strconv.ParseFloat(v, 64)
		if ferr != nil || f < 0 || f > 1<<53 {
			return 0
		}
		n = int64(f)
	}
	if n < 0 {
		return 0
	}
	return n
}

// dataU32 is dataUint clamped to int32 (widths, durations, package ids).
func dataU32(s *view, keys ...string) int32 {
	return int32(min(dataUint(s, keys...), 1<<31-1))
}
