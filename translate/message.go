package translate

import (
	"context"

	"github.com/qqbridge/gateway/idstore"
	"github.com/qqbridge/gateway/milky"
	"github.com/qqbridge/gateway/onebot11"
)

// Milky APIs a send may call besides the send itself: get_message for
// forward nodes given by id, get_resource_temp_url for received file names.
var sendHelpers = []string{milky.APIGetMessage, milky.APIGetResourceTempURL}

// messageActions are the message actions. Each handler is a small function below.
var messageActions = []Action{
	{Name: "send_private_msg", Category: "message", Class: Translated, Handler: sendPrivateMsg,
		Milky: append([]string{milky.APISendPrivateMessage}, sendHelpers...)},
	{Name: "send_group_msg", Category: "message", Class: Translated, Handler: sendGroupMsg,
		Milky: append([]string{milky.APISendGroupMessage}, sendHelpers...)},
	{Name: "send_msg", Category: "message", Class: Translated, Handler: sendMsg,
		Milky: append([]string{milky.APISendPrivateMessage, milky.APISendGroupMessage}, sendHelpers...)},
	{Name: "delete_msg", Category: "message", Class: Translated, Handler: deleteMsg,
		Milky: []string{milky.APIRecallGroupMessage, milky.APIRecallPrivateMessage}},
	{Name: "get_msg", Category: "message", Class: Translated, Handler: getMsg,
		Milky: []string{milky.APIGetMessage}},
}

// sendResult is the data of every send action. go-cqhttp returns only
// message_id; bots read nothing else.
type sendResult struct {
	MessageID int32 `json:"message_id"`
}

// sendPrivateMsg: user_id, message, auto_escape. go-cqhttp's group_id (a
// temp session's source group) is accepted and ignored: Milky 1.2 cannot
// start temp sessions, so the message goes to the user directly.
func sendPrivateMsg(ctx context.Context, env *Env, p onebot11.Params) (any, error) {
	userID, err := uinParam(p, "user_id")
	if err != nil {
		return nil, err
	}
	return sendTo(ctx, env, p, milky.SceneFriend, userID)
}

// sendGroupMsg: group_id, message, auto_escape.
func sendGroupMsg(ctx context.Context, env *Env, p onebot11.Params) (any, error) {
	groupID, err := uinParam(p, "group_id")
	if err != nil {
		return nil, err
	}
	return sendTo(ctx, env, p, milky.SceneGroup, groupID)
}

// sendMsg: message_type picks the target; without it, user_id wins over
// group_id as in go-cqhttp (user_id + group_id meant a temp session there).
func sendMsg(ctx context.Context, env *Env, p onebot11.Params) (any, error) {
	typ, err := p.OptString("", "message_type")
	if err != nil {
		return nil, err
	}
	switch {
	case typ == "private":
		return sendPrivateMsg(ctx, env, p)
	case typ == "group":
		return sendGroupMsg(ctx, env, p)
	case typ == "discuss":
		return nil, onebot11.Errorf(onebot11.RetcodeUnsupported, "message_type discuss: QQ has no discussion groups any more and Milky cannot send to them")
	case typ != "":
		return nil, onebot11.Errorf(onebot11.RetcodeBadRequest, "parameter message_type: want private or group, got %q", shorten(typ, 20))
	case p.Has("user_id"):
		return sendPrivateMsg(ctx, env, p)
	case p.Has("group_id"):
		return sendGroupMsg(ctx, env, p)
	}
	return nil, onebot11.Errorf(onebot11.RetcodeBadRequest, "missing parameter message_type (or user_id or group_id)")
}

// sendTo parses message/auto_escape, converts and sends to (scene, peer).
func sendTo(ctx context.Context, env *Env, p onebot11.Params, scene string, peer int64) (any, error) {
	autoEscape, err := p.OptBool(false, "auto_escape")
	if err != nil {
		return nil, err
	}
	raw, _, _ := p.Raw("message")
	segs, err := onebot11.ParseMessage(raw, autoEscape)
	if err != nil {
		return nil, err
	}
	return env.send(ctx, segs, scene, peer)
}

// send converts segs and sends them after prefix (already Milky segments:
// the quick operation's at_sender), returning the OneBot message_id.
func (e *Env) send(ctx context.Context, segs []onebot11.Segment, scene string, peer int64, prefix ...milky.OutgoingSegment) (*sendResult, error) {
	msg, err := e.OutgoingMessage(ctx, segs, scene, peer)
	if err != nil {
		return nil, err
	}
	if len(prefix) > 0 {
		all := append([]milky.OutgoingSegment(nil), prefix...)
		for _, s := range msg {
			all = appendSegment(all, s)
		}
		msg = all
	}
	var out milky.SendMessageOutput
	if scene == milky.SceneGroup {
		err = e.Upstream.Call(ctx, milky.APISendGroupMessage, &milky.SendGroupMessageInput{GroupID: peer, Message: msg}, &out)
	} else {
		err = e.Upstream.Call(ctx, milky.APISendPrivateMessage, &milky.SendPrivateMessageInput{UserID: peer, Message: msg}, &out)
	}
	if err != nil {
		return nil, err
	}
	return &sendResult{MessageID: e.IDs.IDFor(idstore.Ref{Scene: scene, Peer: peer, Seq: out.MessageSeq})}, nil
}

// deleteMsg: message_id → recall in its conversation.
func deleteMsg(ctx context.Context, env *Env, p onebot11.Params) (any, error) {
	id, ref, err := messageIDParam(env, p, "message_id", "id")
	if err != nil {
		return nil, err
	}
	return nil, env.recall(ctx, id, ref)
}

func (e *Env) recall(ctx context.Context, id int32, ref idstore.Ref) error {
	switch ref.Scene {
	case milky.SceneGroup:
		return e.Upstream.Call(ctx, milky.APIRecallGroupMessage, &milky.RecallGroupMessageInput{GroupID: ref.Peer, MessageSeq: ref.Seq}, nil)
	case milky.SceneFriend:
		return e.Upstream.Call(ctx, milky.APIRecallPrivateMessage, &milky.RecallPrivateMessageInput{UserID: ref.Peer, MessageSeq: ref.Seq}, nil)
	}
	return onebot11.Errorf(onebot11.RetcodeUnsupported, "message %d is a %s-session message; Milky 1.2 cannot recall those", id, ref.Scene)
}

// getMsg: message_id → get_message, shaped like go-cqhttp/NapCat's get_msg:
// the message event of that message plus message_id/real_id/message_seq.
func getMsg(ctx context.Context, env *Env, p onebot11.Params) (any, error) {
	id, ref, err := messageIDParam(env, p, "message_id", "id")
	if err != nil {
		return nil, err
	}
	msg, err := env.fetchMessage(ctx, ref)
	if err != nil {
		return nil, err
	}
	ev := env.MessageEvent(msg)
	if ev == nil {
		return nil, onebot11.Errorf(onebot11.RetcodeUpstream, "message %d could not be converted", id)
	}
	// The event converter knows the message; these fields are facts of the
	// request and must hold whatever it filled in.
	ev.MessageID = id
	ev.MessageSeq = ref.Seq
	ev.RealID = ref.Seq
	if ev.Time == 0 {
		ev.Time = msg.Time
	}
	if ev.SelfID == 0 {
		ev.SelfID = env.selfID()
	}
	if ev.UserID == 0 {
		ev.UserID = msg.SenderID
	}
	if ev.MessageType == "" {
		ev.MessageType = "private"
		if ref.Scene == milky.SceneGroup {
			ev.MessageType = "group"
		}
	}
	if ref.Scene == milky.SceneGroup {
		ev.GroupID = ref.Peer
	}
	if ev.PostType == "" {
		ev.PostType = onebot11.PostMessage
		if msg.SenderID != 0 && msg.SenderID == env.selfID() {
			ev.PostType = onebot11.PostMessageSent
		}
	}
	if ev.Sender.UserID == 0 {
		ev.Sender.UserID = msg.SenderID
	}
	applyMessageFormat(env, ev)
	return ev, nil
}

// applyMessageFormat makes ev.Message the form env.MessageFormat asks for.
func applyMessageFormat(env *Env, ev *onebot11.MessageEvent) {
	segs, isArray := ev.Message.([]onebot11.Segment)
	if isArray && ev.RawMessage == "" {
		ev.RawMessage = onebot11.FormatCQ(segs)
	}
	if env.MessageFormat == "string" {
		if isArray {
			ev.Message = onebot11.FormatCQ(segs)
		}
		ev.MessageFormat = "string"
		return
	}
	if isArray && segs == nil {
		ev.Message = []onebot11.Segment{}
	}
	ev.MessageFormat = "array"
}
