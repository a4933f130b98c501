package milkyob11

import (
	"context"
	"errors"
	"strconv"

	"github.com/goccy/go-json"

	"github.com/qqbridge/gateway/idmap"
	"github.com/qqbridge/gateway/milky"
	"github.com/qqbridge/gateway/onebot11"
	"github.com/qqbridge/gateway/segment"
	"github.com/qqbridge/gateway/translate/class"
)

// Sending: the Milky segments become OneBot segments (package segment); a
// forward segment becomes node segments, which only the forward actions
// send, so a forward must be the whole message. The reply's message_id is
// registered with the SeqMapper, whose seq is the message_seq bots get.

var messageSendAPIs = []API{
	{Name: milky.APISendPrivateMessage, Category: "message", Class: class.Translated, OneBot: []string{"send_private_msg", "send_private_forward_msg", "get_msg"},
		Reason: "time is the gateway's clock when the upstream does not report it; a forward must be the whole message", Handler: sendPrivateMessage},
	{Name: milky.APISendGroupMessage, Category: "message", Class: class.Translated, OneBot: []string{"send_group_msg", "send_group_forward_msg", "get_msg"},
		Reason: "time is the gateway's clock when the upstream does not report it; a forward must be the whole message", Handler: sendGroupMessage},
}

// sendReply is the data of send_*_msg (Shamrock adds time; the forward
// actions of NapCat add forward_id). real_seq and message_seq are read in
// case the implementation reports the message's own seq right there (see
// sentSeq): then it need not be read back.
type sendReply struct {
	MessageID  num `json:"message_id"`
	Time       num `json:"time"`
	RealSeq    num `json:"real_seq"`
	MessageSeq num `json:"message_seq"`
}

// The params of the four send actions, typed so that encoding them costs no
// map; fields in the order a map's sorted keys would give.
type (
	sendGroupParams struct {
		GroupID int64              `json:"group_id"`
		Message []onebot11.Segment `json:"message"`
	}
	sendPrivateParams struct {
		Message []onebot11.Segment `json:"message"`
		UserID  int64              `json:"user_id"`
	}
	forwardGroupParams struct {
		GroupID  int64              `json:"group_id"`
		Messages []onebot11.Segment `json:"messages"`
	}
	forwardPrivateParams struct {
		Messages []onebot11.Segment `json:"messages"`
		UserID   int64              `json:"user_id"`
	}
)

// sendParams is the params object of a send (forward: messages instead of
// message) to peer in scene.
func sendParams(scene string, peer int64, ob []onebot11.Segment, forward bool) any {
	switch {
	case scene == idmap.SceneGroup && forward:
		return &forwardGroupParams{GroupID: peer, Messages: ob}
	case scene == idmap.SceneGroup:
		return &sendGroupParams{GroupID: peer, Message: ob}
	case forward:
		return &forwardPrivateParams{Messages: ob, UserID: peer}
	}
	return &sendPrivateParams{Message: ob, UserID: peer}
}

func sendPrivateMessage(ctx context.Context, env *Env, p *milky.Params) (any, error) {
	return sendMessage(ctx, env, p, idmap.SceneFriend, "user_id", "send_private_msg", "send_private_forward_msg")
}

func sendGroupMessage(ctx context.Context, env *Env, p *milky.Params) (any, error) {
	return sendMessage(ctx, env, p, idmap.SceneGroup, "group_id", "send_group_msg", "send_group_forward_msg")
}

func sendMessage(ctx context.Context, env *Env, p *milky.Params, scene, peerField, action, forwardAction string) (any, error) {
	peer := p.Uin(peerField)
	raw, ok := p.Raw("message")
	if !ok {
		p.Fail("message", "required")
	}
	if err := p.Err(); err != nil {
		return nil, err
	}
	segs, err := milky.DecodeOutgoingMessage("message", raw)
	if err != nil {
		return nil, badParam(err)
	}
	if len(segs) == 0 {
		return nil, badParam(errors.New("message: must not be empty"))
	}
	conv := segment.Outgoing{Seqs: env.Seqs, LocalFile: env.LocalFile}
	var params any
	if msg, ok, err := conv.ToOneBotMessage(scene, peer, segs); err != nil {
		return nil, segmentError(err)
	} else if ok {
		// The common message, without a forward: typed segments, and the
		// params written straight as JSON (the bytes json.Marshal gives
		// for sendParams), with no map per segment and no reflection.
		params = sendParamsJSON(scene, peer, msg)
	} else if params, action, err = forwardParams(env, &conv, scene, peer, segs, action, forwardAction); err != nil {
		return nil, err
	}
	var r sendReply
	if err := env.Upstream.Call(ctx, action, params, &r); err != nil {
		return nil, err
	}
	if r.MessageID == 0 {
		return nil, &milky.APIError{Retcode: RetcodeUpstream, Message: "upstream " + string(env.impl()) + " sent the message but reported no message_id"}
	}
	ref := env.Seqs.RefForUpstream(scene, peer, int32(r.MessageID), sentSeq(ctx, env, &r))
	t := int64(r.Time)
	if t <= 0 {
		t = env.now()
	}
	return milky.SendMessageOutput{MessageSeq: ref.Seq, Time: t}, nil
}

// sendParamsJSON is sendParams(scene, peer, msg.Segments(), false) encoded.
func sendParamsJSON(scene string, peer int64, msg onebot11.Message) json.RawMessage {
	n := 32
	for i := range msg {
		n += 32 + len(msg[i].Type)
		for _, p := range msg[i].Params {
			n += 8 + len(p.Key) + len(p.Value)
		}
	}
	b := make([]byte, 0, n)
	if scene == idmap.SceneGroup {
		b = append(b, `{"group_id":`...)
		b = strconv.AppendInt(b, peer, 10)
		b = append(b, `,"message":`...)
		b = msg.AppendJSON(b)
		return append(b, '}')
	}
	b = append(b, `{"message":`...)
	b = msg.AppendJSON(b)
	b = append(b, `,"user_id":`...)
	b = strconv.AppendInt(b, peer, 10)
	return append(b, '}')
}

// forwardParams converts a message with a forward segment, which must be
// the whole message, for the forward action.
func forwardParams(env *Env, conv *segment.Outgoing, scene string, peer int64, segs []milky.OutgoingSegment, action, forwardAction string) (any, string, error) {
	ob, err := conv.ToOneBot(scene, peer, segs)
	if err != nil {
		return nil, "", segmentError(err)
	}
	nodes := 0
	for i := range ob {
		if ob[i].Type == onebot11.SegNode {
			nodes++
		}
	}
	forward := false
	switch {
	case nodes == 0:
	case nodes < len(ob):
		return nil, "", &errUnsupported{"a forward segment must be the whole message: OneBot 11 sends merged forwards with their own action"}
	case env.pick(forwardAction) == "":
		return nil, "", &errUnsupported{string(env.impl()) + " has no " + forwardAction + " to send a merged forward"}
	default:
		action, forward = forwardAction, true
	}
	return sendParams(scene, peer, ob, forward), action, nil
}

// badParam turns a decoding error naming a field into Milky's -400.
func badParam(err error) error {
	return &milky.APIError{Retcode: milky.RetcodeBadParam, Message: clip(err.Error())}
}

// segmentError: a reply to an unknown seq is -404, anything else -400.
func segmentError(err error) error {
	var se *segment.Error
	if errors.As(err, &se) && se.NotFound {
		return &milky.APIError{Retcode: RetcodeNotFound, Message: clip(err.Error())}
	}
	return badParam(err)
}

// sentSeq reads a sent message back where the upstream reports its own
// conversation seq in get_msg (onebot11.Impl.ReportsSeq), so that a bot's
// sends and the messages it later meets in events and history share one
// order. A send reply that carries that seq already saves the read. 0 (the
// gateway issues the conversation's next seq) when the implementation
// reports none or the read fails: the send itself succeeded.
func sentSeq(ctx context.Context, env *Env, sent *sendReply) int64 {
	impl := env.impl()
	if !impl.ReportsSeq() {
		return 0
	}
	if seq := impl.ConversationSeq(nonNeg64(sent.RealSeq), nonNeg64(sent.MessageSeq)); seq > 0 {
		return seq
	}
	// Only the seq fields are decoded: the message itself is not needed.
	var m seqReply
	if err := env.Upstream.Call(ctx, "get_msg", getMsgParamsJSON(sent.MessageID), &m); err != nil {
		return 0
	}
	return impl.ConversationSeq(nonNeg64(m.RealSeq), nonNeg64(m.MessageSeq))
}

// getMsgParamsJSON is get_msg's params, {"message_id":id}, written as
// json.Marshal writes them, without its reflection (every get_msg of this
// package uses it).
func getMsgParamsJSON(id num) json.RawMessage {
	b := make([]byte, 0, len(`{"message_id":-9223372036854775808}`))
	b = append(b, `{"message_id":`...)
	b = strconv.AppendInt(b, int64(id), 10)
	return append(b, '}')
}

// seqReply is the part of get_msg's data sentSeq reads.
type seqReply struct {
	RealSeq    num `json:"real_seq"`
	MessageSeq num `json:"message_seq"`
}
