package segment

import (
	"net/url"
	"strconv"
	"strings"

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
	out := make([]onebot11.Segment, 0, len(segs))
	for i := range segs {
		out = append(out, e.incomingSegment(scene, peer, &segs[i]))
	}
	return out
}

func (e *ForOneBot) incomingSegment(scene string, peer int64, s *milky.IncomingSegment) onebot11.Segment {
	d := &s.Data
	switch s.Type {
	case milky.SegText:
		return seg("text", map[string]any{"text": d.Text})
	case milky.SegMention:
		data := map[string]any{"qq": strconv.FormatInt(d.UserID, 10)}
		putOpt(data, "name", d.Name)
		return seg("at", data)
	case milky.SegMentionAll:
		return seg("at", map[string]any{"qq": "all"})
	case milky.SegFace:
		data := map[string]any{"id": d.FaceID}
		if d.IsLarge {
			data["large"] = "true"
		}
		return seg("face", data)
	case milky.SegReply:
		return seg("reply", map[string]any{"id": strconv.FormatInt(int64(e.replyID(scene, peer, d.MessageSeq)), 10)})
	case milky.SegImage:
		sub := "0"
		if d.SubType == milky.ImageSticker {
			sub = "1"
		}
		data := map[string]any{"file": d.ResourceID, "sub_type": sub}
		putOpt(data, "url", d.TempURL)
		putOpt(data, "summary", d.Summary)
		return seg("image", data)
	case milky.SegRecord:
		data := map[string]any{"file": d.ResourceID}
		putOpt(data, "url", d.TempURL)
		return seg("record", data)
	case milky.SegVideo:
		data := map[string]any{"file": d.ResourceID}
		putOpt(data, "url", d.TempURL)
		return seg("video", data)
	case milky.SegFile:
		data := map[string]any{
			"file":      d.FileID,
			"file_id":   d.FileID,
			"name":      d.FileName,
			"file_size": strconv.FormatInt(d.FileSize, 10),
		}
		if d.FileHash != nil {
			putOpt(data, "file_hash", *d.FileHash)
		}
		return seg("file", data)
	case milky.SegForward:
		return seg("forward", map[string]any{"id": d.ForwardID})
	case milky.SegMarketFace:
		data := map[string]any{
			"emoji_package_id": strconv.FormatInt(int64(d.EmojiPackageID), 10),
			"emoji_id":         d.EmojiID,
			"key":              d.Key,
		}
		putOpt(data, "summary", d.Summary)
		putOpt(data, "url", d.URL)
		return seg("mface", data)
	case milky.SegLightApp:
		return seg("json", map[string]any{"data": d.JSONPayload})
	case milky.SegXML:
		data := map[string]any{"data": d.XMLPayload}
		if d.ServiceID != 0 {
			data["resid"] = strconv.FormatInt(int64(d.ServiceID), 10)
		}
		return seg("xml", data)
	}
	e.untranslated("segment", s.Type)
	return seg("text", map[string]any{"text": "[unsupported segment: " + s.Type + "]"})
}

// replyID is the message_id of a quoted message: the same id the bot got
// (or will get) for that message, because it is derived from the same triple.
func (e *ForOneBot) replyID(scene string, peer, seq int64) int32 {
	if scene == "" || e.IDs == nil {
		return 0
	}
	return e.IDs.IDFor(idmap.Ref{Scene: scene, Peer: peer, Seq: seq})
}

func seg(typ string, data map[string]any) onebot11.Segment {
	return onebot11.Segment{Type: typ, Data: data}
}

func putOpt(data map[string]any, key, v string) {
	if v != "" {
		data[key] = v
	}
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
	segs := e.IncomingSegments(msg.MessageScene, msg.PeerID, msg.Segments)
	raw := onebot11.FormatCQ(segs)
	ev := &onebot11.MessageEvent{
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
		ev.Message, ev.MessageFormat = raw, onebot11.FormatString
	} else {
		ev.Message, ev.MessageFormat = segs, onebot11.FormatArray
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
