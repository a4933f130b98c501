package simulator

import (
	"bytes"
	"encoding/base64"
	"fmt"
	"hash/fnv"
	"image"
	_ "image/gif" // DecodeConfig of sent images
	_ "image/jpeg"
	_ "image/png"
	"strings"

	"github.com/goccy/go-json"

	"github.com/qqbridge/gateway/milky"
)

// Outgoing segments: validation against the schema (parse phase, before any
// state changes) and conversion into the incoming segments the message is
// stored and reported as (under the world lock).

const maxForwardDepth = 8

// parseOutgoing validates o[name] as an OutgoingSegment array.
func parseOutgoing(o *milky.Params, name string, depth int) []milky.OutgoingSegment {
	raws := o.Array(name)
	if o.Err() != nil {
		return nil
	}
	if len(raws) == 0 {
		o.Fail(name, "must not be empty")
		return nil
	}
	out := make([]milky.OutgoingSegment, 0, len(raws))
	for i, raw := range raws {
		so := o.Element(name, i, raw)
		typ := so.String("type")
		if so.Err() != nil {
			return nil
		}
		d := so.Object("data")
		if so.Err() != nil {
			return nil
		}
		var data any
		switch typ {
		case milky.SegText:
			data = milky.OutgoingText{Text: d.String("text")}
		case milky.SegMention:
			data = milky.OutgoingMention{UserID: d.Uin("user_id")}
		case milky.SegMentionAll:
			data = milky.OutgoingMentionAll{}
		case milky.SegFace:
			data = milky.OutgoingFace{FaceID: d.NonEmpty("face_id"), IsLarge: d.BoolDef("is_large", false)}
		case milky.SegReply:
			data = milky.OutgoingReply{MessageSeq: d.Int64("message_seq")}
		case milky.SegImage:
			data = milky.OutgoingImage{URI: uri(d, "uri"), SubType: d.EnumDef("sub_type", "normal", "normal", "sticker"),
				Summary: d.OptString("summary")}
		case milky.SegRecord:
			data = milky.OutgoingRecord{URI: uri(d, "uri")}
		case milky.SegVideo:
			v := milky.OutgoingVideo{URI: uri(d, "uri")}
			if d.Has("thumb_uri") {
				v.ThumbURI = ptr(uri(d, "thumb_uri"))
			}
			data = v
		case milky.SegForward:
			data = parseForward(d, depth)
		case milky.SegLightApp:
			data = milky.OutgoingLightApp{JSONPayload: d.NonEmpty("json_payload")}
		default:
			so.Fail("type", "%q is not an outgoing segment type (text, mention, mention_all, face, reply, image, record, video, forward, light_app)", typ)
		}
		if o.Err() != nil {
			return nil
		}
		out = append(out, milky.OutgoingSegment{Type: typ, Data: data})
	}
	return out
}

func parseForward(d *milky.Params, depth int) milky.OutgoingForward {
	var f milky.OutgoingForward
	if depth >= maxForwardDepth {
		d.Fail("messages", "forwards nested deeper than %d levels", maxForwardDepth)
		return f
	}
	nodes := d.Array("messages")
	if d.Err() == nil && len(nodes) == 0 {
		d.Fail("messages", "must not be empty")
	}
	for i, raw := range nodes {
		n := d.Element("messages", i, raw)
		node := milky.OutgoingForwardedMessage{UserID: n.Uin("user_id"), SenderName: n.String("sender_name")}
		node.Segments = parseOutgoing(n, "segments", depth+1)
		if d.Err() != nil {
			return f
		}
		f.Messages = append(f.Messages, node)
	}
	f.Title = d.OptString("title")
	f.Summary = d.OptString("summary")
	f.Prompt = d.OptString("prompt")
	if raws, ok := d.OptArray("preview"); ok {
		if d.Err() == nil && (len(raws) < 1 || len(raws) > 4) {
			d.Fail("preview", "must have 1 to 4 items, got %d", len(raws))
		}
		for i, r := range raws {
			var s string
			if len(r) == 0 || r[0] != '"' || json.Unmarshal(r, &s) != nil {
				d.Fail(fmt.Sprintf("preview[%d]", i), "must be a string")
				break
			}
			f.Preview = append(f.Preview, s)
		}
	}
	return f
}

// uri reads a required resource URI in one of the three schemes Milky
// accepts; base64:// content must decode.
func uri(o *milky.Params, name string) string {
	s := o.String(name)
	if o.Err() != nil {
		return ""
	}
	if _, err := decodeURI(s); err != nil {
		o.Fail(name, "%v", err)
	}
	return s
}

// decodeURI checks the scheme and returns the content of a base64:// URI
// (nil for the others: the simulator never reads local files or the network).
func decodeURI(s string) ([]byte, error) {
	switch {
	case strings.HasPrefix(s, "base64://"):
		b, err := base64.StdEncoding.DecodeString(s[len("base64://"):])
		if err != nil {
			return nil, fmt.Errorf("base64:// content is not valid base64")
		}
		return b, nil
	case strings.HasPrefix(s, "file://"), strings.HasPrefix(s, "http://"), strings.HasPrefix(s, "https://"):
		if len(s) <= len("https://") && !strings.HasPrefix(s, "file://") {
			return nil, fmt.Errorf("%q has no host", s)
		}
		return nil, nil
	}
	return nil, fmt.Errorf("%q must start with file://, http://, https:// or base64://", clipStr(s))
}

func clipStr(s string) string {
	if len(s) > 40 {
		return s[:37] + "..."
	}
	return s
}

// convCtx is where a message is being sent.
type convCtx struct {
	c    *conv
	g    *group // group scene only
	now  int64
	path string // "message"
}

// toIncoming converts validated outgoing segments into what the message is
// stored as. Only a reply to a message missing from the conversation fails.
func (w *world) toIncoming(cx convCtx, segs []milky.OutgoingSegment) ([]milky.IncomingSegment, error) {
	out := make([]milky.IncomingSegment, 0, len(segs))
	for i, s := range segs {
		path := fmt.Sprintf("%s[%d].data", cx.path, i)
		var in milky.IncomingSegment
		switch d := s.Data.(type) {
		case milky.OutgoingText:
			in = milky.IncomingSegment{Type: milky.SegText, Data: milky.IncomingSegmentData{Text: d.Text}}
		case milky.OutgoingMention:
			in = milky.IncomingSegment{Type: milky.SegMention, Data: milky.IncomingSegmentData{UserID: d.UserID, Name: w.displayName(cx.g, d.UserID)}}
		case milky.OutgoingMentionAll:
			in = milky.IncomingSegment{Type: milky.SegMentionAll}
		case milky.OutgoingFace:
			in = milky.IncomingSegment{Type: milky.SegFace, Data: milky.IncomingSegmentData{FaceID: d.FaceID, IsLarge: d.IsLarge}}
		case milky.OutgoingReply:
			if m, _ := cx.c.find(d.MessageSeq); m == nil {
				return nil, notFound("%s.message_seq: message %d not found in this conversation", path, d.MessageSeq)
			}
			in = w.replyTo(cx.c, d.MessageSeq)
		case milky.OutgoingImage:
			data, _ := decodeURI(d.URI)
			r := w.newResource("image", d.URI, data)
			r.w, r.h = 640, 480
			if cfg, _, err := image.DecodeConfig(bytes.NewReader(data)); err == nil {
				r.w, r.h = int32(cfg.Width), int32(cfg.Height)
			}
			summary := "[图片]"
			if d.SubType == "sticker" {
				summary = "[动画表情]"
			}
			if d.Summary != nil && *d.Summary != "" {
				summary = *d.Summary
			}
			in = milky.IncomingSegment{Type: milky.SegImage, Data: w.imageData(r, summary, d.SubType)}
		case milky.OutgoingRecord:
			data, _ := decodeURI(d.URI)
			r := w.newResource("record", d.URI, data)
			r.dur = int32(min(1+len(data)/4000, 60))
			if data == nil {
				r.dur = int32(1 + hashOf(d.URI)%30)
			}
			in = milky.IncomingSegment{Type: milky.SegRecord, Data: milky.IncomingSegmentData{ResourceID: r.id, TempURL: w.resURL(r), Duration: r.dur}}
		case milky.OutgoingVideo:
			data, _ := decodeURI(d.URI)
			r := w.newResource("video", d.URI, data)
			r.w, r.h, r.dur = 1280, 720, int32(5+hashOf(d.URI)%60)
			in = milky.IncomingSegment{Type: milky.SegVideo, Data: milky.IncomingSegmentData{ResourceID: r.id, TempURL: w.resURL(r),
				Width: r.w, Height: r.h, Duration: r.dur}}
		case milky.OutgoingForward:
			seg, err := w.forwardToIncoming(cx, path, d)
			if err != nil {
				return nil, err
			}
			in = seg
		case milky.OutgoingLightApp:
			var head struct {
				App string `json:"app"`
			}
			_ = json.Unmarshal([]byte(d.JSONPayload), &head)
			if head.App == "" {
				head.App = "com.tencent.miniapp"
			}
			in = milky.IncomingSegment{Type: milky.SegLightApp, Data: milky.IncomingSegmentData{AppName: head.App, JSONPayload: d.JSONPayload}}
		}
		out = append(out, in)
	}
	return out, nil
}

func (w *world) forwardToIncoming(cx convCtx, path string, f milky.OutgoingForward) (milky.IncomingSegment, error) {
	nodes := make([]milky.IncomingForwardedMessage, 0, len(f.Messages))
	for i, n := range f.Messages {
		sub := cx
		sub.path = fmt.Sprintf("%s.messages[%d].segments", path, i)
		segs, err := w.toIncoming(sub, n.Segments)
		if err != nil {
			return milky.IncomingSegment{}, err
		}
		nodes = append(nodes, milky.IncomingForwardedMessage{MessageSeq: int64(i + 1), SenderName: n.SenderName,
			AvatarURL: avatarURL(n.UserID), Time: cx.now, Segments: segs})
	}
	title := "群聊的聊天记录"
	if cx.c.key.scene != milky.SceneGroup {
		title = "聊天记录"
	}
	if f.Title != nil && *f.Title != "" {
		title = *f.Title
	}
	summary := ""
	if f.Summary != nil {
		summary = *f.Summary
	}
	seg := w.storeForward(nodes, title, summary)
	if len(f.Preview) > 0 {
		seg.Data.Preview = f.Preview
	}
	return seg, nil
}

func hashOf(s string) int {
	h := fnv.New32a()
	_, _ = h.Write([]byte(s))
	return int(h.Sum32() & 0x7fffffff)
}

// textOf joins the text segments of a message.
func textOf(segs []milky.IncomingSegment) string {
	var b strings.Builder
	for _, s := range segs {
		if s.Type == milky.SegText {
			b.WriteString(s.Data.Text)
		}
	}
	return b.String()
}
