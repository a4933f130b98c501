package ob11milky

import (
	"context"
	"fmt"
	"sort"

	"github.com/qqbridge/gateway/milky"
	"github.com/qqbridge/gateway/onebot11"
	"github.com/qqbridge/gateway/segment"
)

// friendActions are the friend actions. Each handler is a small function below.
var friendActions = []Action{
	translated("friend", "send_like", sendLike, milky.APISendProfileLike),
	translated("friend", "get_friend_list", getFriendList, milky.APIGetFriendList),
	translated("friend", "get_stranger_info", getStrangerInfo, milky.APIGetUserProfile),
	emulated("friend", "get_friends_with_category", getFriendsWithCategory, milky.APIGetFriendList),
	translated("friend", "delete_friend", deleteFriend, milky.APIDeleteFriend),
	translated("friend", "friend_poke", friendPoke, milky.APISendFriendNudge),
	translated("friend", "set_qq_avatar", setQQAvatar, milky.APISetAvatar, milky.APIGetResourceTempURL),
	translated("friend", "set_qq_profile", setQQProfile, milky.APISetNickname, milky.APISetBio),
	emulated("friend", "get_qq_avatar", getQQAvatar),
	unsupported("friend", "set_friend_remark",
		"Milky 1.2 has no API to set a friend's remark (get_friend_list only reads it)"),
	unsupported("friend", "set_friend_category",
		"Milky 1.2 has no API to move a friend to another category (get_friend_list only reads it)"),
	unsupported("friend", "get_profile_like",
		"Milky 1.2 can send profile likes (send_like) but has no API listing who liked whom"),
	unsupported("friend", "get_profile_like_me",
		"Milky 1.2 can send profile likes (send_like) but has no API listing who liked the bot"),
	unsupported("friend", "get_robot_uin_range",
		"Milky 1.2 does not expose QQ's official robot uin ranges, and a list built into the gateway would go stale"),
}

// sendLike: user_id, times (default 1) → send_profile_like count.
func sendLike(ctx context.Context, env *Env, p *onebot11.Reader) (any, error) {
	userID := uinParam(p, "user_id")
	times := int32Param(p, 1, "times")
	if err := p.Err(); err != nil {
		return nil, err
	}
	if times == 0 {
		return nil, onebot11.Errorf(onebot11.RetcodeBadRequest, "parameter times: must be at least 1")
	}
	return nil, env.Upstream.Call(ctx, milky.APISendProfileLike, &milky.SendProfileLikeInput{UserID: userID, Count: times}, nil)
}

// getFriendList: no_cache → get_friend_list.
func getFriendList(ctx context.Context, env *Env, p *onebot11.Reader) (any, error) {
	noCache := p.OptBool(false, "no_cache")
	return ask(ctx, env, p, milky.APIGetFriendList, &milky.NoCacheInput{NoCache: noCache}, func(out milky.GetFriendListOutput) any {
		list := make([]onebot11.FriendInfo, 0, len(out.Friends))
		for _, f := range out.Friends {
			list = append(list, onebot11.FriendInfo{
				UserID: f.UserID, Nickname: f.Nickname, Remark: f.Remark, Sex: f.Sex, QID: f.QID,
				CategoryID: f.Category.CategoryID, CategoryName: f.Category.CategoryName,
			})
		}
		return list
	})
}

// getStrangerInfo: user_id (no_cache accepted; Milky's get_user_profile has
// no cache switch) → get_user_profile.
func getStrangerInfo(ctx context.Context, env *Env, p *onebot11.Reader) (any, error) {
	userID := uinParam(p, "user_id")
	if err := p.Err(); err != nil {
		return nil, err
	}
	var out milky.GetUserProfileOutput
	if err := env.Upstream.Call(ctx, milky.APIGetUserProfile, &milky.GetUserProfileInput{UserID: userID}, &out); err != nil {
		return nil, err
	}
	return &onebot11.StrangerInfo{
		UserID: userID, Nickname: out.Nickname, Sex: out.Sex, Age: out.Age, QID: out.QID, Level: out.Level,
		LongNick: out.Bio, Remark: out.Remark, City: out.City, Country: out.Country, School: out.School,
	}, nil
}

// getFriendsWithCategory: get_friend_list grouped by category, categories
// in ascending category_id, friends in the upstream's order.
func getFriendsWithCategory(ctx context.Context, env *Env, p *onebot11.Reader) (any, error) {
	data, err := getFriendList(ctx, env, p)
	if err != nil {
		return nil, err
	}
	friends := data.([]onebot11.FriendInfo)
	byID := map[int32]*onebot11.FriendCategory{}
	var order []int32
	for _, f := range friends {
		c := byID[f.CategoryID]
		if c == nil {
			c = &onebot11.FriendCategory{CategoryID: f.CategoryID, CategoryName: f.CategoryName, BuddyList: []onebot11.FriendInfo{}}
			byID[f.CategoryID] = c
			order = append(order, f.CategoryID)
		}
		c.BuddyList = append(c.BuddyList, f)
		c.CategoryMbCount++
	}
	sort.Slice(order, func(i, j int) bool { return order[i] < order[j] })
	out := make([]onebot11.FriendCategory, 0, len(order))
	for _, id := range order {
		out = append(out, *byID[id])
	}
	return out, nil
}

// deleteFriend: user_id (NapCat also friend_id) → delete_friend. NapCat's
// temp_block (also block the user) and temp_both_del (also remove the bot
// from their list) have no Milky counterpart: asked for, they fail instead
// of silently doing less.
func deleteFriend(ctx context.Context, env *Env, p *onebot11.Reader) (any, error) {
	userID := uinParam(p, "user_id", "friend_id")
	for _, flag := range []string{"temp_block", "temp_both_del"} {
		if p.OptBool(false, flag) {
			p.Fail(onebot11.Errorf(onebot11.RetcodeUnsupported, "parameter %s: Milky 1.2's delete_friend only deletes; it cannot also block or delete on both sides", flag))
		}
	}
	return send(ctx, env, p, milky.APIDeleteFriend, &milky.DeleteFriendInput{UserID: userID})
}

// friendPoke: user_id (the friend), target_id (NapCat: who is poked; the
// friend by default) → send_friend_nudge. Milky can poke the friend or, with
// is_self, the bot itself in that chat; nobody else.
func friendPoke(ctx context.Context, env *Env, p *onebot11.Reader) (any, error) {
	userID := uinParam(p, "user_id")
	target := p.OptInt64(0, "target_id")
	if err := p.Err(); err != nil {
		return nil, err
	}
	in := milky.SendFriendNudgeInput{UserID: userID}
	switch self := env.selfID(); {
	case target == 0 || target == userID: // 0: unset, as some SDKs send it
	case self != 0 && target == self:
		in.IsSelf = true
	default:
		return nil, onebot11.Errorf(onebot11.RetcodeBadRequest, "parameter target_id: %d is neither the friend %d nor the bot; Milky can only poke one of them", target, userID)
	}
	return nil, env.Upstream.Call(ctx, milky.APISendFriendNudge, &in, nil)
}

// setQQAvatar: file (file://, http(s)://, base64://, a path or a received
// image's file name) → set_avatar.
func setQQAvatar(ctx context.Context, env *Env, p *onebot11.Reader) (any, error) {
	file := p.String("file")
	if err := p.Err(); err != nil {
		return nil, err
	}
	uri, err := env.MediaURI(ctx, "parameter file", file)
	if err != nil {
		return nil, err
	}
	return nil, env.Upstream.Call(ctx, milky.APISetAvatar, &milky.SetAvatarInput{URI: uri}, nil)
}

// setQQProfile: nickname → set_nickname, personal_note → set_bio; either or
// both, nickname first. An empty nickname means "leave it" (QQ has no empty
// nicknames), an empty personal_note clears the bio. NapCat's sex has no
// Milky API and is refused before anything changes. If set_bio fails after
// set_nickname succeeded, the error says the nickname was changed.
func setQQProfile(ctx context.Context, env *Env, p *onebot11.Reader) (any, error) {
	if p.Has("sex") {
		return nil, onebot11.Errorf(onebot11.RetcodeUnsupported, "parameter sex: Milky 1.2 cannot set the bot's sex")
	}
	nickname := p.OptString("", "nickname")
	note := p.OptString("", "personal_note")
	if err := p.Err(); err != nil {
		return nil, err
	}
	setNote := p.Has("personal_note")
	if nickname == "" && !setNote {
		return nil, onebot11.Errorf(onebot11.RetcodeBadRequest, "missing parameter nickname (or personal_note)")
	}
	if nickname != "" {
		if err := env.Upstream.Call(ctx, milky.APISetNickname, &milky.SetNicknameInput{NewNickname: nickname}, nil); err != nil {
			return nil, err
		}
	}
	if setNote {
		if err := env.Upstream.Call(ctx, milky.APISetBio, &milky.SetBioInput{NewBio: note}, nil); err != nil {
			if nickname != "" {
				return nil, segment.Wrapf(err, "the nickname was changed, but personal_note was not")
			}
			return nil, err
		}
	}
	return nil, nil
}

// Avatar URLs per the Milky FAQ (Milky has no avatar API).
const (
	userAvatarURL  = "https://q1.qlogo.cn/g?b=qq&nk=%d&s=640"
	groupAvatarURL = "https://p.qlogo.cn/gh/%d/%d/0/"
)

// getQQAvatar: user_id, or group_id for a group's avatar (user_id wins when
// both are given) → the qlogo URL, built without a call.
func getQQAvatar(_ context.Context, _ *Env, p *onebot11.Reader) (any, error) {
	var url string
	switch {
	case p.Has("user_id"):
		url = fmt.Sprintf(userAvatarURL, uinParam(p, "user_id"))
	case p.Has("group_id"):
		groupID := uinParam(p, "group_id")
		url = fmt.Sprintf(groupAvatarURL, groupID, groupID)
	default:
		p.Failf("missing parameter user_id (or group_id)")
	}
	if err := p.Err(); err != nil {
		return nil, err
	}
	return &onebot11.AvatarURL{URL: url}, nil
}
