package segment

import (
	"context"
	"fmt"
	"strconv"
	"strings"

	"github.com/goccy/go-json"
	"github.com/qqbridge/gateway/idmap"
	"github.com/qqbridge/gateway/milky"
	"github.com/qqbridge/gateway/onebot11"
)

// MaxForwardDepth bounds forward nodes nested in node content, so a hostile
// message cannot recurse without limit; QQ itself nests far less.
const MaxForwardDepth = 8

// NoMilkyForm lists OneBot 11 segment types that Milky 1.2 cannot send, with
// what to use instead where there is something. A message containing one
// fails as a whole: sending the rest would silently lose part of it.
var NoMilkyForm = map[string]string{
	"dice":       "",
	"rps":        "",
	"shake":      "",
	"music":      "",
	"share":      "",
	"contact":    "",
	"location":   "",
	"anonymous":  "",
	"poke":       "; a poke can only be sent as a message of its own, which becomes a nudge",
	"markdown":   "",
	"keyboard":   "",
	"xml":        "",
	"mface":      "",
	"file":       "; send files with upload_private_file/upload_group_file",
	"flash_file": "",
	"cardimage":  "",
	"tts":        "",
	"gift":       "",
	"redbag":     "",
}

// OutgoingMessage converts OneBot 11 segments (as onebot11.ParseMessage
// returns them) into the segments of a Milky send to (scene, peer). Adjacent
// text is merged; consecutive node segments become one forward segment. Any
// segment without a Milky form fails the whole call with an error naming it,
// and so does a message that ends up empty: nothing is dropped silently and
// nothing empty is sent.
func (e *ForOneBot) OutgoingMessage(ctx context.Context, segs []onebot11.Segment, scene string, peer int64) ([]milky.OutgoingSegment, error) {
	c := &outConv{env: e, ctx: ctx, scene: scene, peer: peer}
	out, err := c.convert(segs, "message", 0)
	if err != nil {
		return nil, err
	}
	if len(out) == 0 {
		return nil, onebot11.Errorf(onebot11.RetcodeBadRequest, "message is empty: nothing to send")
	}
	return out, nil
}

type outConv struct {
	env   *ForOneBot
	ctx   context.Context
	scene string // the conversation sent to: reply segments must point into it
	peer  int64
}

// convert converts one segment list; path names it in errors ("message",
// "message[0] (node) content"); depth counts enclosing forward nodes.
func (c *outConv) convert(segs []onebot11.Segment, path string, depth int) ([]milky.OutgoingSegment, error) {
	out := make([]milky.OutgoingSegment, 0, len(segs))
	for i := 0; i < len(segs); i++ {
		s := segs[i]
		if s.Type == onebot11.SegNode {
			// A run of nodes is one merged-forward message.
			var nodes []milky.OutgoingForwardedMessage
			for ; i < len(segs) && segs[i].Type == onebot11.SegNode; i++ {
				n, err := c.node(segs[i], loc{path, i, "node"}, depth)
				if err != nil {
					return nil, err
				}
				nodes = append(nodes, n)
			}
			i--
			out = append(out, milky.OutgoingSegment{Type: milky.SegForward, Data: milky.OutgoingForward{Messages: nodes}})
			continue
		}
		seg, ok, err := c.segment(s, loc{path, i, s.Type}, depth)
		if err != nil {
			return nil, err
		}
		if ok {
			out = AppendSegment(out, seg)
		}
	}
	return out, nil
}

// segment converts one non-node segment; ok is false for a segment that is
// legitimately nothing (empty text).
func (c *outConv) segment(s onebot11.Segment, where loc, depth int) (milky.OutgoingSegment, bool, error) {
	switch s.Type {
	case onebot11.SegText:
		t := s.DataString("text")
		return milky.OutgoingSegment{Type: milky.SegText, Data: milky.OutgoingText{Text: t}}, t != "", nil
	case onebot11.SegFace:
		id := strings.TrimSpace(s.DataString("id"))
		if id == "" {
			return bad(where, "missing id")
		}
		large := truthy(s.DataString("large")) || truthy(s.DataString("is_large"))
		return milky.OutgoingSegment{Type: milky.SegFace, Data: milky.OutgoingFace{FaceID: id, IsLarge: large}}, true, nil
	case onebot11.SegAt:
		qq := strings.TrimSpace(s.DataString("qq"))
		if qq == "all" {
			return milky.OutgoingSegment{Type: milky.SegMentionAll, Data: milky.OutgoingMentionAll{}}, true, nil
		}
		uin, err := segUin(qq, where, "qq")
		if err != nil {
			return milky.OutgoingSegment{}, false, err
		}
		return milky.OutgoingSegment{Type: milky.SegMention, Data: milky.OutgoingMention{UserID: uin}}, true, nil
	case onebot11.SegReply:
		return c.reply(s, where, depth)
	case onebot11.SegImage:
		return c.image(s, where)
	case onebot11.SegRecord:
		uri, err := c.media(s, where)
		if err != nil {
			return milky.OutgoingSegment{}, false, err
		}
		return milky.OutgoingSegment{Type: milky.SegRecord, Data: milky.OutgoingRecord{URI: uri}}, true, nil
	case onebot11.SegVideo:
		uri, err := c.media(s, where)
		if err != nil {
			return milky.OutgoingSegment{}, false, err
		}
		v := milky.OutgoingVideo{URI: uri}
		if s.Has("thumb") {
			thumb, err := c.uri(where, "thumb", s.DataString("thumb"))
			if err != nil {
				return milky.OutgoingSegment{}, false, err
			}
			v.ThumbURI = &thumb
		}
		return milky.OutgoingSegment{Type: milky.SegVideo, Data: v}, true, nil
	case onebot11.SegJSON, "light_app":
		// OneBot's json card is Milky's light_app (a mini-app JSON payload).
		payload := s.DataString("data")
		if payload == "" {
			payload = s.DataString("json_payload")
		}
		if strings.TrimSpace(payload) == "" {
			return bad(where, "missing data (the card's JSON text)")
		}
		return milky.OutgoingSegment{Type: milky.SegLightApp, Data: milky.OutgoingLightApp{JSONPayload: payload}}, true, nil
	case onebot11.SegForward:
		if !s.Has("id") {
			return bad(where, "missing id")
		}
		return unsupported(where, "Milky 1.2 cannot re-send a received merged forward by its id; send its content as node segments instead")
	}
	if hint, known := NoMilkyForm[s.Type]; known {
		return unsupported(where, "Milky 1.2 has no "+s.Type+" segment"+hint)
	}
	return bad(where, "unknown segment type")
}

func (c *outConv) reply(s onebot11.Segment, where loc, depth int) (milky.OutgoingSegment, bool, error) {
	if depth > 0 {
		// A quote inside a forward node would point into a conversation the
		// forward is not sent to; Milky gives it no meaning there.
		return unsupported(where, "a reply cannot be part of forward node content")
	}
	id, err := segMessageID(s, where)
	if err != nil {
		return milky.OutgoingSegment{}, false, err
	}
	ref, err := c.env.LookupMessage(id)
	if err != nil {
		return milky.OutgoingSegment{}, false, Wrapf(err, "%s id", where)
	}
	if ref.Scene != c.scene || ref.Peer != c.peer {
		// Milky's reply carries only message_seq, read in the conversation
		// being sent to: a seq from elsewhere would quote the wrong message.
		return bad(where, fmt.Sprintf("message %d is in %s %d, not in the %s %d this message is sent to", id, ref.Scene, ref.Peer, c.scene, c.peer))
	}
	return milky.OutgoingSegment{Type: milky.SegReply, Data: milky.OutgoingReply{MessageSeq: ref.Seq}}, true, nil
}

func (c *outConv) image(s onebot11.Segment, where loc) (milky.OutgoingSegment, bool, error) {
	// type=flash (self-destructing) has no Milky form: sending a permanent
	// image instead would change what the bot asked for. type=show is only
	// a display effect, so the image is sent plainly.
	if strings.EqualFold(s.DataString("type"), "flash") {
		return unsupported(where, "Milky 1.2 cannot send flash images (type=flash)")
	}
	uri, err := c.media(s, where)
	if err != nil {
		return milky.OutgoingSegment{}, false, err
	}
	img := milky.OutgoingImage{URI: uri, SubType: milky.ImageNormal}
	// NTQQ's subType 1 (and Milky's own "sticker") is a sticker; every other
	// value is an ordinary picture.
	sub := s.DataString("sub_type")
	if sub == "" {
		sub = s.DataString("subType")
	}
	switch sub {
	case "1", milky.ImageSticker:
		img.SubType = milky.ImageSticker
	}
	if s.Has("summary") {
		summary := s.DataString("summary")
		img.Summary = &summary
	}
	return milky.OutgoingSegment{Type: milky.SegImage, Data: img}, true, nil
}

// media resolves a media segment's file (or url, or path) to a Milky URI.
// A received segment handed back whole carries both file (the resource id,
// resolved to a fresh URL) and url; when file cannot be resolved (an id of
// another implementation, an expired resource) a url that is a usable URI
// is the fallback rather than a failed send.
func (c *outConv) media(s onebot11.Segment, where loc) (string, error) {
	for _, k := range [...]string{"file", "url", "path"} {
		if !s.Has(k) {
			continue
		}
		ref := s.DataString(k)
		uri, err := c.uri(where, k, ref)
		if _, direct := DirectURI(strings.TrimSpace(ref)); err != nil && !direct && k == "file" && s.Has("url") {
			// A refused local file is reported, never swapped for url.
			if fallback, ok := DirectURI(strings.TrimSpace(s.DataString("url"))); ok {
				if fallback, err := c.env.localURI(fallback); err == nil {
					return fallback, nil
				}
			}
		}
		return uri, err
	}
	return "", onebot11.Errorf(onebot11.RetcodeBadRequest, "%s: missing file (or url)", where)
}

// node converts one node segment: custom content, or an existing message by
// id (fetched and re-sent, as Milky has no forward-by-reference).
func (c *outConv) node(s onebot11.Segment, where loc, depth int) (milky.OutgoingForwardedMessage, error) {
	if depth >= MaxForwardDepth {
		return milky.OutgoingForwardedMessage{}, onebot11.Errorf(onebot11.RetcodeBadRequest, "%s: forward nodes nested deeper than %d", where, MaxForwardDepth)
	}
	for _, k := range [...]string{"content", "message"} {
		if v, ok := s.Data[k]; ok && v != nil {
			return c.customNode(s, v, where, depth)
		}
	}
	if !s.Has("id") {
		return milky.OutgoingForwardedMessage{}, onebot11.Errorf(onebot11.RetcodeBadRequest, "%s: needs content (custom node) or id (existing message)", where)
	}
	return c.nodeByID(s, where)
}

func (c *outConv) customNode(s onebot11.Segment, content any, where loc, depth int) (milky.OutgoingForwardedMessage, error) {
	var n milky.OutgoingForwardedMessage
	// user_id/nickname are OneBot's names, uin/name go-cqhttp's.
	switch {
	case s.Has("user_id"):
		uin, err := segUin(s.DataString("user_id"), where, "user_id")
		if err != nil {
			return n, err
		}
		n.UserID = uin
	case s.Has("uin"):
		uin, err := segUin(s.DataString("uin"), where, "uin")
		if err != nil {
			return n, err
		}
		n.UserID = uin
	default:
		// No sender given: the bot itself, as OneBot implementations do.
		n.UserID = c.env.selfID()
		if !milky.ValidUin(n.UserID) {
			return n, onebot11.Errorf(onebot11.RetcodeBadRequest, "%s: missing user_id (or uin) and the bot's own number is not known yet", where)
		}
	}
	switch {
	case s.Has("nickname"):
		n.SenderName = s.DataString("nickname")
	case s.Has("name"):
		n.SenderName = s.DataString("name")
	default:
		n.SenderName = strconv.FormatInt(n.UserID, 10)
	}
	segs, err := contentSegments(content, where)
	if err != nil {
		return n, err
	}
	n.Segments, err = c.convert(segs, where.String()+" content", depth+1)
	if err != nil {
		return n, err
	}
	if len(n.Segments) == 0 {
		return n, onebot11.Errorf(onebot11.RetcodeBadRequest, "%s: content is empty", where)
	}
	return n, nil
}

// contentSegments decodes node content: a CQ string, one segment or an array.
func contentSegments(content any, where loc) ([]onebot11.Segment, error) {
	if str, ok := content.(string); ok {
		segs, err := onebot11.ParseCQ(str)
		return segs, Wrapf(err, "%s content", where)
	}
	raw, err := json.Marshal(content)
	if err != nil {
		return nil, onebot11.Errorf(onebot11.RetcodeBadRequest, "%s: content: %v", where, err)
	}
	segs, err := onebot11.ParseMessage(raw, false)
	return segs, Wrapf(err, "%s content", where)
}

func (c *outConv) nodeByID(s onebot11.Segment, where loc) (milky.OutgoingForwardedMessage, error) {
	var n milky.OutgoingForwardedMessage
	id, err := segMessageID(s, where)
	if err != nil {
		return n, err
	}
	ref, err := c.env.LookupMessage(id)
	if err != nil {
		return n, Wrapf(err, "%s id", where)
	}
	msg, err := c.env.FetchMessage(c.ctx, ref)
	if err != nil {
		return n, Wrapf(err, "%s: fetching message %d", where, id)
	}
	if !milky.ValidUin(msg.SenderID) {
		return n, onebot11.Errorf(onebot11.RetcodeNotFoundInMap, "%s: message %d has no sender (recalled?)", where, id)
	}
	n.UserID = msg.SenderID
	n.SenderName = senderName(msg)
	n.Segments, err = c.resend(msg.Segments, fmt.Sprintf("%s: message %d", where, id))
	if err != nil {
		return n, err
	}
	if len(n.Segments) == 0 {
		return n, onebot11.Errorf(onebot11.RetcodeBadRequest, "%s: message %d has no content that can be re-sent", where, id)
	}
	return n, nil
}

// resend turns a received message's segments into segments that send the
// same content again (for node-by-id).
func (c *outConv) resend(in []milky.IncomingSegment, where string) ([]milky.OutgoingSegment, error) {
	out := make([]milky.OutgoingSegment, 0, len(in))
	for i, s := range in {
		var seg milky.OutgoingSegment
		switch s.Type {
		case milky.SegText:
			seg = milky.OutgoingSegment{Type: milky.SegText, Data: milky.OutgoingText{Text: s.Data.Text}}
		case milky.SegMention:
			if !milky.ValidUin(s.Data.UserID) {
				return nil, onebot11.Errorf(onebot11.RetcodeUpstream, "%s segment %d: mention of invalid QQ number %d", where, i, s.Data.UserID)
			}
			seg = milky.OutgoingSegment{Type: milky.SegMention, Data: milky.OutgoingMention{UserID: s.Data.UserID}}
		case milky.SegMentionAll:
			seg = milky.OutgoingSegment{Type: milky.SegMentionAll, Data: milky.OutgoingMentionAll{}}
		case milky.SegFace:
			seg = milky.OutgoingSegment{Type: milky.SegFace, Data: milky.OutgoingFace{FaceID: s.Data.FaceID, IsLarge: s.Data.IsLarge}}
		case milky.SegReply:
			// The quote points into the source conversation; inside a
			// forward node it has no meaning, so the node carries the
			// message's own content only.
			continue
		case milky.SegImage, milky.SegRecord, milky.SegVideo:
			uri, err := c.resourceURI(s.Data, fmt.Sprintf("%s segment %d (%s)", where, i, s.Type))
			if err != nil {
				return nil, err
			}
			switch s.Type {
			case milky.SegImage:
				img := milky.OutgoingImage{URI: uri, SubType: milky.ImageNormal}
				if s.Data.SubType == milky.ImageSticker {
					img.SubType = milky.ImageSticker
				}
				if s.Data.Summary != "" {
					summary := s.Data.Summary
					img.Summary = &summary
				}
				seg = milky.OutgoingSegment{Type: milky.SegImage, Data: img}
			case milky.SegRecord:
				seg = milky.OutgoingSegment{Type: milky.SegRecord, Data: milky.OutgoingRecord{URI: uri}}
			default:
				seg = milky.OutgoingSegment{Type: milky.SegVideo, Data: milky.OutgoingVideo{URI: uri}}
			}
		case milky.SegLightApp:
			seg = milky.OutgoingSegment{Type: milky.SegLightApp, Data: milky.OutgoingLightApp{JSONPayload: s.Data.JSONPayload}}
		default:
			// file, forward, market_face, xml and unknown kinds cannot be sent.
			return nil, onebot11.Errorf(onebot11.RetcodeUnsupported, "%s segment %d: a received %s segment cannot be re-sent on Milky 1.2", where, i, s.Type)
		}
		out = AppendSegment(out, seg)
	}
	return out, nil
}

// resourceURI is the URL of received media: its temp_url, or a fresh one.
func (c *outConv) resourceURI(d milky.IncomingSegmentData, where string) (string, error) {
	if d.TempURL != "" {
		return d.TempURL, nil // just fetched, so still valid
	}
	if d.ResourceID == "" {
		return "", onebot11.Errorf(onebot11.RetcodeUpstream, "%s: upstream gave neither temp_url nor resource_id", where)
	}
	return c.env.MediaURI(c.ctx, where, d.ResourceID)
}

// uri resolves one media field; the field's name is only formatted when the
// reference needs the upstream (or fails), keeping the common case cheap.
func (c *outConv) uri(where loc, key, ref string) (string, error) {
	if uri, ok := DirectURI(strings.TrimSpace(ref)); ok {
		uri, err := c.env.localURI(uri)
		if err != nil {
			return "", Wrapf(err, "%s %s", where, key)
		}
		return uri, nil
	}
	return c.env.MediaURI(c.ctx, where.String()+" "+key, ref)
}

// loc names a segment in errors ("message[2] (image)"). It is formatted only
// when an error is built: the success path allocates nothing for it.
type loc struct {
	path string // "message", or a node's loc + " content"
	i    int
	typ  string
}

func (l loc) String() string { return fmt.Sprintf("%s[%d] (%s)", l.path, l.i, onebot11.Clip(l.typ)) }

// AppendSegment appends seg, merging it into a preceding text segment.
func AppendSegment(out []milky.OutgoingSegment, seg milky.OutgoingSegment) []milky.OutgoingSegment {
	if t, ok := seg.Data.(milky.OutgoingText); ok {
		if t.Text == "" {
			return out
		}
		if n := len(out); n > 0 {
			if prev, ok := out[n-1].Data.(milky.OutgoingText); ok {
				out[n-1].Data = milky.OutgoingText{Text: prev.Text + t.Text}
				return out
			}
		}
	}
	return append(out, seg)
}

// ---- small helpers ----

// LookupMessage resolves a message_id to its Milky triple.
func (e *ForOneBot) LookupMessage(id int32) (idmap.Ref, error) {
	ref, ok := e.IDs.RefFor(id)
	if !ok {
		return ref, onebot11.Errorf(onebot11.RetcodeNotFoundInMap, "unknown or expired message_id %d", id)
	}
	return ref, nil
}

// FetchMessage is get_message for a stored triple.
func (e *ForOneBot) FetchMessage(ctx context.Context, ref idmap.Ref) (*milky.IncomingMessage, error) {
	var out milky.GetMessageOutput
	in := milky.GetMessageInput{MessageScene: ref.Scene, PeerID: ref.Peer, MessageSeq: ref.Seq}
	if err := e.Upstream.Call(ctx, milky.APIGetMessage, &in, &out); err != nil {
		return nil, err
	}
	return &out.Message, nil
}

// senderName is the name shown for a message's sender: card, then nickname.
func senderName(m *milky.IncomingMessage) string {
	switch {
	case m.GroupMember != nil && m.GroupMember.Card != "":
		return m.GroupMember.Card
	case m.GroupMember != nil && m.GroupMember.Nickname != "":
		return m.GroupMember.Nickname
	case m.Friend != nil && m.Friend.Nickname != "":
		return m.Friend.Nickname
	}
	return strconv.FormatInt(m.SenderID, 10)
}

func segUin(v string, where fmt.Stringer, key string) (int64, error) {
	n, err := strconv.ParseInt(strings.TrimSpace(v), 10, 64)
	if err != nil || !milky.ValidUin(n) {
		return 0, onebot11.Errorf(onebot11.RetcodeBadRequest, "%s: %s %q is not a QQ number", where, key, Shorten(v, 30))
	}
	return n, nil
}

// segMessageID reads a segment's id as a message_id; ids re-sent as uint32
// (negative int32 ids printed unsigned) are accepted like Params.Int32 does.
func segMessageID(s onebot11.Segment, where loc) (int32, error) {
	v := strings.TrimSpace(s.DataString("id"))
	if v == "" {
		return 0, onebot11.Errorf(onebot11.RetcodeBadRequest, "%s: missing id", where)
	}
	n, err := strconv.ParseInt(v, 10, 64)
	if err != nil || n < -1<<31 || n > 1<<32-1 {
		return 0, onebot11.Errorf(onebot11.RetcodeBadRequest, "%s: id %q is not a message_id", where, Shorten(v, 30))
	}
	return int32(uint32(n)), nil
}

func truthy(s string) bool {
	switch strings.ToLower(strings.TrimSpace(s)) {
	case "true", "1", "yes":
		return true
	}
	return false
}

func bad(where loc, why string) (milky.OutgoingSegment, bool, error) {
	return milky.OutgoingSegment{}, false, onebot11.Errorf(onebot11.RetcodeBadRequest, "%s: %s", where, why)
}

func unsupported(where loc, why string) (milky.OutgoingSegment, bool, error) {
	return milky.OutgoingSegment{}, false, onebot11.Errorf(onebot11.RetcodeUnsupported, "%s: %s", where, why)
}

// Resend converts the segments of a received message back into segments
// that send it again to (scene, peer) (forward_*_single_msg); where names
// the message in errors.
func (e *ForOneBot) Resend(ctx context.Context, in []milky.IncomingSegment, where, scene string, peer int64) ([]milky.OutgoingSegment, error) {
	c := &outConv{env: e, ctx: ctx, scene: scene, peer: peer}
	return c.resend(in, where)
}

// SegmentPlace names segment i (of type typ) of a message in errors, as the
// converter does: "message[i] (typ)".
func SegmentPlace(i int, typ string) string { return loc{"message", i, typ}.String() }

// SegmentUin reads a QQ number from data key of the segment at where (see
// SegmentPlace), naming both in its error.
func SegmentUin(v, where, key string) (int64, error) { return segUin(v, place(where), key) }

// place is a where that is already a string.
type place string

func (p place) String() string { return string(p) }
