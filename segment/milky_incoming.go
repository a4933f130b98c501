package segment

import (
	"net/url"
	"strconv"
	"strings"
	"sync"
	"unsafe"

	"github.com/qqbridge/gateway/idmap"
	"github.com/qqbridge/gateway/milky"
	"github.com/qqbridge/gateway/onebot11"
)

// Received Milky messages -> OneBot 11 segments and message events.
//
// Segment data values are strings, as go-cqhttp sends them, so that the array
// form and the CQ string form carry the same values. Optional values that are
// empty are left out rather than sent as "".

// MessageFont is the font field of message events (go-cqhttp/NapCat send 14;
// Milky has no font).
const MessageFont = 14

// IncomingSegments converts received Milky segments to OneBot 11 segments.
// scene and peer name the conversation the segments came from, so that a
// reply segment resolves to the message_id the bot saw for the quoted
// message; an empty scene (forwarded content, whose source conversation is
// unknown) gives reply id "0". An unknown segment type becomes a text segment
// saying so (Milky's compatibility rule) and is reported to OnUntranslated.
func (e *ForOneBot) IncomingSegments(scene string, peer int64, segs []milky.IncomingSegment) []onebot11.Segment {
	return e.IncomingMessage(scene, peer, segs).Segments()
}

// IncomingMessage is IncomingSegments as a typed onebot11.Message (no map
// per segment): what the event path encodes. Never nil.
func (e *ForOneBot) IncomingMessage(scene string, peer int64, segs []milky.IncomingSegment) onebot11.Message {
	return e.buildMessage(make(onebot11.Message, 0, len(segs)), make([]onebot11.Param, 0, 2*len(segs)+2), scene, peer, segs)
}

// buildMessage appends the converted segments to out, their params to
// params: one backing array for every param of the message, of which each
// segment keeps a capped window, so a later growth never overwrites one.
func (e *ForOneBot) buildMessage(out onebot11.Message, params []onebot11.Param, scene string, peer int64, segs []milky.IncomingSegment) onebot11.Message {
	b := msgBuilder{params: params}
	for i := range segs {
		out = append(out, e.incomingSegment(&b, scene, peer, &segs[i]))
	}
	return out
}

// msgBuilder collects the params of one message's segments.
type msgBuilder struct {
	params []onebot11.Param
	start  int
}

func (b *msgBuilder) put(key, v string) {
	b.params = append(b.params, onebot11.Param{Key: key, Value: v})
}

// putOpt leaves out an optional value that is empty.
func (b *msgBuilder) putOpt(key, v string) {
	if v != "" {
		b.put(key, v)
	}
}

// seg closes the segment whose params were put since the previous one.
func (b *msgBuilder) seg(typ string) onebot11.BuiltSegment {
	p := b.params[b.start:len(b.params):len(b.params)]
	b.start = len(b.params)
	return onebot11.BuiltSegment{Type: typ, Params: p}
}

// incomingSegment puts the params in CQ order (onebot11's keyOrder), the
// order raw_message lists them.
func (e *ForOneBot) incomingSegment(b *msgBuilder, scene string, peer int64, s *milky.IncomingSegment) onebot11.BuiltSegment {
	d := &s.Data
	switch s.Type {
	case milky.SegText:
		b.put("text", d.Text)
		return b.seg("text")
	case milky.SegMention:
		b.put("qq", strconv.FormatInt(d.UserID, 10))
		b.putOpt("name", d.Name)
		return b.seg("at")
	case milky.SegMentionAll:
		b.put("qq", "all")
		return b.seg("at")
	case milky.SegFace:
		b.put("id", d.FaceID)
		if d.IsLarge {
			b.put("large", "true")
		}
		return b.seg("face")
	case milky.SegReply:
		b.put("id", strconv.FormatInt(int64(e.replyID(scene, peer, d.MessageSeq)), 10))
		return b.seg("reply")
	case milky.SegImage:
		sub := "0"
		if d.SubType == milky.ImageSticker {
			sub = "1"
		}
		b.put("file", d.ResourceID)
		b.put("sub_type", sub)
		b.putOpt("url", d.TempURL)
		b.putOpt("summary", d.Summary)
		return b.seg("image")
	case milky.SegRecord, milky.SegVideo: // the same name in OneBot 11
		b.put("file", d.ResourceID)
		b.putOpt("url", d.TempURL)
		return b.seg(s.Type)
	case milky.SegFile:
		b.put("file", d.FileID)
		b.put("file_id", d.FileID)
		b.put("name", d.FileName)
		b.put("file_size", strconv.FormatInt(d.FileSize, 10))
		if d.FileHash != nil {
			b.putOpt("file_hash", *d.FileHash)
		}
		return b.seg("file")
	case milky.SegForward:
		b.put("id", d.ForwardID)
		return b.seg("forward")
	case milky.SegMarketFace:
		b.put("emoji_package_id", strconv.FormatInt(int64(d.EmojiPackageID), 10))
		b.put("emoji_id", d.EmojiID)
		b.put("key", d.Key)
		b.putOpt("summary", d.Summary)
		b.putOpt("url", d.URL)
		return b.seg("mface")
	case milky.SegLightApp:
		b.put("data", d.JSONPayload)
		return b.seg("json")
	case milky.SegXML:
		b.put("data", d.XMLPayload)
		if d.ServiceID != 0 {
			b.put("resid", strconv.FormatInt(int64(d.ServiceID), 10))
		}
		return b.seg("xml")
	}
	e.untranslated("segment", s.Type)
	b.put("text", "[unsupported segment: "+s.Type+"]")
	return b.seg("text")
}

// replyID is the message_id of a quoted message: the same id the bot got
// (or will get) for that message, because it is derived from the same triple.
func (e *ForOneBot) replyID(scene string, peer, seq int64) int32 {
	if scene == "" || e.IDs == nil {
		return 0
	}
	return e.IDs.IDFor(idmap.Ref{Scene: scene, Peer: peer, Seq: seq})
}

// FormatMessage renders converted segments in the configured message format:
// the segment array for "array" (the default), the CQ string for "string".
// It returns the message value and the message_format name.
func (e *ForOneBot) FormatMessage(segs []onebot11.Segment) (any, string) {
	if e.MessageFormat == onebot11.FormatString {
		return onebot11.FormatCQ(segs), onebot11.FormatString
	}
	return segs, onebot11.FormatArray
}

// MessageEvent converts a received (or fetched) Milky message to a OneBot 11
// message event (post_type message, or message_sent for the bot's own). It
// never fails: missing entities only leave sender fields empty.
func (e *ForOneBot) MessageEvent(msg *milky.IncomingMessage) *onebot11.MessageEvent {
	return e.MessageEventAs(msg, e.selfID())
}

// MessageEventAs is MessageEvent with the bot's uin given explicitly (the
// event stream carries self_id before the runtime may know it).
func (e *ForOneBot) MessageEventAs(msg *milky.IncomingMessage, selfID int64) *onebot11.MessageEvent {
	ev := e.IncomingMessageEvent(msg, selfID)
	switch m := ev.Message.(type) {
	case *onebot11.Message:
		ev.Message = m.Segments()
	case *string:
		ev.Message = *m
	}
	return ev
}

// IncomingMessageEvent is MessageEventAs with Message as a typed
// *onebot11.Message instead of []onebot11.Segment (array form) or a
// *string (string form): the same JSON, built without a map per segment
// nor an allocation per interface value, and encodable with
// MessageEvent.AppendJSON.
// The event path uses it.
func (e *ForOneBot) IncomingMessageEvent(msg *milky.IncomingMessage, selfID int64) *onebot11.MessageEvent {
	// The event, its segments and their params in one allocation for the
	// usual message (they live exactly as long as each other).
	return e.incomingMessageEvent(new(eventAlloc), msg, selfID)
}

// MessageBuffer is the memory of one event from PooledMessageEvent.
type MessageBuffer struct{ a eventAlloc }

var messageBuffers = sync.Pool{New: func() any { return new(MessageBuffer) }}

// PooledMessageEvent is IncomingMessageEvent built in a recycled buffer:
// once the event is encoded, buf.Release hands the buffer to a later
// event (a buffer never released is simply garbage collected). The event
// pump uses it, so a steady stream of messages allocates no event.
func (e *ForOneBot) PooledMessageEvent(msg *milky.IncomingMessage, selfID int64) (ev *onebot11.MessageEvent, buf *MessageBuffer) {
	buf = messageBuffers.Get().(*MessageBuffer)
	return e.incomingMessageEvent(&buf.a, msg, selfID), buf
}

// Release returns b to the pool: nothing may use its event, or any
// string of it (raw_message shares the buffer), afterwards.
func (b *MessageBuffer) Release() {
	a := &b.a
	// Everything but raw's bytes, so no string of this event stays
	// reachable from the pool.
	a.ev, a.msg, a.rawStr = onebot11.MessageEvent{}, nil, ""
	clear(a.segs[:])
	clear(a.params[:])
	messageBuffers.Put(b)
}

func (e *ForOneBot) incomingMessageEvent(a *eventAlloc, msg *milky.IncomingMessage, selfID int64) *onebot11.MessageEvent {
	segs := e.buildMessage(a.segs[:0], a.params[:0], msg.MessageScene, msg.PeerID, msg.Segments)
	// The buffer is never written again, so the string may share it.
	rawBuf := a.raw[:0]
	if n := rawMessageCap(msg); n > len(a.raw) {
		rawBuf = make([]byte, 0, n)
	}
	rawBuf = segs.AppendCQ(rawBuf)
	raw := unsafe.String(unsafe.SliceData(rawBuf), len(rawBuf))
	ev := &a.ev
	*ev = onebot11.MessageEvent{
		Header:     onebot11.Header{Time: msg.Time, SelfID: selfID, PostType: onebot11.PostMessage},
		MessageSeq: msg.MessageSeq,
		RealID:     msg.MessageSeq,
		UserID:     msg.SenderID,
		RawMessage: raw,
		Font:       MessageFont,
		Sender:     onebot11.Sender{UserID: msg.SenderID},
	}
	self := selfID != 0 && msg.SenderID == selfID
	if self {
		ev.PostType = onebot11.PostMessageSent
	}
	if e.IDs != nil {
		ev.MessageID = e.IDs.IDFor(idmap.Ref{Scene: msg.MessageScene, Peer: msg.PeerID, Seq: msg.MessageSeq})
	}
	if e.MessageFormat == onebot11.FormatString {
		a.rawStr = raw
		ev.Message, ev.MessageFormat = &a.rawStr, onebot11.FormatString
	} else {
		// A pointer into the allocation: a slice stored in an interface
		// would be one more.
		a.msg = segs
		ev.Message, ev.MessageFormat = &a.msg, onebot11.FormatArray
	}

	switch msg.MessageScene {
	case milky.SceneGroup:
		ev.MessageType, ev.SubType = onebot11.MessageGroup, onebot11.SubNormal
		ev.GroupID = msg.PeerID
		if m := msg.GroupMember; m != nil && (m.UserID == msg.SenderID || m.UserID == 0) {
			ev.Sender.Nickname = m.Nickname
			ev.Sender.Card = m.Card
			ev.Sender.Sex = m.Sex
			ev.Sender.Level = strconv.FormatInt(int64(m.Level), 10)
			ev.Sender.Role = m.Role
			ev.Sender.Title = m.Title
		}
	case milky.SceneTemp:
		ev.MessageType, ev.SubType = onebot11.MessagePrivate, onebot11.SubGroup
		src := 0 // OneBot temp_source 0: a group chat
		ev.TempSource = &src
		if msg.Group != nil {
			ev.Sender.GroupID = msg.Group.GroupID
		}
		if self {
			ev.TargetID = msg.PeerID
		}
	default: // friend
		ev.MessageType, ev.SubType = onebot11.MessagePrivate, onebot11.SubFriend
		// For the bot's own messages the friend entity is the peer, not
		// the sender, so it only describes the sender when the ids agree.
		if f := msg.Friend; f != nil && (f.UserID == msg.SenderID || (f.UserID == 0 && !self)) {
			ev.Sender.Nickname = f.Nickname
			ev.Sender.Sex = f.Sex
		}
		if self {
			ev.TargetID = msg.PeerID
		}
	}
	// The bot's own private messages carry no entity describing the bot.
	if self && ev.Sender.Nickname == "" && e.SelfNickname != nil {
		ev.Sender.Nickname = e.SelfNickname()
	}
	return ev
}

// eventAlloc holds a message event with room for a usual message's
// segments and raw_message; longer messages grow out of it.
type eventAlloc struct {
	ev     onebot11.MessageEvent
	msg    onebot11.Message
	rawStr string
	segs   [6]onebot11.BuiltSegment
	params [12]onebot11.Param
	// raw last: the garbage collector scans an object only up to its last
	// pointer.
	raw [1024]byte
}

// rawMessageCap guesses the CQ string's length so that it is built in
// one allocation most of the time.
func rawMessageCap(msg *milky.IncomingMessage) int {
	n := 0
	for i := range msg.Segments {
		d := &msg.Segments[i].Data
		n += len(d.Text) + len(d.ResourceID) + len(d.TempURL) + len(d.Summary) + len(d.Name) + 48
	}
	return n + n/4 // escapes
}

// ForwardNode is one message of get_forward_msg's messages list, in
// go-cqhttp's shape: content follows the configured message format.
type ForwardNode struct {
	Time          int64           `json:"time"`
	MessageSeq    int64           `json:"message_seq"`
	Sender        onebot11.Sender `json:"sender"`
	Content       any             `json:"content"`
	MessageFormat string          `json:"message_format"`
	RawMessage    string          `json:"raw_message"`
}

// ForwardNodes converts the messages of a Milky forward. Milky gives no
// sender uin for forwarded messages; it is recovered from the avatar URL
// (qlogo "nk=" parameter) when possible, else 0. Reply segments inside get
// id "0": their source conversation is not known.
func (e *ForOneBot) ForwardNodes(msgs []milky.IncomingForwardedMessage) []ForwardNode {
	out := make([]ForwardNode, 0, len(msgs))
	for i := range msgs {
		m := &msgs[i]
		segs := e.IncomingSegments("", 0, m.Segments)
		content, format := e.FormatMessage(segs)
		out = append(out, ForwardNode{
			Time:          m.Time,
			MessageSeq:    m.MessageSeq,
			Sender:        onebot11.Sender{UserID: uinFromAvatar(m.AvatarURL), Nickname: m.SenderName},
			Content:       content,
			MessageFormat: format,
			RawMessage:    onebot11.FormatCQ(segs),
		})
	}
	return out
}

// uinFromAvatar reads the uin out of a qlogo avatar URL
// (https://q1.qlogo.cn/g?b=qq&nk=<uin>&s=640); 0 if there is none.
func uinFromAvatar(avatar string) int64 {
	q := strings.IndexByte(avatar, '?')
	if q < 0 {
		return 0
	}
	vals, err := url.ParseQuery(avatar[q+1:])
	if err != nil {
		return 0
	}
	n, err := strconv.ParseInt(vals.Get("nk"), 10, 64)
	if err != nil || n < 0 {
		return 0
	}
	return n
}
