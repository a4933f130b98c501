package milkyob11

import (
	"strconv"

	"github.com/qqbridge/gateway/milky"
	"github.com/qqbridge/gateway/onebot11"
	"github.com/qqbridge/gateway/segment"
)

// Notices about one message: recalls, essence, reactions. The OneBot
// message_id becomes the Milky message_seq of the same conversation.

func groupRecall(env *Env, ev *onebot11.UpstreamEvent) Result {
	gid, sender := int64(ev.GroupID), int64(ev.UserID)
	if !isUin(gid) || !isUin(sender) {
		return skipIDs()
	}
	return env.one(ev, &milky.MessageRecallData{
		MessageScene: milky.SceneGroup,
		PeerID:       gid,
		MessageSeq:   env.seq(milky.SceneGroup, gid, ev.MessageID, 0),
		SenderID:     sender,
		OperatorID:   uinOr(int64(ev.OperatorID), sender),
	})
}

// friendRecall: the friend recalled their message (OneBot has no operator
// or sender besides user_id).
func friendRecall(env *Env, ev *onebot11.UpstreamEvent) Result {
	uid := int64(ev.UserID)
	if !isUin(uid) {
		return skipIDs()
	}
	return env.one(ev, &milky.MessageRecallData{
		MessageScene: milky.SceneFriend,
		PeerID:       uid,
		MessageSeq:   env.seq(milky.SceneFriend, uid, ev.MessageID, 0),
		SenderID:     uinOr(int64(ev.SenderID), uid),
		OperatorID:   uinOr(int64(ev.OperatorID), uid),
	})
}

// essence: NapCat {group_id, message_id, sender_id, operator_id}.
func essence(env *Env, ev *onebot11.UpstreamEvent) Result {
	gid := int64(ev.GroupID)
	if !isUin(gid) {
		return skipIDs()
	}
	// Admins set essence too, so the owner is no fallback here.
	op := uinOr(int64(ev.OperatorID), unknownOperator)
	return env.one(ev, &milky.GroupEssenceMessageChangeData{
		GroupID:    gid,
		MessageSeq: env.seq(milky.SceneGroup, gid, ev.MessageID, 0),
		OperatorID: op,
		IsSet:      string(ev.SubType) == onebot11.SubAdd,
	})
}

// emojiLike: NapCat/LLOneBot group_msg_emoji_like {group_id, user_id,
// message_id, likes[{emoji_id, count}], is_add}; one Milky event per like.
// Older NapCat sends no is_add and only reports additions.
func emojiLike(env *Env, ev *onebot11.UpstreamEvent) Result {
	gid, uid := int64(ev.GroupID), int64(ev.UserID)
	if !isUin(gid) || !isUin(uid) || len(ev.Likes) == 0 {
		return skipIDs()
	}
	isAdd := ev.IsAdd == nil || bool(*ev.IsAdd)
	seq := env.seq(milky.SceneGroup, gid, ev.MessageID, 0)
	res := Result{Events: make([]milky.TypedEvent, 0, len(ev.Likes))}
	for _, l := range ev.Likes {
		res.Events = append(res.Events, env.event(ev, &milky.GroupMessageReactionData{
			GroupID: gid, UserID: uid, MessageSeq: seq,
			FaceID: string(l.EmojiID), ReactionType: reactionType(string(l.EmojiID)), IsAdd: isAdd,
		}))
	}
	return res
}

// lagrangeReaction: Lagrange.OneBot notice reaction (sub_type add/remove)
// {group_id, message_id, operator_id, code, count}.
func lagrangeReaction(env *Env, ev *onebot11.UpstreamEvent) Result {
	gid, uid := int64(ev.GroupID), uinOr(int64(ev.OperatorID), int64(ev.UserID))
	if !isUin(gid) || !isUin(uid) || ev.Code == "" {
		return skipIDs()
	}
	return env.one(ev, &milky.GroupMessageReactionData{
		GroupID: gid, UserID: uid, MessageSeq: env.seq(milky.SceneGroup, gid, ev.MessageID, 0),
		FaceID: string(ev.Code), ReactionType: reactionType(string(ev.Code)), IsAdd: string(ev.SubType) == onebot11.SubAdd,
	})
}

// reactionType: QQ face ids are small numbers; Unicode emoji reactions are
// sent as their code point in decimal (≥ 0x2000 = 8192), and anything
// non-numeric is an emoji character itself.
func reactionType(id string) string {
	n, err := strconv.ParseInt(id, 10, 64)
	if err == nil && n < 8192 {
		return milky.ReactionFace
	}
	return milky.ReactionEmoji
}

// owner is the group owner from the directory, or 0.
func (env *Env) owner(gid int64) int64 {
	if env.Dir == nil {
		return 0
	}
	if o, ok := env.Dir.GroupOwner(gid); ok && isUin(o) {
		return o
	}
	return 0
}

// unknownOperator stands for an operator the schema requires but neither
// the event nor the directory names (see README.md).
const unknownOperator = segment.UnknownSenderID

// peerPinChange: the extension notice of this gateway's first direction
// {sub_type pin|unpin, message_type private|group, user_id | group_id}
// (no OneBot 11 implementation reports pin changes).
func peerPinChange(env *Env, ev *onebot11.UpstreamEvent) Result {
	scene, peer := milky.SceneFriend, int64(ev.UserID)
	if ev.MessageType == onebot11.MessageGroup {
		scene, peer = milky.SceneGroup, int64(ev.GroupID)
	}
	if !isUin(peer) {
		return skipIDs()
	}
	return env.one(ev, &milky.PeerPinChangeData{MessageScene: scene, PeerID: peer, IsPinned: ev.SubType == onebot11.SubPin})
}
