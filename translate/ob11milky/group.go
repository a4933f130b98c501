package ob11milky

import (
	"context"
	"fmt"
	"strconv"

	"github.com/qqbridge/gateway/milky"
	"github.com/qqbridge/gateway/onebot11"
)

// groupActions are the group actions. Each handler is a small function below.
var groupActions = []Action{
	translated("group", "set_group_ban", setGroupBan, milky.APISetGroupMemberMute),
	translated("group", "set_group_whole_ban", setGroupWholeBan, milky.APISetGroupWholeMute),
	translated("group", "set_group_kick", setGroupKick, milky.APIKickGroupMember),
	translated("group", "set_group_card", setGroupCard, milky.APISetGroupMemberCard),
	translated("group", "set_group_admin", setGroupAdmin, milky.APISetGroupMemberAdmin),
	translated("group", "set_group_name", setGroupName, milky.APISetGroupName),
	translated("group", "set_group_leave", setGroupLeave, milky.APIQuitGroup),
	translated("group", "set_group_special_title", setGroupSpecialTitle, milky.APISetGroupMemberSpecialTitle),
	translated("group", "get_group_info", getGroupInfo, milky.APIGetGroupInfo),
	translated("group", "get_group_list", getGroupList, milky.APIGetGroupList),
	translated("group", "get_group_member_info", getGroupMemberInfo, milky.APIGetGroupMemberInfo),
	translated("group", "get_group_member_list", getGroupMemberList, milky.APIGetGroupMemberList),
	emulated("group", "get_group_info_ex", getGroupInfoEx, milky.APIGetGroupInfo),
	translated("group", "set_group_portrait", setGroupPortrait,
		milky.APISetGroupAvatar, milky.APIGetResourceTempURL),
	translated("group", "set_group_avatar", setGroupPortrait,
		milky.APISetGroupAvatar, milky.APIGetResourceTempURL),
	translated("group", "group_poke", groupPoke, milky.APISendGroupNudge),
	translated("group", "group_touch", groupPoke, milky.APISendGroupNudge),
	// group_kick_batch.go
	translated("group", "set_group_kick_members", setGroupKickMembers, milky.APIKickGroupMember),
	translated("group", "batch_delete_group_member", batchDeleteGroupMember, milky.APIKickGroupMember),
	// group_essence.go
	translated("group", "set_essence_msg", setEssenceMsg, milky.APISetGroupEssenceMessage),
	translated("group", "delete_essence_msg", deleteEssenceMsg, milky.APISetGroupEssenceMessage),
	translated("group", "get_essence_msg_list", getEssenceMsgList, milky.APIGetGroupEssenceMessages),
	translated("group", "get_group_essence_msg", getEssenceMsgList, milky.APIGetGroupEssenceMessages),
	// group_notice.go
	translated("group", "_send_group_notice", sendGroupNotice,
		milky.APISendGroupAnnouncement, milky.APIGetResourceTempURL),
	translated("group", "_get_group_notice", getGroupNotice, milky.APIGetGroupAnnouncements),
	translated("group", "_delete_group_notice", deleteGroupNotice, milky.APIDeleteGroupAnnouncement),
	// group_shut.go
	emulated("group", "get_prohibited_member_list", getProhibitedMemberList, milky.APIGetGroupMemberList),
	emulated("group", "get_group_shut_list", getGroupShutList, milky.APIGetGroupMemberList),
	// What Milky 1.2 cannot express.
	unsupported("group", "set_group_anonymous",
		"QQ no longer has anonymous group chat and Milky 1.2 has no anonymous API"),
	unsupported("group", "set_group_anonymous_ban",
		"QQ no longer has anonymous group chat and Milky 1.2 has no anonymous API (ban the member with set_group_ban)"),
	unsupported("group", "send_group_sign", "Milky 1.2 has no group check-in (打卡) API"),
	unsupported("group", "set_group_sign", "Milky 1.2 has no group check-in (打卡) API"),
	unsupported("group", "set_group_remark",
		"Milky 1.2 has no API to set the bot's remark for a group (get_group_info only reads it)"),
	unsupported("group", "set_group_msg_mask", "Milky 1.2 has no API for a group's message notification setting"),
	unsupported("group", "get_group_honor_info",
		"Milky 1.2 exposes no group honor data (talkative, performer, legend, ...), so no part of the answer would be real"),
	unsupported("group", "get_group_at_all_remain",
		"Milky 1.2 does not report how many @all mentions remain today; a count derived from the bot's role would be a guess"),
	unsupported("group", "get_group_album_list", "Milky 1.2 has no group album API"),
	unsupported("group", "create_group_album", "Milky 1.2 has no group album API"),
	unsupported("group", "delete_group_album", "Milky 1.2 has no group album API"),
	unsupported("group", "upload_group_album", "Milky 1.2 has no group album API"),
}

// defaultBanSeconds is go-cqhttp's default set_group_ban duration (30 min);
// 000/003 make duration required, 001/002 default it to this.
const defaultBanSeconds = 30 * 60

// groupMember reads the group_id and user_id every member action takes.
func groupMember(p *onebot11.Reader) (groupID, userID int64) {
	return uinParam(p, "group_id"), uinParam(p, "user_id")
}

// setGroupBan: group_id, user_id, duration (seconds, default 1800, 0 lifts).
func setGroupBan(ctx context.Context, env *Env, p *onebot11.Reader) (any, error) {
	groupID, userID := groupMember(p)
	duration := int32Param(p, defaultBanSeconds, "duration")
	return send(ctx, env, p, milky.APISetGroupMemberMute,
		&milky.SetGroupMemberMuteInput{GroupID: groupID, UserID: userID, Duration: duration})
}

// setGroupWholeBan: group_id, enable (default true).
func setGroupWholeBan(ctx context.Context, env *Env, p *onebot11.Reader) (any, error) {
	groupID := uinParam(p, "group_id")
	enable := p.OptBool(true, "enable")
	return send(ctx, env, p, milky.APISetGroupWholeMute,
		&milky.SetGroupWholeMuteInput{GroupID: groupID, IsMute: enable})
}

// setGroupKick: group_id, user_id, reject_add_request (default false).
func setGroupKick(ctx context.Context, env *Env, p *onebot11.Reader) (any, error) {
	groupID, userID := groupMember(p)
	reject := p.OptBool(false, "reject_add_request")
	return send(ctx, env, p, milky.APIKickGroupMember,
		&milky.KickGroupMemberInput{GroupID: groupID, UserID: userID, RejectAddRequest: reject})
}

// setGroupCard: group_id, user_id, card (default "": removes the card).
func setGroupCard(ctx context.Context, env *Env, p *onebot11.Reader) (any, error) {
	groupID, userID := groupMember(p)
	card := p.OptString("", "card")
	return send(ctx, env, p, milky.APISetGroupMemberCard,
		&milky.SetGroupMemberCardInput{GroupID: groupID, UserID: userID, Card: card})
}

// setGroupAdmin: group_id, user_id, enable (default true; false unsets).
func setGroupAdmin(ctx context.Context, env *Env, p *onebot11.Reader) (any, error) {
	groupID, userID := groupMember(p)
	enable := p.OptBool(true, "enable")
	return send(ctx, env, p, milky.APISetGroupMemberAdmin,
		&milky.SetGroupMemberAdminInput{GroupID: groupID, UserID: userID, IsSet: enable})
}

// setGroupName: group_id, group_name (NcatBot's kwarg is name).
func setGroupName(ctx context.Context, env *Env, p *onebot11.Reader) (any, error) {
	groupID := uinParam(p, "group_id")
	name := p.String("group_name", "name")
	return send(ctx, env, p, milky.APISetGroupName,
		&milky.SetGroupNameInput{GroupID: groupID, NewGroupName: name})
}

// setGroupLeave: group_id. is_dismiss is accepted but has no Milky
// counterpart: quit_group is the only call, and whether an owner quitting
// dismisses the group is up to the implementation.
func setGroupLeave(ctx context.Context, env *Env, p *onebot11.Reader) (any, error) {
	groupID := uinParam(p, "group_id")
	p.OptBool(false, "is_dismiss")
	return send(ctx, env, p, milky.APIQuitGroup, &milky.GroupIDInput{GroupID: groupID})
}

// setGroupSpecialTitle: group_id, user_id, special_title (default "":
// removes it). go-cqhttp's duration is ignored (it documents it as having
// no effect, and Milky has no such field).
func setGroupSpecialTitle(ctx context.Context, env *Env, p *onebot11.Reader) (any, error) {
	groupID, userID := groupMember(p)
	title := p.OptString("", "special_title")
	return send(ctx, env, p, milky.APISetGroupMemberSpecialTitle,
		&milky.SetGroupMemberSpecialTitleInput{GroupID: groupID, UserID: userID, SpecialTitle: title})
}

func toGroupInfo(g *milky.Group) onebot11.GroupInfo {
	return onebot11.GroupInfo{
		GroupID: g.GroupID, GroupName: g.GroupName, GroupMemo: g.Description, GroupCreateTime: g.CreatedTime,
		MemberCount: g.MemberCount, MaxMemberCount: g.MaxMemberCount, RemarkName: g.Remark,
	}
}

// getGroupInfo: group_id, no_cache → get_group_info.
func getGroupInfo(ctx context.Context, env *Env, p *onebot11.Reader) (any, error) {
	groupID := uinParam(p, "group_id")
	noCache := p.OptBool(false, "no_cache")
	return ask(ctx, env, p, milky.APIGetGroupInfo, &milky.GetGroupInfoInput{GroupID: groupID, NoCache: noCache}, func(out milky.GetGroupInfoOutput) any {
		info := toGroupInfo(&out.Group)
		return &info
	})
}

// getGroupList: no_cache → get_group_list.
func getGroupList(ctx context.Context, env *Env, p *onebot11.Reader) (any, error) {
	noCache := p.OptBool(false, "no_cache")
	return ask(ctx, env, p, milky.APIGetGroupList, &milky.NoCacheInput{NoCache: noCache}, func(out milky.GetGroupListOutput) any {
		list := make([]onebot11.GroupInfo, 0, len(out.Groups))
		for i := range out.Groups {
			list = append(list, toGroupInfo(&out.Groups[i]))
		}
		return list
	})
}

// toMemberInfo converts a member of groupID (the request's: some
// implementations leave the member's own group_id out).
func toMemberInfo(groupID int64, m *milky.GroupMember) onebot11.MemberInfo {
	info := onebot11.MemberInfo{
		GroupID: groupID, UserID: m.UserID, Nickname: m.Nickname, Card: m.Card, Sex: m.Sex,
		JoinTime: m.JoinTime, LastSentTime: m.LastSentTime, Level: strconv.Itoa(int(m.Level)),
		Role: m.Role, Title: m.Title,
	}
	if m.ShutUpEndTime != nil {
		info.ShutUpTimestamp = *m.ShutUpEndTime
	}
	return info
}

// getGroupMemberInfo: group_id, user_id, no_cache → get_group_member_info.
func getGroupMemberInfo(ctx context.Context, env *Env, p *onebot11.Reader) (any, error) {
	groupID, userID := groupMember(p)
	noCache := p.OptBool(false, "no_cache")
	in := milky.GetGroupMemberInfoInput{GroupID: groupID, UserID: userID, NoCache: noCache}
	return ask(ctx, env, p, milky.APIGetGroupMemberInfo, &in, func(out milky.GetGroupMemberInfoOutput) any {
		info := toMemberInfo(groupID, &out.Member)
		return &info
	})
}

// getGroupMemberList: group_id, no_cache → get_group_member_list.
func getGroupMemberList(ctx context.Context, env *Env, p *onebot11.Reader) (any, error) {
	groupID := uinParam(p, "group_id")
	noCache := p.OptBool(false, "no_cache")
	return ask(ctx, env, p, milky.APIGetGroupMemberList, &milky.GetGroupMemberListInput{GroupID: groupID, NoCache: noCache}, func(out milky.GetGroupMemberListOutput) any {
		list := make([]onebot11.MemberInfo, 0, len(out.Members))
		for i := range out.Members {
			list = append(list, toMemberInfo(groupID, &out.Members[i]))
		}
		return list
	})
}

// getGroupInfoEx: group_id, no_cache → get_group_info.
func getGroupInfoEx(ctx context.Context, env *Env, p *onebot11.Reader) (any, error) {
	groupID := uinParam(p, "group_id")
	noCache := p.OptBool(false, "no_cache")
	if err := p.Err(); err != nil {
		return nil, err
	}
	var out milky.GetGroupInfoOutput
	if err := env.Upstream.Call(ctx, milky.APIGetGroupInfo, &milky.GetGroupInfoInput{GroupID: groupID, NoCache: noCache}, &out); err != nil {
		return nil, err
	}
	return &onebot11.GroupInfoEx{
		GroupInfo: toGroupInfo(&out.Group), GroupQuestion: out.Group.Question, GroupAnnouncement: out.Group.Announcement,
		AvatarURL: fmt.Sprintf(groupAvatarURL, groupID, groupID),
	}, nil
}

// setGroupPortrait (set_group_portrait, set_group_avatar): group_id, file
// (file://, http(s)://, base64://, a path or a received image's name) →
// set_group_avatar. go-cqhttp's cache switch is accepted; Milky always
// fetches the URI itself.
func setGroupPortrait(ctx context.Context, env *Env, p *onebot11.Reader) (any, error) {
	groupID := uinParam(p, "group_id")
	p.OptInt64(1, "cache")
	file := p.String("file")
	if err := p.Err(); err != nil {
		return nil, err
	}
	uri, err := env.MediaURI(ctx, "parameter file", file)
	if err != nil {
		return nil, err
	}
	return nil, env.Upstream.Call(ctx, milky.APISetGroupAvatar, &milky.SetGroupAvatarInput{GroupID: groupID, ImageURI: uri}, nil)
}

// groupPoke (group_poke, group_touch): group_id, user_id → send_group_nudge.
func groupPoke(ctx context.Context, env *Env, p *onebot11.Reader) (any, error) {
	groupID, userID := groupMember(p)
	return send(ctx, env, p, milky.APISendGroupNudge, &milky.SendGroupNudgeInput{GroupID: groupID, UserID: userID})
}
