package milkyob11

import (
	"bytes"

	"github.com/goccy/go-json"

	"github.com/qqbridge/gateway/milky"
	"github.com/qqbridge/gateway/onebot11"
)

// Group and friend notices without a message, and the bot's own state.

// permanentMute is Milky's duration for OneBot's -1 (permanent): QQ's
// longest mute, 30 days, since the schema's duration is a non-negative int32.
const permanentMute = 30 * 24 * 3600

func groupAdmin(env *Env, ev *onebot11.UpstreamEvent) Result {
	gid, uid := int64(ev.GroupID), int64(ev.UserID)
	if !isUin(gid) || !isUin(uid) {
		return skipIDs()
	}
	// Only the owner sets admins; OneBot does not say who did it.
	op := uinOr(int64(ev.OperatorID), uinOr(env.owner(gid), unknownOperator))
	return env.one(ev, &milky.GroupAdminChangeData{GroupID: gid, UserID: uid, OperatorID: op, IsSet: string(ev.SubType) == onebot11.SubSet})
}

// groupIncrease: approve → operator_id (the approving admin, when there is
// one), invite → invitor_id.
func groupIncrease(env *Env, ev *onebot11.UpstreamEvent) Result {
	gid, uid := int64(ev.GroupID), int64(ev.UserID)
	if !isUin(gid) || !isUin(uid) {
		return skipIDs()
	}
	d := &milky.GroupMemberIncreaseData{GroupID: gid, UserID: uid}
	if ev.OperatorID > 0 && int64(ev.OperatorID) != uid {
		if string(ev.SubType) == onebot11.SubInvite {
			d.InvitorID = optionalID(ev.OperatorID)
		} else {
			d.OperatorID = optionalID(ev.OperatorID)
		}
	}
	return env.one(ev, d)
}

// groupDecrease: kick / kick_me → operator_id; leave → none.
func groupDecrease(env *Env, ev *onebot11.UpstreamEvent) Result {
	gid, uid := int64(ev.GroupID), int64(ev.UserID)
	if string(ev.SubType) == onebot11.SubKickMe && !isUin(uid) {
		uid = env.selfID(ev)
	}
	if !isUin(gid) || !isUin(uid) {
		return skipIDs()
	}
	d := &milky.GroupMemberDecreaseData{GroupID: gid, UserID: uid}
	if string(ev.SubType) != onebot11.SubLeave && int64(ev.OperatorID) != uid {
		d.OperatorID = optionalID(ev.OperatorID)
	}
	return env.one(ev, d)
}

// groupBan: user_id 0 is the whole group (group_whole_mute); otherwise one
// member (group_mute, duration 0 when lifted, -1 → 30 days).
func groupBan(env *Env, ev *onebot11.UpstreamEvent) Result {
	gid := int64(ev.GroupID)
	if !isUin(gid) {
		return skipIDs()
	}
	ban := string(ev.SubType) == onebot11.SubBan
	op := uinOr(int64(ev.OperatorID), unknownOperator)
	if ev.UserID == 0 {
		return env.one(ev, &milky.GroupWholeMuteData{GroupID: gid, OperatorID: op, IsMute: ban})
	}
	uid := int64(ev.UserID)
	if !isUin(uid) {
		return skipIDs()
	}
	var dur int64
	if ban {
		dur = int64(ev.Duration)
		if dur < 0 || dur > 1<<31-1 {
			dur = permanentMute
		}
	}
	return env.one(ev, &milky.GroupMuteData{GroupID: gid, UserID: uid, OperatorID: op, Duration: int32(dur)})
}

// groupName: NapCat notify/group_name {group_id, user_id = operator, name_new}.
func groupName(env *Env, ev *onebot11.UpstreamEvent) Result {
	gid := int64(ev.GroupID)
	if !isUin(gid) {
		return skipIDs()
	}
	op := uinOr(int64(ev.OperatorID), uinOr(int64(ev.UserID), unknownOperator))
	return env.one(ev, &milky.GroupNameChangeData{GroupID: gid, NewGroupName: string(ev.NameNew), OperatorID: op})
}

// groupUpload: {group_id, user_id, file{id, name, size, busid}}.
func groupUpload(env *Env, ev *onebot11.UpstreamEvent) Result {
	gid, uid := int64(ev.GroupID), int64(ev.UserID)
	if !isUin(gid) || !isUin(uid) {
		return skipIDs()
	}
	return env.one(ev, &milky.GroupFileUploadData{
		GroupID: gid, UserID: uid, FileID: string(ev.File.ID), FileName: string(ev.File.Name), FileSize: max(int64(ev.File.Size), 0),
	})
}

// offlineFile: go-cqhttp {user_id, file{name, size, url}}; the file has no
// id there, so its url stands in (get_private_file_download_url then has
// the URL itself). A file the bot sent has user_id = the bot and target_id
// = the friend (as this gateway's first direction reports it, like
// message_sent); Milky's user_id is always the friend, with is_self.
func offlineFile(env *Env, ev *onebot11.UpstreamEvent) Result {
	uid, self := int64(ev.UserID), false
	if to := int64(ev.TargetID); isUin(to) && uid == ev.SelfID && to != uid {
		uid, self = to, true
	}
	if !isUin(uid) {
		return skipIDs()
	}
	id := string(ev.File.ID)
	if id == "" {
		id = string(ev.File.URL)
	}
	return env.one(ev, &milky.FriendFileUploadData{
		UserID: uid, FileID: id, FileName: string(ev.File.Name), FileSize: max(int64(ev.File.Size), 0), FileHash: string(ev.File.Hash),
		IsSelf: self,
	})
}

// poke: notify/poke {user_id = poker, target_id = pokee, group_id for a
// group poke}. Display texts come from Lagrange's action/suffix fields or
// NapCat's raw_info; QQ's default action text otherwise.
func poke(env *Env, ev *onebot11.UpstreamEvent) Result {
	from, to := int64(ev.UserID), int64(ev.TargetID)
	if !isUin(from) && isUin(int64(ev.SenderID)) {
		from = int64(ev.SenderID)
	}
	if !isUin(from) || !isUin(to) {
		return skipIDs()
	}
	action, suffix, img := pokeTexts(ev)
	if gid := int64(ev.GroupID); gid != 0 {
		if !isUin(gid) {
			return skipIDs()
		}
		return env.one(ev, &milky.GroupNudgeData{GroupID: gid, SenderID: from, ReceiverID: to,
			DisplayAction: action, DisplaySuffix: suffix, DisplayActionImgURL: img})
	}
	self := env.selfID(ev)
	friend := from
	if from == self {
		friend = to
	}
	return env.one(ev, &milky.FriendNudgeData{UserID: friend, IsSelfSend: from == self, IsSelfReceive: to == self,
		DisplayAction: action, DisplaySuffix: suffix, DisplayActionImgURL: img})
}

// defaultPokeAction is QQ's text when the implementation gives none.
const defaultPokeAction = "戳了戳"

type rawInfoItem struct {
	Type string `json:"type"`
	Txt  string `json:"txt"`
	Src  string `json:"src"`
}

func pokeTexts(ev *onebot11.UpstreamEvent) (action, suffix, img string) {
	action, suffix, img = string(ev.Action), string(ev.Suffix), string(ev.ActionImgURL)
	if action == "" && bytes.HasPrefix(bytes.TrimSpace(ev.RawInfo), []byte("[")) {
		// NapCat: [{type:qq}, {type:img, src}, {type:nor, txt: action},
		// {type:qq}, {type:nor, txt: suffix}]
		var items []rawInfoItem
		if json.Unmarshal(ev.RawInfo, &items) == nil {
			texts := 0
			for _, it := range items {
				switch it.Type {
				case "nor":
					if texts == 0 {
						action = it.Txt
					} else if texts == 1 {
						suffix = it.Txt
					}
					texts++
				case "img":
					if img == "" {
						img = it.Src
					}
				}
			}
		}
	}
	if action == "" {
		action = defaultPokeAction
	}
	return action, suffix, img
}

// botOffline: NapCat notice bot_offline {user_id, tag, message}; this
// gateway's first direction sends {user_id, reason}.
func botOffline(env *Env, ev *onebot11.UpstreamEvent) Result {
	reason := ""
	var msg string
	if json.Unmarshal(ev.Message, &msg) == nil {
		reason = msg
	}
	if reason == "" {
		reason = ev.Reason
	}
	if reason == "" {
		reason = string(ev.Tag)
	}
	if reason == "" {
		reason = "offline"
	}
	return env.one(ev, &milky.BotOfflineData{Reason: bounded(reason)})
}

// lifecycleDisable: OneBot's "the implementation is shutting down" is the
// closest thing to Milky's bot_offline.
func lifecycleDisable(env *Env, ev *onebot11.UpstreamEvent) Result {
	return env.one(ev, &milky.BotOfflineData{Reason: "lifecycle disable"})
}
