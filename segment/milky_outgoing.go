package segment

import (
	"strconv"
	"strings"

	"github.com/qqbridge/gateway/idmap"
	"github.com/qqbridge/gateway/milky"
	"github.com/qqbridge/gateway/onebot11"
)

// Milky outgoing segments a bot sends (decoded by milky.OutgoingSegment's
// UnmarshalJSON into typed Outgoing* data) -> OneBot 11 segments for the
// upstream's send_msg. Values are written as strings, as go-cqhttp does;
// NapCat, LLOneBot, Lagrange and Shamrock all accept strings.

// Error is a segment that cannot be converted. Field is the path in the
// Milky message ("message[1].data.message_seq"); NotFound marks an id the
// gateway does not know (a reply to a message_seq it never issued), as
// opposed to a malformed value. Messages are bounded.
type Error struct {
	Field    string
	Reason   string
	NotFound bool
}

func (e *Error) Error() string { return e.Field + ": " + e.Reason }

// Outgoing converts segments a Milky bot sends. Seqs resolves reply
// message_seq to the upstream message_id; without it every reply fails.
type Outgoing struct {
	Seqs idmap.SeqMapper
	// LocalFile is the --media-local-files policy for file:// URIs (see
	// ConfineLocalURI); nil allows every file.
	LocalFile func(path string) error
}

// ToOneBot converts a Milky message for conversation (scene, peer). A
// forward segment becomes its node segments in place (nested forwards become
// nodes inside node content); ForwardOptions reads the forward's card texts.
func (c *Outgoing) ToOneBot(scene string, peer int64, segs []milky.OutgoingSegment) ([]onebot11.Segment, error) {
	return c.convert(scene, peer, segs, "message", 0)
}

func (c *Outgoing) convert(scene string, peer int64, segs []milky.OutgoingSegment, path string, depth int) ([]onebot11.Segment, error) {
	if depth > milky.MaxOutgoingDepth {
		return nil, &Error{Field: path, Reason: "forward nesting too deep"}
	}
	out := make([]onebot11.Segment, 0, len(segs))
	for i := range segs {
		where := path + "[" + strconv.Itoa(i) + "]"
		var err error
		out, err = c.segment(out, scene, peer, &segs[i], where, depth)
		if err != nil {
			return nil, err
		}
	}
	return out, nil
}

func (c *Outgoing) segment(out []onebot11.Segment, scene string, peer int64, s *milky.OutgoingSegment, where string, depth int) ([]onebot11.Segment, error) {
	switch d := deref(s.Data).(type) {
	case milky.OutgoingText:
		return append(out, ob("text", "text", d.Text)), nil
	case milky.OutgoingMention:
		return append(out, ob("at", "qq", strconv.FormatInt(d.UserID, 10))), nil
	case milky.OutgoingMentionAll:
		return append(out, ob("at", "qq", "all")), nil
	case milky.OutgoingFace:
		seg := ob("face", "id", d.FaceID)
		if d.IsLarge {
			seg.Data["large"] = "true"
		}
		return append(out, seg), nil
	case milky.OutgoingReply:
		if c.Seqs == nil {
			return nil, &Error{Field: where + ".data.message_seq", Reason: "no message with seq " + strconv.FormatInt(d.MessageSeq, 10) + " in this conversation", NotFound: true}
		}
		id, ok := c.Seqs.UpstreamID(idmap.Ref{Scene: scene, Peer: peer, Seq: d.MessageSeq})
		if !ok {
			return nil, &Error{Field: where + ".data.message_seq", Reason: "no message with seq " + strconv.FormatInt(d.MessageSeq, 10) + " in this conversation", NotFound: true}
		}
		return append(out, ob("reply", "id", strconv.FormatInt(int64(id), 10))), nil
	case milky.OutgoingImage:
		file, err := c.resourceURI(d.URI, where+".data.uri")
		if err != nil {
			return nil, err
		}
		seg := ob("image", "file", file)
		if d.SubType == milky.ImageSticker {
			// NapCat/LLOneBot: sub_type 1 sends the picture as an emoticon.
			seg.Data["sub_type"] = "1"
		}
		if d.Summary != nil {
			seg.Data["summary"] = *d.Summary
		}
		return append(out, seg), nil
	case milky.OutgoingRecord:
		file, err := c.resourceURI(d.URI, where+".data.uri")
		if err != nil {
			return nil, err
		}
		return append(out, ob("record", "file", file)), nil
	case milky.OutgoingVideo:
		file, err := c.resourceURI(d.URI, where+".data.uri")
		if err != nil {
			return nil, err
		}
		seg := ob("video", "file", file)
		if d.ThumbURI != nil {
			thumb, err := c.resourceURI(*d.ThumbURI, where+".data.thumb_uri")
			if err != nil {
				return nil, err
			}
			seg.Data["thumb"] = thumb
		}
		return append(out, seg), nil
	case milky.OutgoingForward:
		if len(d.Messages) == 0 {
			return nil, &Error{Field: where + ".data.messages", Reason: "empty"}
		}
		for j := range d.Messages {
			m := &d.Messages[j]
			mwhere := where + ".data.messages[" + strconv.Itoa(j) + "]"
			// Forward nodes are not in any conversation: a reply inside
			// one still names the conversation being sent to.
			content, err := c.convert(scene, peer, m.Segments, mwhere+".segments", depth+1)
			if err != nil {
				return nil, err
			}
			out = append(out, onebot11.Segment{Type: onebot11.SegNode, Data: map[string]any{
				"user_id":  strconv.FormatInt(m.UserID, 10),
				"nickname": m.SenderName,
				// go-cqhttp spells the sender uin/name; NapCat reads both.
				"uin":     strconv.FormatInt(m.UserID, 10),
				"name":    m.SenderName,
				"content": content,
			}})
		}
		return out, nil
	case milky.OutgoingLightApp:
		return append(out, ob("json", "data", d.JSONPayload)), nil
	case nil:
		return nil, &Error{Field: where + ".data", Reason: "missing for segment type " + boundedQuote(s.Type)}
	}
	return nil, &Error{Field: where + ".type", Reason: "unsupported outgoing segment type " + boundedQuote(s.Type)}
}

// ForwardMeta is the card text of a forward segment, which OneBot 11 has no
// segment field for; NapCat takes it as send_forward_msg params (news,
// prompt, summary, source).
type ForwardMeta struct {
	Title   string   `json:"title,omitempty"`   // NapCat "source"
	Preview []string `json:"preview,omitempty"` // NapCat "news" [{text}]
	Summary string   `json:"summary,omitempty"`
	Prompt  string   `json:"prompt,omitempty"`
}

// ForwardOptions returns the card text of the first forward segment of segs,
// false when there is none or it sets nothing.
func ForwardOptions(segs []milky.OutgoingSegment) (ForwardMeta, bool) {
	for i := range segs {
		f, ok := deref(segs[i].Data).(milky.OutgoingForward)
		if !ok {
			continue
		}
		var m ForwardMeta
		if f.Title != nil {
			m.Title = *f.Title
		}
		if f.Summary != nil {
			m.Summary = *f.Summary
		}
		if f.Prompt != nil {
			m.Prompt = *f.Prompt
		}
		m.Preview = f.Preview
		return m, m.Title != "" || m.Summary != "" || m.Prompt != "" || len(m.Preview) > 0
	}
	return ForwardMeta{}, false
}

// resourceURI checks a Milky resource URI. OneBot 11 implementations take all
// three Milky schemes in their file field as they are; a file:// URI must
// pass the local-file policy.
func (c *Outgoing) resourceURI(uri, field string) (string, error) {
	switch {
	case uri == "":
		return "", &Error{Field: field, Reason: "empty"}
	case strings.HasPrefix(uri, "file://"):
		out, err := ConfineLocalURI(uri, c.LocalFile)
		if err != nil {
			return "", &Error{Field: field, Reason: err.Error()}
		}
		return out, nil
	case strings.HasPrefix(uri, "http://"), strings.HasPrefix(uri, "https://"):
		return uri, nil
	case strings.HasPrefix(uri, "base64://"):
		if len(uri) == len("base64://") {
			return "", &Error{Field: field, Reason: "empty base64 data"}
		}
		return uri, nil
	}
	return "", &Error{Field: field, Reason: "want file://, http(s):// or base64://, got " + boundedQuote(uri)}
}

func ob(typ, key, value string) onebot11.Segment {
	return onebot11.Segment{Type: typ, Data: map[string]any{key: value}}
}

// boundedQuote quotes s for an error, cut to 48 bytes (a base64 URI can be
// megabytes).
func boundedQuote(s string) string {
	const max = 48
	if len(s) > max {
		s = s[:max] + "…"
	}
	return strconv.Quote(s)
}

// deref accepts Go callers that build segments with pointer data.
func deref(d any) any {
	switch p := d.(type) {
	case *milky.OutgoingText:
		return derefOr(p)
	case *milky.OutgoingMention:
		return derefOr(p)
	case *milky.OutgoingMentionAll:
		return derefOr(p)
	case *milky.OutgoingFace:
		return derefOr(p)
	case *milky.OutgoingReply:
		return derefOr(p)
	case *milky.OutgoingImage:
		return derefOr(p)
	case *milky.OutgoingRecord:
		return derefOr(p)
	case *milky.OutgoingVideo:
		return derefOr(p)
	case *milky.OutgoingForward:
		return derefOr(p)
	case *milky.OutgoingLightApp:
		return derefOr(p)
	}
	return d
}

func derefOr[T any](p *T) any {
	if p == nil {
		return nil
	}
	return *p
}
