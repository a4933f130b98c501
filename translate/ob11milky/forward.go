package ob11milky

import (
	"context"
	"strconv"
	"strings"

	"github.com/qqbridge/gateway/idmap"
	"github.com/qqbridge/gateway/milky"
	"github.com/qqbridge/gateway/onebot11"
	"github.com/qqbridge/gateway/segment"
)

// Merged forwards: reading one (get_forward_msg), sending one
// (send_*_forward_msg) and re-sending a single message elsewhere
// (forward_*_single_msg).

// forwardNode is one get_forward_msg node. The two client styles read
// different keys for the content: LLOneBot/NapCat `content`, Shamrock
// `message`; both carry the same value.
type forwardNode struct {
	segment.ForwardNode
	Message any `json:"message"`
}

type forwardResult struct {
	Messages []forwardNode `json:"messages"`
}

// getForwardMsg: id (Shamrock) or message_id (LLOneBot) → get_forwarded_messages.
// The value is the forward id of a received forward segment. NapCat also
// accepts the message_id of the message that carries the forward: a value
// that is a known message_id is resolved that way (get_message, then its
// forward segment's id); forward ids are long opaque strings, so the two do
// not collide in practice.
func getForwardMsg(ctx context.Context, env *Env, p *onebot11.Reader) (any, error) {
	id := p.String("id", "message_id")
	if err := p.Err(); err != nil {
		return nil, err
	}
	id = strings.TrimSpace(id)
	if id == "" {
		_, name, _ := p.Raw("id", "message_id")
		return nil, onebot11.Errorf(onebot11.RetcodeBadRequest, "parameter %s: empty forward id", name)
	}
	forwardID := id
	if ref, ok := knownMessageID(env, id); ok {
		msg, err := env.FetchMessage(ctx, ref)
		if err != nil {
			return nil, err
		}
		forwardID = firstForwardID(msg.Segments)
		if forwardID == "" {
			return nil, onebot11.Errorf(onebot11.RetcodeBadRequest, "message %s carries no merged forward", id)
		}
	}
	var out milky.GetForwardedMessagesOutput
	if err := env.Upstream.Call(ctx, milky.APIGetForwardedMessages, &milky.GetForwardedMessagesInput{ForwardID: forwardID}, &out); err != nil {
		return nil, err
	}
	nodes := env.ForwardNodes(out.Messages)
	res := forwardResult{Messages: make([]forwardNode, len(nodes))}
	for i, n := range nodes {
		res.Messages[i] = forwardNode{ForwardNode: n, Message: n.Content}
	}
	return &res, nil
}

// knownMessageID resolves s when it is a message_id the gateway handed out.
func knownMessageID(env *Env, s string) (idmap.Ref, bool) {
	n, err := strconv.ParseInt(s, 10, 64)
	if err != nil || n < -1<<31 || n > 1<<32-1 {
		return idmap.Ref{}, false
	}
	return env.IDs.RefFor(int32(uint32(n)))
}

func firstForwardID(segs []milky.IncomingSegment) string {
	for _, s := range segs {
		if s.Type == milky.SegForward && s.Data.ForwardID != "" {
			return s.Data.ForwardID
		}
	}
	return ""
}

// sendGroupForwardMsg: group_id, messages (node segments).
func sendGroupForwardMsg(ctx context.Context, env *Env, p *onebot11.Reader) (any, error) {
	groupID := uinParam(p, "group_id")
	if err := p.Err(); err != nil {
		return nil, err
	}
	return sendForward(ctx, env, p, milky.SceneGroup, groupID)
}

// sendPrivateForwardMsg: user_id, messages (node segments).
func sendPrivateForwardMsg(ctx context.Context, env *Env, p *onebot11.Reader) (any, error) {
	userID := uinParam(p, "user_id")
	if err := p.Err(); err != nil {
		return nil, err
	}
	return sendForward(ctx, env, p, milky.SceneFriend, userID)
}

// sendForward sends messages (also accepted as message) as one Milky
// forward segment; the node conversion is the one of send_msg. NapCat's
// card options map onto Milky 1.2's forward fields: source → title,
// news[].text → preview (1 to 4 lines), summary, prompt.
//
// Milky's send returns no forward id, so the sent message is read back with
// get_message to find it. The send has happened by then: if that read
// fails, forward_id is "" (as Shamrock answers) rather than an error that
// would make the bot send the card again.
func sendForward(ctx context.Context, env *Env, p *onebot11.Reader, scene string, peer int64) (any, error) {
	raw, name, ok := p.Raw("messages", "message")
	if !ok {
		return nil, onebot11.Errorf(onebot11.RetcodeBadRequest, "missing parameter messages (node segments)")
	}
	segs, err := onebot11.ParseMessage(raw, false)
	if err != nil {
		return nil, segment.Wrapf(err, "parameter %s", name)
	}
	if len(segs) == 0 {
		return nil, onebot11.Errorf(onebot11.RetcodeBadRequest, "parameter %s: no nodes to send", name)
	}
	for i, s := range segs {
		if s.Type != onebot11.SegNode {
			return nil, onebot11.Errorf(onebot11.RetcodeBadRequest, "parameter %s[%d]: want a node segment, got %q", name, i, segment.Shorten(s.Type, 20))
		}
	}
	msg, err := env.OutgoingMessage(ctx, segs, scene, peer)
	if err != nil {
		return nil, err
	}
	fwd, ok := msg[0].Data.(milky.OutgoingForward) // a run of nodes is one forward segment
	if !ok || len(msg) != 1 {
		return nil, onebot11.Errorf(onebot11.RetcodeBadRequest, "parameter %s: nodes did not make one merged forward", name)
	}
	forwardOptions(p, &fwd)
	if err := p.Err(); err != nil {
		return nil, err
	}
	msg[0].Data = fwd
	ref, err := env.sendMilky(ctx, msg, scene, peer)
	if err != nil {
		return nil, err
	}
	res := &onebot11.ForwardSendResult{MessageID: env.IDs.IDFor(ref)}
	if sent, err := env.FetchMessage(ctx, ref); err == nil {
		res.ForwardID = firstForwardID(sent.Segments)
	}
	return res, nil
}

// forwardOptions applies NapCat's optional card texts.
func forwardOptions(p *onebot11.Reader, fwd *milky.OutgoingForward) {
	fwd.Title = optStringPtr(p, "source")
	fwd.Summary = optStringPtr(p, "summary")
	fwd.Prompt = optStringPtr(p, "prompt")
	if !p.Has("news") {
		return
	}
	var news []any
	p.Decode(&news, "news")
	if !p.OK() {
		return
	}
	if len(news) == 0 || len(news) > 4 {
		p.Failf("parameter news: want 1 to 4 preview lines, got %d", len(news))
		return
	}
	for i, n := range news {
		switch v := n.(type) {
		case string:
			fwd.Preview = append(fwd.Preview, v)
		case map[string]any:
			text, ok := v["text"].(string)
			if !ok {
				p.Failf("parameter news[%d]: missing text", i)
				return
			}
			fwd.Preview = append(fwd.Preview, text)
		default:
			p.Failf("parameter news[%d]: want {\"text\": ...} or a string", i)
			return
		}
	}
}

// forwardFriendSingleMsg: message_id, user_id. Milky cannot forward a
// message natively, so its content is fetched and sent again (as
// node-by-id does): the copy shows the bot as sender, media is re-sent from
// fresh URLs, and a quote in it is left out (it pointed into the source
// conversation). Content Milky cannot send (files, merged forwards, market
// faces, XML) fails the call with an error naming the segment.
func forwardFriendSingleMsg(ctx context.Context, env *Env, p *onebot11.Reader) (any, error) {
	return forwardSingle(ctx, env, p, milky.SceneFriend, uinParam(p, "user_id"))
}

// forwardGroupSingleMsg: message_id, group_id (see forwardFriendSingleMsg).
func forwardGroupSingleMsg(ctx context.Context, env *Env, p *onebot11.Reader) (any, error) {
	return forwardSingle(ctx, env, p, milky.SceneGroup, uinParam(p, "group_id"))
}

// forwardSingle checks the reads of its caller too.
func forwardSingle(ctx context.Context, env *Env, p *onebot11.Reader, scene string, peer int64) (any, error) {
	id, _, msg, err := fetchMessageParam(ctx, env, p)
	if err != nil {
		return nil, err
	}
	segs, err := env.Resend(ctx, msg.Segments, "message "+strconv.FormatInt(int64(id), 10), scene, peer)
	if err != nil {
		return nil, err
	}
	if len(segs) == 0 {
		return nil, onebot11.Errorf(onebot11.RetcodeBadRequest, "message %d has no content that can be re-sent", id)
	}
	sent, err := env.sendMilky(ctx, segs, scene, peer)
	if err != nil {
		return nil, err
	}
	return &onebot11.SendResult{MessageID: env.IDs.IDFor(sent)}, nil
}
