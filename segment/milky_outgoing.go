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

// ToOneBotMessage is ToOneBot for a message without a forward segment, in
// the typed form (no map per segment, see onebot11.Message), whose
// AppendJSON writes the bytes json.Marshal writes for ToOneBot's result.
// ok false, with no error: the conversion reached a forward segment
// (nothing was converted past it; use ToOneBot). Segments are converted in
// order, so a bad segment ahead of a forward is an error instead, with ok
// true. Errors are ToOneBot's; check err before ok.
func (c *Outgoing) ToOneBotMessage(scene string, peer int64, segs []milky.OutgoingSegment) (msg onebot11.Message, ok bool, err error) {
	msg = make(onebot11.Message, 0, len(segs))
	// One backing array for every segment's params: a segment has at most
	// three.
	params := make([]onebot11.Param, 0, 3*len(segs))
	for i := range segs {
		s := &segs[i]
		d := deref(s.Data)
		if _, fwd := d.(milky.OutgoingForward); fwd {
			return nil, false, nil
		}
		n := len(params)
		var typ string
		typ, params, err = c.flat(params, scene, peer, s.Type, d, "message", i)
		if err != nil {
			return nil, true, err
		}
		msg = append(msg, onebot11.BuiltSegment{Type: typ, Params: params[n:len(params):len(params)]})
	}
	return msg, true, nil
}

func (c *Outgoing) convert(scene string, peer int64, segs []milky.OutgoingSegment, path string, depth int) ([]onebot11.Segment, error) {
	if depth > milky.MaxOutgoingDepth {
		return nil, &Error{Field: path, Reason: "forward nesting too deep"}
	}
	out := make([]onebot11.Segment, 0, len(segs))
	var params [3]onebot11.Param
	for i := range segs {
		s := &segs[i]
		d := deref(s.Data)
		if f, ok := d.(milky.OutgoingForward); ok {
			var err error
			if out, err = c.forward(out, scene, peer, f, whereOf(path, i), depth); err != nil {
				return nil, err
			}
			continue
		}
		typ, p, err := c.flat(params[:0], scene, peer, s.Type, d, path, i)
		if err != nil {
			return nil, err
		}
		data := make(map[string]any, len(p))
		for _, kv := range p {
			data[kv.Key] = kv.Value
		}
		out = append(out, onebot11.Segment{Type: typ, Data: data})
	}
	return out, nil
}

// whereOf is the path of segment i of the array at path ("message[2]"),
// built only for an error or a forward's nodes.
func whereOf(path string, i int) string { return path + "[" + strconv.Itoa(i) + "]" }

// flat converts one segment that is not a forward (d is its deref'd data)
// into its OneBot type and params, appended to params. Segment i of the
// array at path names it in errors.
func (c *Outgoing) flat(params []onebot11.Param, scene string, peer int64, typ string, d any, path string, i int) (string, []onebot11.Param, error) {
	switch d := d.(type) {
	case milky.OutgoingText:
		return "text", append(params, onebot11.Param{Key: "text", Value: d.Text}), nil
	case milky.OutgoingMention:
		return "at", append(params, onebot11.Param{Key: "qq", Value: strconv.FormatInt(d.UserID, 10)}), nil
	case milky.OutgoingMentionAll:
		return "at", append(params, onebot11.Param{Key: "qq", Value: "all"}), nil
	case milky.OutgoingFace:
		params = append(params, onebot11.Param{Key: "id", Value: d.FaceID})
		if d.IsLarge {
			params = append(params, onebot11.Param{Key: "large", Value: "true"})
		}
		return "face", params, nil
	case milky.OutgoingReply:
		if c.Seqs == nil {
			return "", nil, &Error{Field: whereOf(path, i) + ".data.message_seq", Reason: "no message with seq " + strconv.FormatInt(d.MessageSeq, 10) + " in this conversation", NotFound: true}
		}
		id, ok := c.Seqs.UpstreamID(idmap.Ref{Scene: scene, Peer: peer, Seq: d.MessageSeq})
		if !ok {
			return "", nil, &Error{Field: whereOf(path, i) + ".data.message_seq", Reason: "no message with seq " + strconv.FormatInt(d.MessageSeq, 10) + " in this conversation", NotFound: true}
		}
		return "reply", append(params, onebot11.Param{Key: "id", Value: strconv.FormatInt(int64(id), 10)}), nil
	case milky.OutgoingImage:
		file, err := c.resourceURI(d.URI, path, i, ".data.uri")
		if err != nil {
			return "", nil, err
		}
		params = append(params, onebot11.Param{Key: "file", Value: file})
		if d.SubType == milky.ImageSticker {
			// NapCat/LLOneBot: sub_type 1 sends the picture as an emoticon.
			params = append(params, onebot11.Param{Key: "sub_type", Value: "1"})
		}
		if d.Summary != nil {
			params = append(params, onebot11.Param{Key: "summary", Value: *d.Summary})
		}
		return "image", params, nil
	case milky.OutgoingRecord:
		file, err := c.resourceURI(d.URI, path, i, ".data.uri")
		if err != nil {
			return "", nil, err
		}
		return "record", append(params, onebot11.Param{Key: "file", Value: file}), nil
	case milky.OutgoingVideo:
		file, err := c.resourceURI(d.URI, path, i, ".data.uri")
		if err != nil {
			return "", nil, err
		}
		params = append(params, onebot11.Param{Key: "file", Value: file})
		if d.ThumbURI != nil {
			thumb, err := c.resourceURI(*d.ThumbURI, path, i, ".data.thumb_uri")
			if err != nil {
				return "", nil, err
			}
			params = append(params, onebot11.Param{Key: "thumb", Value: thumb})
		}
		return "video", params, nil
	case milky.OutgoingLightApp:
		return "json", append(params, onebot11.Param{Key: "data", Value: d.JSONPayload}), nil
	case nil:
		return "", nil, &Error{Field: whereOf(path, i) + ".data", Reason: "missing for segment type " + boundedQuote(typ)}
	}
	return "", nil, &Error{Field: whereOf(path, i) + ".type", Reason: "unsupported outgoing segment type " + boundedQuote(typ)}
}

// forward appends a forward segment's node segments.
func (c *Outgoing) forward(out []onebot11.Segment, scene string, peer int64, d milky.OutgoingForward, where string, depth int) ([]onebot11.Segment, error) {
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
// The field is segment i of the array at path, then member (".data.uri"),
// named only in an error.
func (c *Outgoing) resourceURI(uri, path string, i int, member string) (string, error) {
	switch {
	case uri == "":
		return "", &Error{Field: whereOf(path, i) + member, Reason: "empty"}
	case strings.HasPrefix(uri, "file://"):
		out, err := ConfineLocalURI(uri, c.LocalFile)
		if err != nil {
			return "", &Error{Field: whereOf(path, i) + member, Reason: err.Error()}
		}
		return out, nil
	case strings.HasPrefix(uri, "http://"), strings.HasPrefix(uri, "https://"):
		return uri, nil
	case strings.HasPrefix(uri, "base64://"):
		if len(uri) == len("base64://") {
			return "", &Error{Field: whereOf(path, i) + member, Reason: "empty base64 data"}
		}
		return uri, nil
	}
	return "", &Error{Field: whereOf(path, i) + member, Reason: "want file://, http(s):// or base64://, got " + boundedQuote(uri)}
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
