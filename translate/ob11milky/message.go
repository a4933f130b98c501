package ob11milky

import (
	"context"
	"strings"

	"github.com/qqbridge/gateway/idmap"
	"github.com/qqbridge/gateway/milky"
	"github.com/qqbridge/gateway/onebot11"
	"github.com/qqbridge/gateway/segment"
)

// Milky APIs a send may call besides the send itself: get_message for
// forward nodes given by id, get_resource_temp_url for received file names,
// the nudge a message made of one poke segment becomes (poke.go) and the
// upload a message made of one file segment becomes (file_segment.go).
var (
	sendHelpers        = []string{milky.APIGetMessage, milky.APIGetResourceTempURL}
	sendPrivateHelpers = append([]string{milky.APISendFriendNudge, milky.APIUploadPrivateFile}, sendHelpers...)
	sendGroupHelpers   = append([]string{milky.APISendGroupNudge, milky.APIUploadGroupFile}, sendHelpers...)
)

// messageActions are the message actions of the catalog (§1.1) plus the
// standard can_send_image/can_send_record. The handlers live in this file
// and in forward.go, history.go, reaction.go and resource.go.
var messageActions = []Action{
	translated("message", "send_private_msg", sendPrivateMsg,
		append([]string{milky.APISendPrivateMessage}, sendPrivateHelpers...)...),
	translated("message", "send_group_msg", sendGroupMsg,
		append([]string{milky.APISendGroupMessage}, sendGroupHelpers...)...),
	translated("message", "send_msg", sendMsg,
		append([]string{milky.APISendPrivateMessage, milky.APISendGroupMessage, milky.APISendFriendNudge, milky.APIUploadPrivateFile}, sendGroupHelpers...)...),
	translated("message", "delete_msg", deleteMsg,
		milky.APIRecallGroupMessage, milky.APIRecallPrivateMessage),
	translated("message", "get_msg", getMsg, milky.APIGetMessage),
	translated("message", "get_forward_msg", getForwardMsg,
		milky.APIGetForwardedMessages, milky.APIGetMessage),
	translated("message", "send_private_forward_msg", sendPrivateForwardMsg,
		append([]string{milky.APISendPrivateMessage}, sendHelpers...)...),
	translated("message", "send_group_forward_msg", sendGroupForwardMsg,
		append([]string{milky.APISendGroupMessage}, sendHelpers...)...),
	translated("message", "get_history_msg", getHistoryMsg, milky.APIGetHistoryMessages),
	translated("message", "get_group_msg_history", getGroupMsgHistory, milky.APIGetHistoryMessages),
	translated("message", "get_friend_msg_history", getFriendMsgHistory, milky.APIGetHistoryMessages),
	unsupported("message", "clear_msgs", "Milky 1.2 has no API to clear a conversation's local message history"),
	emulated("message", "forward_friend_single_msg", forwardFriendSingleMsg,
		milky.APIGetMessage, milky.APIGetResourceTempURL, milky.APISendPrivateMessage),
	emulated("message", "forward_group_single_msg", forwardGroupSingleMsg,
		milky.APIGetMessage, milky.APIGetResourceTempURL, milky.APISendGroupMessage),
	translated("message", "set_msg_emoji_like", setMsgEmojiLike, milky.APISendGroupMessageReaction),
	translated("message", "unset_msg_emoji_like", unsetMsgEmojiLike, milky.APISendGroupMessageReaction),
	translated("message", "set_group_comment_face", setGroupCommentFace, milky.APISendGroupMessageReaction),
	translated("message", "mark_msg_as_read", markMsgAsRead,
		milky.APIMarkMessageAsRead, milky.APIGetHistoryMessages),
	unsupported("message", "voice_msg_to_text", "Milky 1.2 has no speech-to-text API"),
	unsupported("message", "send_group_ai_record", "Milky 1.2 has no API for QQ's AI voice characters"),
	unsupported("message", "get_ai_characters", "Milky 1.2 has no API for QQ's AI voice characters"),
	emulated("message", "get_image", getImage, milky.APIGetResourceTempURL),
	emulated("message", "get_record", getRecord, milky.APIGetResourceTempURL),
	emulated("message", "get_file", getFile,
		milky.APIGetGroupFileDownloadURL, milky.APIGetPrivateFileDownloadURL, milky.APIGetResourceTempURL),
	// Milky implementations must accept image and record segments (its FAQ
	// sets minimum formats for both), so the answer is always yes.
	emulated("message", "can_send_image", canSend),
	emulated("message", "can_send_record", canSend),
}

// sendPrivateMsg: user_id, message, auto_escape. go-cqhttp's group_id (a
// temp session's source group) is accepted and ignored: Milky 1.2 cannot
// start temp sessions, so the message goes to the user directly.
func sendPrivateMsg(ctx context.Context, env *Env, p *onebot11.Reader) (any, error) {
	return sendTo(ctx, env, p, milky.SceneFriend, uinParam(p, "user_id"))
}

// sendGroupMsg: group_id, message, auto_escape.
func sendGroupMsg(ctx context.Context, env *Env, p *onebot11.Reader) (any, error) {
	return sendTo(ctx, env, p, milky.SceneGroup, uinParam(p, "group_id"))
}

// sendMsg: message_type picks the target; without it, a non-zero user_id
// wins over group_id as in go-cqhttp (user_id + group_id meant a temp
// session there).
func sendMsg(ctx context.Context, env *Env, p *onebot11.Reader) (any, error) {
	typ := p.OptString("", "message_type")
	if err := p.Err(); err != nil {
		return nil, err
	}
	switch {
	case typ == onebot11.MessagePrivate:
		return sendPrivateMsg(ctx, env, p)
	case typ == onebot11.MessageGroup:
		return sendGroupMsg(ctx, env, p)
	case typ == "discuss":
		return nil, onebot11.Errorf(onebot11.RetcodeUnsupported, "message_type discuss: QQ has no discussion groups any more and Milky cannot send to them")
	case typ != "":
		return nil, onebot11.Errorf(onebot11.RetcodeBadRequest, "parameter message_type: want private or group, got %q", segment.Shorten(typ, 20))
	case hasID(p, "user_id"):
		return sendPrivateMsg(ctx, env, p)
	case hasID(p, "group_id"):
		return sendGroupMsg(ctx, env, p)
	}
	return nil, onebot11.Errorf(onebot11.RetcodeBadRequest, "missing parameter message_type (or user_id or group_id)")
}

// hasID reports whether an id parameter is given and is not 0 or "":
// go-cqhttp picks send_msg's target by non-zero ids, and bots that pass an
// event's fields along send user_id 0 (whole-group notices) or "" (forms).
func hasID(p *onebot11.Reader, name string) bool {
	raw, _, ok := p.Raw(name)
	if !ok {
		return false
	}
	switch strings.Trim(strings.TrimSpace(string(raw)), `"`) {
	case "", "0":
		return false
	}
	return true
}

// sendTo parses message/auto_escape, converts and sends to (scene, peer);
// it checks the reads of its caller too.
func sendTo(ctx context.Context, env *Env, p *onebot11.Reader, scene string, peer int64) (any, error) {
	autoEscape := p.OptBool(false, "auto_escape")
	if err := p.Err(); err != nil {
		return nil, err
	}
	raw, _, _ := p.Raw("message")
	segs, err := onebot11.ParseMessage(raw, autoEscape)
	if err != nil {
		return nil, err
	}
	return env.sendOrUpload(ctx, segs, scene, peer)
}

// send converts segs and sends them after prefix (already Milky segments:
// the quick operation's at_sender), returning the OneBot message_id. A
// message that is one poke is a nudge instead (poke.go); prefix has nothing
// to attach to then and is not sent.
func (e *Env) send(ctx context.Context, segs []onebot11.Segment, scene string, peer int64, prefix ...milky.OutgoingSegment) (*onebot11.SendResult, error) {
	if at, ok, err := soloPoke(segs); err != nil {
		return nil, err
	} else if ok {
		return e.nudge(ctx, segs[at], at, scene, peer)
	}
	msg, err := e.OutgoingMessage(ctx, segs, scene, peer)
	if err != nil {
		return nil, err
	}
	if len(prefix) > 0 {
		all := append([]milky.OutgoingSegment(nil), prefix...)
		for _, s := range msg {
			all = segment.AppendSegment(all, s)
		}
		msg = all
	}
	ref, err := e.sendMilky(ctx, msg, scene, peer)
	if err != nil {
		return nil, err
	}
	return &onebot11.SendResult{MessageID: e.IDs.IDFor(ref)}, nil
}

// sendMilky sends converted segments to a friend or a group and returns the
// sent message's triple.
func (e *Env) sendMilky(ctx context.Context, msg []milky.OutgoingSegment, scene string, peer int64) (idmap.Ref, error) {
	var out milky.SendMessageOutput
	var err error
	if scene == milky.SceneGroup {
		err = e.Upstream.Call(ctx, milky.APISendGroupMessage, &milky.SendGroupMessageInput{GroupID: peer, Message: msg}, &out)
	} else {
		err = e.Upstream.Call(ctx, milky.APISendPrivateMessage, &milky.SendPrivateMessageInput{UserID: peer, Message: msg}, &out)
	}
	if err != nil {
		return idmap.Ref{}, err
	}
	return idmap.Ref{Scene: scene, Peer: peer, Seq: out.MessageSeq}, nil
}

// deleteMsg: message_id → recall in its conversation.
func deleteMsg(ctx context.Context, env *Env, p *onebot11.Reader) (any, error) {
	id, ref := messageIDParam(env, p, "message_id", "id")
	if err := p.Err(); err != nil {
		return nil, err
	}
	return nil, env.recall(ctx, id, ref)
}

func (e *Env) recall(ctx context.Context, id int32, ref idmap.Ref) error {
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
func getMsg(ctx context.Context, env *Env, p *onebot11.Reader) (any, error) {
	id, ref, msg, err := fetchMessageParam(ctx, env, p)
	if err != nil {
		return nil, err
	}
	return env.messageObject(msg, id, ref), nil
}

// messageObject is a fetched message in get_msg's shape (also the items of
// the history actions): its message event, with the facts of the request
// (id, triple) overriding whatever the converter filled in.
func (e *Env) messageObject(msg *milky.IncomingMessage, id int32, ref idmap.Ref) *onebot11.MessageEvent {
	ev := e.MessageEvent(msg)
	ev.MessageID = id
	ev.MessageSeq = ref.Seq
	ev.RealID = ref.Seq
	if ev.Time == 0 {
		ev.Time = msg.Time
	}
	if ev.SelfID == 0 {
		ev.SelfID = e.selfID()
	}
	if ev.UserID == 0 {
		ev.UserID = msg.SenderID
	}
	if ev.MessageType == "" {
		ev.MessageType = onebot11.MessagePrivate
		if ref.Scene == milky.SceneGroup {
			ev.MessageType = onebot11.MessageGroup
		}
	}
	if ref.Scene == milky.SceneGroup {
		ev.GroupID = ref.Peer
	}
	if ev.PostType == "" {
		ev.PostType = onebot11.PostMessage
		if msg.SenderID != 0 && msg.SenderID == e.selfID() {
			ev.PostType = onebot11.PostMessageSent
		}
	}
	if ev.Sender.UserID == 0 {
		ev.Sender.UserID = msg.SenderID
	}
	applyMessageFormat(e, ev)
	return ev
}

// applyMessageFormat makes ev.Message the form env.MessageFormat asks for.
func applyMessageFormat(env *Env, ev *onebot11.MessageEvent) {
	segs, isArray := ev.Message.([]onebot11.Segment)
	if isArray && ev.RawMessage == "" {
		ev.RawMessage = onebot11.FormatCQ(segs)
	}
	if env.MessageFormat == onebot11.FormatString {
		if isArray {
			ev.Message = onebot11.FormatCQ(segs)
		}
		ev.MessageFormat = onebot11.FormatString
		return
	}
	if isArray && segs == nil {
		ev.Message = []onebot11.Segment{}
	}
	ev.MessageFormat = onebot11.FormatArray
}

// canSend answers can_send_image / can_send_record: {"yes": true}.
func canSend(context.Context, *Env, *onebot11.Reader) (any, error) {
	return map[string]bool{"yes": true}, nil
}

// markMsgAsRead: message_id → mark_message_as_read of that message (and all
// before it). NapCat also accepts group_id or user_id alone, meaning "the
// whole conversation": the latest message is looked up with
// get_history_messages (limit 1) and marked.
func markMsgAsRead(ctx context.Context, env *Env, p *onebot11.Reader) (any, error) {
	var ref idmap.Ref
	switch {
	case p.Has("message_id", "id"):
		_, ref = messageIDParam(env, p, "message_id", "id")
		if err := p.Err(); err != nil {
			return nil, err
		}
	case p.Has("group_id"), p.Has("user_id"):
		scene, peer := conversationParam(p)
		if err := p.Err(); err != nil {
			return nil, err
		}
		var out milky.GetHistoryMessagesOutput
		if err := env.Upstream.Call(ctx, milky.APIGetHistoryMessages, &milky.GetHistoryMessagesInput{MessageScene: scene, PeerID: peer, Limit: 1}, &out); err != nil {
			return nil, err
		}
		if len(out.Messages) == 0 {
			return nil, nil // nothing to mark
		}
		ref = idmap.Ref{Scene: scene, Peer: peer, Seq: out.Messages[len(out.Messages)-1].MessageSeq}
	default:
		return nil, onebot11.Errorf(onebot11.RetcodeBadRequest, "missing parameter message_id (or group_id, user_id)")
	}
	return nil, env.Upstream.Call(ctx, milky.APIMarkMessageAsRead,
		&milky.MarkMessageAsReadInput{MessageScene: ref.Scene, PeerID: ref.Peer, MessageSeq: ref.Seq}, nil)
}

// conversationParam reads group_id (a group) or user_id (a friend); when a
// bot gives both, group_id wins (user_id then names a member, not a chat).
func conversationParam(p *onebot11.Reader) (string, int64) {
	if p.Has("group_id") {
		return milky.SceneGroup, uinParam(p, "group_id")
	}
	return milky.SceneFriend, uinParam(p, "user_id")
}
