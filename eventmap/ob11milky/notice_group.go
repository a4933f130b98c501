package ob11milky

import (
	"github.com/qqbridge/gateway/milky"
	"github.com/qqbridge/gateway/onebot11"
)

// Group notices: admin, essence, member increase/decrease, name, reaction,
// mute, whole-group mute, nudge, file upload.

func groupAdminChange(env *Env, ev *milky.Event) (Result, error) {
	d, err := decodeChecked(ev, func(c checker, d *milky.GroupAdminChangeData) checker {
		return c.uin("group_id", d.GroupID).uin("user_id", d.UserID)
	})
	if err != nil {
		return Result{}, err
	}
	n := notice(env, ev, onebot11.NoticeGroupAdmin, pick(d.IsSet, onebot11.SubSet, onebot11.SubUnset))
	n.GroupID, n.UserID = d.GroupID, d.UserID
	if d.OperatorID != 0 { // since Milky 1.1
		n.OperatorID = i64p(d.OperatorID)
	}
	return one(n), nil
}

// groupEssenceMessageChange becomes essence add/delete. Milky does not name
// the message's sender, so user_id is 0 and sender_id is left out.
func groupEssenceMessageChange(env *Env, ev *milky.Event) (Result, error) {
	d, err := decodeChecked(ev, func(c checker, d *milky.GroupEssenceMessageChangeData) checker {
		return c.uin("group_id", d.GroupID)
	})
	if err != nil {
		return Result{}, err
	}
	n := notice(env, ev, onebot11.NoticeEssence, pick(d.IsSet, onebot11.SubAdd, onebot11.SubDelete))
	n.GroupID = d.GroupID
	n.MessageID = i32p(messageID(env, milky.SceneGroup, d.GroupID, d.MessageSeq))
	n.OperatorID = i64p(d.OperatorID)
	return one(n), nil
}

// groupMemberIncrease: invited members are sub_type invite with the inviter
// as operator_id; everything else is approve with the approving admin, or 0.
func groupMemberIncrease(env *Env, ev *milky.Event) (Result, error) {
	d, err := decodeChecked(ev, func(c checker, d *milky.GroupMemberIncreaseData) checker {
		return c.uin("group_id", d.GroupID).uin("user_id", d.UserID)
	})
	if err != nil {
		return Result{}, err
	}
	n := notice(env, ev, onebot11.NoticeGroupIncrease, onebot11.SubApprove)
	n.GroupID, n.UserID = d.GroupID, d.UserID
	n.OperatorID = i64p(0)
	switch {
	case d.InvitorID != nil && *d.InvitorID > 0:
		n.SubType = onebot11.SubInvite
		n.OperatorID = i64p(*d.InvitorID)
	case d.OperatorID != nil:
		n.OperatorID = i64p(*d.OperatorID)
	}
	return one(n), nil
}

// groupMemberDecrease: kick_me when someone removed the bot, kick when
// someone removed another member, leave otherwise (operator_id is then the
// member, as in go-cqhttp). The bot quitting by itself (no operator, or the
// bot as operator) is leave, not kick_me, as in go-cqhttp: bots blacklist
// groups that kicked them.
func groupMemberDecrease(env *Env, ev *milky.Event) (Result, error) {
	d, err := decodeChecked(ev, func(c checker, d *milky.GroupMemberDecreaseData) checker {
		return c.uin("group_id", d.GroupID).uin("user_id", d.UserID)
	})
	if err != nil {
		return Result{}, err
	}
	var op int64
	if d.OperatorID != nil {
		op = *d.OperatorID
	}
	n := notice(env, ev, onebot11.NoticeGroupDecrease, onebot11.SubLeave)
	n.GroupID, n.UserID = d.GroupID, d.UserID
	switch {
	case op > 0 && op != d.UserID && d.UserID == selfID(env, ev):
		n.SubType = onebot11.SubKickMe
		n.OperatorID = i64p(op)
	case op > 0 && op != d.UserID:
		n.SubType = onebot11.SubKick
		n.OperatorID = i64p(op)
	default:
		n.OperatorID = i64p(d.UserID)
	}
	return one(n), nil
}

// groupNameChange is an extension notice (OneBot 11 has none):
// {notice_type: "group_name", group_id, name_new, operator_id, user_id =
// operator_id for bots that read user_id}.
func groupNameChange(env *Env, ev *milky.Event) (Result, error) {
	d, err := decodeChecked(ev, func(c checker, d *milky.GroupNameChangeData) checker {
		return c.uin("group_id", d.GroupID)
	})
	if err != nil {
		return Result{}, err
	}
	n := notice(env, ev, onebot11.NoticeGroupName, "")
	n.GroupID = d.GroupID
	n.UserID = d.OperatorID
	n.OperatorID = i64p(d.OperatorID)
	n.NameNew = d.NewGroupName
	return one(n), nil
}

// groupMessageReaction becomes NapCat's group_msg_emoji_like: one reaction
// by one user, so likes has one entry with count 1. face_id is passed as
// emoji_id whatever its reaction_type.
func groupMessageReaction(env *Env, ev *milky.Event) (Result, error) {
	d, err := decodeChecked(ev, func(c checker, d *milky.GroupMessageReactionData) checker {
		return c.uin("group_id", d.GroupID).uin("user_id", d.UserID)
	})
	if err != nil {
		return Result{}, err
	}
	n := notice(env, ev, onebot11.NoticeGroupEmoji, "")
	n.GroupID, n.UserID = d.GroupID, d.UserID
	n.MessageID = i32p(messageID(env, milky.SceneGroup, d.GroupID, d.MessageSeq))
	n.Likes = []onebot11.EmojiLike{{EmojiID: d.FaceID, Count: 1}}
	n.IsAdd = boolp(d.IsAdd)
	return one(n), nil
}

func groupMute(env *Env, ev *milky.Event) (Result, error) {
	d, err := decodeChecked(ev, func(c checker, d *milky.GroupMuteData) checker {
		return c.uin("group_id", d.GroupID).uin("user_id", d.UserID)
	})
	if err != nil {
		return Result{}, err
	}
	n := notice(env, ev, onebot11.NoticeGroupBan, pick(d.Duration > 0, onebot11.SubBan, onebot11.SubLiftBan))
	n.GroupID, n.UserID = d.GroupID, d.UserID
	n.OperatorID = i64p(d.OperatorID)
	n.Duration = i64p(max(int64(d.Duration), 0))
	return one(n), nil
}

// groupWholeMute is group_ban with user_id 0 (the whole group) and duration
// -1 (until lifted) or 0 (lifted), as go-cqhttp reports it.
func groupWholeMute(env *Env, ev *milky.Event) (Result, error) {
	d, err := decodeChecked(ev, func(c checker, d *milky.GroupWholeMuteData) checker {
		return c.uin("group_id", d.GroupID)
	})
	if err != nil {
		return Result{}, err
	}
	n := notice(env, ev, onebot11.NoticeGroupBan, pick(d.IsMute, onebot11.SubBan, onebot11.SubLiftBan))
	n.GroupID = d.GroupID
	n.OperatorID = i64p(d.OperatorID)
	n.Duration = i64p(0)
	if d.IsMute {
		n.Duration = i64p(-1)
	}
	return one(n), nil
}

func groupNudge(env *Env, ev *milky.Event) (Result, error) {
	d, err := decodeChecked(ev, func(c checker, d *milky.GroupNudgeData) checker {
		return c.uin("group_id", d.GroupID).uin("sender_id", d.SenderID).uin("receiver_id", d.ReceiverID)
	})
	if err != nil {
		return Result{}, err
	}
	n := notice(env, ev, onebot11.NoticeNotify, onebot11.SubPoke)
	n.GroupID = d.GroupID
	n.UserID = d.SenderID
	n.TargetID = i64p(d.ReceiverID)
	return one(n), nil
}

// groupFileUpload becomes group_upload (busid 0: Milky has no bus ids). The
// matching message_receive is skipped (see isFileUploadMessage).
func groupFileUpload(env *Env, ev *milky.Event) (Result, error) {
	d, err := decodeChecked(ev, func(c checker, d *milky.GroupFileUploadData) checker {
		return c.uin("group_id", d.GroupID).uin("user_id", d.UserID).str("file_id", d.FileID)
	})
	if err != nil {
		return Result{}, err
	}
	n := notice(env, ev, onebot11.NoticeGroupUpload, "")
	n.GroupID, n.UserID = d.GroupID, d.UserID
	n.File = &onebot11.FileInfo{ID: d.FileID, Name: d.FileName, Size: d.FileSize}
	return one(n), nil
}

func pick(cond bool, yes, no string) string {
	if cond {
		return yes
	}
	return no
}
