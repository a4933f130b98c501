package ob11milky

import (
	"context"
	"strconv"
	"strings"
	"unicode/utf8"

	"github.com/qqbridge/gateway/idmap"
	"github.com/qqbridge/gateway/milky"
	"github.com/qqbridge/gateway/onebot11"
	"github.com/qqbridge/gateway/segment"
)

// Message reactions (表情回应): set_msg_emoji_like / unset_msg_emoji_like
// (LLOneBot/NapCat) and set_group_comment_face (Shamrock) all become
// send_group_message_reaction. QQ has reactions in groups only.

// setMsgEmojiLike: message_id, emoji_id, and NapCat's set (default true;
// false removes the reaction).
func setMsgEmojiLike(ctx context.Context, env *Env, p *onebot11.Reader) (any, error) {
	set := p.OptBool(true, "set", "is_set")
	if err := p.Err(); err != nil {
		return nil, err
	}
	return emojiLike(ctx, env, p, set)
}

// unsetMsgEmojiLike: message_id, emoji_id → the reaction removed.
func unsetMsgEmojiLike(ctx context.Context, env *Env, p *onebot11.Reader) (any, error) {
	return emojiLike(ctx, env, p, false)
}

func emojiLike(ctx context.Context, env *Env, p *onebot11.Reader, add bool) (any, error) {
	id, ref := messageIDParam(env, p, "message_id", "id")
	emoji := p.String("emoji_id")
	if err := p.Err(); err != nil {
		return nil, err
	}
	return nil, react(ctx, env, id, ref, 0, emoji, "emoji_id", add)
}

// setGroupCommentFace: group_id, msg_id (a message_id), face_id, is_set
// (default true). Shamrock's "comment face" is QQ's message reaction.
func setGroupCommentFace(ctx context.Context, env *Env, p *onebot11.Reader) (any, error) {
	groupID := uinParam(p, "group_id")
	id, ref := messageIDParam(env, p, "msg_id", "message_id")
	face := p.String("face_id")
	set := p.OptBool(true, "is_set", "set")
	if err := p.Err(); err != nil {
		return nil, err
	}
	return nil, react(ctx, env, id, ref, groupID, face, "face_id", set)
}

// react sends one reaction to message id (ref). group, when not 0, is the
// group the bot named, which must be the message's.
func react(ctx context.Context, env *Env, id int32, ref idmap.Ref, group int64, emoji, field string, add bool) error {
	if ref.Scene != milky.SceneGroup {
		return onebot11.Errorf(onebot11.RetcodeUnsupported, "message %d is a %s message: QQ has reactions in groups only", id, ref.Scene)
	}
	if group != 0 && group != ref.Peer {
		return onebot11.Errorf(onebot11.RetcodeBadRequest, "message %d is in group %d, not in group_id %d", id, ref.Peer, group)
	}
	reaction, typ, err := reactionOf(emoji)
	if err != nil {
		return segment.Wrapf(err, "parameter %s", field)
	}
	return env.Upstream.Call(ctx, milky.APISendGroupMessageReaction, &milky.SendGroupMessageReactionInput{
		GroupID: ref.Peer, MessageSeq: ref.Seq, Reaction: reaction, ReactionType: typ, IsAdd: add}, nil)
}

// reactionOf maps an OneBot emoji id to Milky's reaction and reaction_type.
// QQ knows two kinds, and NapCat tells them apart by length: ids of up to 3
// digits are QQ faces (reaction_type face), longer numbers are Unicode code
// points in decimal (128077 is 👍; reaction_type emoji), which is also the
// id Milky reports for emoji reactions. An emoji character itself is
// accepted and turned into its code point.
func reactionOf(s string) (string, string, error) {
	s = strings.TrimSpace(s)
	if s == "" {
		return "", "", onebot11.Errorf(onebot11.RetcodeBadRequest, "empty")
	}
	if n, err := strconv.ParseUint(s, 10, 32); err == nil {
		if len(s) <= 3 {
			return strconv.FormatUint(n, 10), "face", nil
		}
		return strconv.FormatUint(n, 10), "emoji", nil
	}
	// One character, optionally followed by the emoji presentation selector.
	r, size := utf8.DecodeRuneInString(s)
	rest := s[size:]
	if r != utf8.RuneError && r > 0x7f && (rest == "" || rest == "\ufe0f") {
		return strconv.FormatInt(int64(r), 10), "emoji", nil
	}
	return "", "", onebot11.Errorf(onebot11.RetcodeBadRequest, "%q is neither a face id, an emoji code point nor a single emoji", segment.Shorten(s, 20))
}
