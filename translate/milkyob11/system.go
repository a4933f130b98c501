package milkyob11

import (
	"context"

	"github.com/qqbridge/gateway/milky"
	"github.com/qqbridge/gateway/onebot11"
	"github.com/qqbridge/gateway/translate/class"
)

// obj is the params of one OneBot call (go-json writes map keys sorted, so
// golden files see a stable order).
type obj = map[string]any

var systemAPIs = []API{
	{Name: milky.APIGetLoginInfo, Category: "system", Class: class.Translated, OneBot: []string{"get_login_info"}, Handler: getLoginInfo},
	{Name: milky.APIGetImplInfo, Category: "system", Class: class.Translated, OneBot: []string{"get_version_info"},
		Reason: "qq_protocol_version is \"\" and qq_protocol_type is the implementation's usual one (OneBot reports neither)", Handler: getImplInfo},
	{Name: milky.APIGetUserProfile, Category: "system", Class: class.Translated, OneBot: []string{"get_stranger_info"},
		Reason: "school, and fields the upstream leaves out, are \"\"/0", Handler: getUserProfile},
	{Name: milky.APIGetFriendList, Category: "system", Class: class.Translated, OneBot: []string{"get_friend_list"},
		Reason: "category is {0, \"\"} unless the upstream reports category_id/category_name", Handler: getFriendList},
	{Name: milky.APIGetFriendInfo, Category: "system", Class: class.Emulated, OneBot: []string{"get_friend_list"},
		Reason: "picked out of the friend list (OneBot has no per-friend query)", Handler: getFriendInfo},
	{Name: milky.APIGetGroupList, Category: "system", Class: class.Translated, OneBot: []string{"get_group_list"},
		Reason: "description, question and announcement are \"\" (not in OneBot's group info)", Handler: getGroupList},
	{Name: milky.APIGetGroupInfo, Category: "system", Class: class.Translated, OneBot: []string{"get_group_info"},
		Reason: "description, question and announcement are \"\"", Handler: getGroupInfo},
	{Name: milky.APIGetGroupMemberList, Category: "system", Class: class.Translated, OneBot: []string{"get_group_member_list"}, Handler: getGroupMemberList},
	{Name: milky.APIGetGroupMemberInfo, Category: "system", Class: class.Translated, OneBot: []string{"get_group_member_info"}, Handler: getGroupMemberInfo},
	{Name: milky.APIGetPeerPins, Category: "system", Class: class.Unsupported,
		Reason: "no OneBot 11 implementation has an action that lists pinned conversations"},
	{Name: milky.APISetPeerPin, Category: "system", Class: class.Unsupported,
		Reason: "no OneBot 11 implementation has an action that pins a conversation"},
	{Name: milky.APISetAvatar, Category: "system", Class: class.Translated, OneBot: []string{"set_qq_avatar"},
		Requires: []string{"set_qq_avatar"}, Handler: setAvatar},
	{Name: milky.APISetNickname, Category: "system", Class: class.Translated, OneBot: []string{"set_qq_profile"},
		Requires: []string{"set_qq_profile"}, Handler: setNickname},
	{Name: milky.APISetBio, Category: "system", Class: class.Translated, OneBot: []string{"set_self_longnick", "set_qq_profile"},
		Requires: []string{"set_self_longnick", "set_qq_profile"}, Handler: setBio},
	{Name: milky.APIGetCustomFaceURLList, Category: "system", Class: class.Translated, OneBot: []string{"fetch_custom_face"},
		Requires: []string{"fetch_custom_face"}, Handler: getCustomFaceURLList},
	{Name: milky.APIGetCookies, Category: "system", Class: class.Translated, OneBot: []string{"get_cookies"}, Handler: getCookies},
	{Name: milky.APIGetCSRFToken, Category: "system", Class: class.Translated, OneBot: []string{"get_csrf_token"}, Handler: getCSRFToken},
}

type loginReply struct {
	UserID   num    `json:"user_id"`
	Nickname string `json:"nickname"`
}

func (r loginReply) milky() any {
	return milky.GetLoginInfoOutput{Uin: int64(r.UserID), Nickname: r.Nickname}
}

func getLoginInfo(ctx context.Context, env *Env, p *milky.Params) (any, error) {
	return ask(ctx, env, p, "get_login_info", nil, loginReply.milky)
}

// protocolTypes is the QQ client each implementation usually logs in as;
// OneBot does not report it, and Milky's field is a required enum.
var protocolTypes = map[onebot11.Impl]string{
	onebot11.NapCat:   "linux", // NTQQ desktop, mostly run in Linux containers
	onebot11.LLOneBot: "linux",
	onebot11.Lagrange: "linux", // emulates the Linux NTQQ client
	onebot11.GoCQHTTP: "android_pad",
	onebot11.Shamrock: "android_phone", // runs inside the Android QQ app
	onebot11.Unknown:  "linux",
}

func getImplInfo(ctx context.Context, env *Env, p *milky.Params) (any, error) {
	var r struct {
		AppName    string `json:"app_name"`
		AppVersion text   `json:"app_version"`
	}
	if err := env.Upstream.Call(ctx, "get_version_info", nil, &r); err != nil {
		return nil, err
	}
	name := "qqbridge-gateway"
	if r.AppName != "" {
		name += " (OneBot 11 upstream " + r.AppName
		if r.AppVersion != "" {
			name += " " + string(r.AppVersion)
		}
		name += ")"
	}
	// An implementation without an entry (e.g. this gateway's own first
	// direction) gets Unknown's: "" is not a Milky qq_protocol_type.
	protocol, ok := protocolTypes[env.impl()]
	if !ok {
		protocol = protocolTypes[onebot11.Unknown]
	}
	return milky.GetImplInfoOutput{
		ImplName:       name,
		ImplVersion:    env.Version,
		QQProtocolType: protocol,
		MilkyVersion:   milky.Version,
	}, nil
}

type strangerReply struct {
	Nickname string `json:"nickname"`
	QID      string `json:"qid"`
	Age      num    `json:"age"`
	Sex      string `json:"sex"`
	Remark   string `json:"remark"`
	LongNick string `json:"long_nick"`
	Level    text   `json:"level"`
	Country  string `json:"country"`
	City     string `json:"city"`
	School   string `json:"school"`
}

func (r strangerReply) milky() any {
	return milky.GetUserProfileOutput{Nickname: r.Nickname, QID: r.QID, Age: nonNeg32(r.Age), Sex: sex(r.Sex),
		Remark: r.Remark, Bio: r.LongNick, Level: level(string(r.Level)), Country: r.Country, City: r.City, School: r.School}
}

func getUserProfile(ctx context.Context, env *Env, p *milky.Params) (any, error) {
	uid := p.Uin("user_id")
	return ask(ctx, env, p, "get_stranger_info", obj{"user_id": uid}, strangerReply.milky)
}

// friendReply is one get_friend_list item; category_* are only sent by
// some implementations.
type friendReply struct {
	UserID       num    `json:"user_id"`
	Nickname     string `json:"nickname"`
	Remark       string `json:"remark"`
	Sex          string `json:"sex"`
	QID          string `json:"qid"`
	CategoryID   num    `json:"category_id"`
	CategoryName string `json:"category_name"`
}

func (f *friendReply) milky() milky.Friend {
	return milky.Friend{UserID: int64(f.UserID), Nickname: f.Nickname, Sex: sex(f.Sex), QID: f.QID, Remark: f.Remark,
		Category: milky.FriendCategory{CategoryID: nonNeg32(f.CategoryID), CategoryName: f.CategoryName}}
}

// friends reads no_cache (after the caller's own parameters, so the first
// bad one is still the one reported), stops at bad parameters and fetches the
// upstream's friend list.
func friends(ctx context.Context, env *Env, p *milky.Params) ([]friendReply, error) {
	noCache := p.BoolDef("no_cache", false)
	if err := p.Err(); err != nil {
		return nil, err
	}
	var r []friendReply
	err := env.Upstream.Call(ctx, "get_friend_list", obj{"no_cache": noCache}, &r)
	return r, err
}

func getFriendList(ctx context.Context, env *Env, p *milky.Params) (any, error) {
	list, err := friends(ctx, env, p)
	if err != nil {
		return nil, err
	}
	out := milky.GetFriendListOutput{Friends: make([]milky.Friend, 0, len(list))}
	for i := range list {
		out.Friends = append(out.Friends, list[i].milky())
	}
	return out, nil
}

func getFriendInfo(ctx context.Context, env *Env, p *milky.Params) (any, error) {
	uid := p.Uin("user_id")
	list, err := friends(ctx, env, p)
	if err != nil {
		return nil, err
	}
	for i := range list {
		if int64(list[i].UserID) == uid {
			return milky.GetFriendInfoOutput{Friend: list[i].milky()}, nil
		}
	}
	return nil, notFound("user_id %d is not a friend", uid)
}

type groupReply struct {
	GroupID         num    `json:"group_id"`
	GroupName       string `json:"group_name"`
	MemberCount     num    `json:"member_count"`
	MaxMemberCount  num    `json:"max_member_count"`
	RemarkName      string `json:"remark_name"`
	GroupCreateTime num    `json:"group_create_time"`
}

func (g *groupReply) milky() milky.Group {
	return milky.Group{GroupID: int64(g.GroupID), GroupName: g.GroupName, MemberCount: nonNeg32(g.MemberCount),
		MaxMemberCount: nonNeg32(g.MaxMemberCount), Remark: g.RemarkName, CreatedTime: nonNeg64(g.GroupCreateTime)}
}

func getGroupList(ctx context.Context, env *Env, p *milky.Params) (any, error) {
	noCache := p.BoolDef("no_cache", false)
	return ask(ctx, env, p, "get_group_list", obj{"no_cache": noCache}, func(r []groupReply) any {
		out := milky.GetGroupListOutput{Groups: make([]milky.Group, 0, len(r))}
		for i := range r {
			out.Groups = append(out.Groups, r[i].milky())
		}
		return out
	})
}

func getGroupInfo(ctx context.Context, env *Env, p *milky.Params) (any, error) {
	gid := p.Uin("group_id")
	noCache := p.BoolDef("no_cache", false)
	return ask(ctx, env, p, "get_group_info", obj{"group_id": gid, "no_cache": noCache}, func(r groupReply) any {
		if r.GroupID == 0 {
			r.GroupID = num(gid) // some implementations echo nothing for a group they cache poorly
		}
		return milky.GetGroupInfoOutput{Group: r.milky()}
	})
}

type memberReply struct {
	GroupID         num    `json:"group_id"`
	UserID          num    `json:"user_id"`
	Nickname        string `json:"nickname"`
	Card            string `json:"card"`
	Sex             string `json:"sex"`
	JoinTime        num    `json:"join_time"`
	LastSentTime    num    `json:"last_sent_time"`
	Level           text   `json:"level"`
	Role            string `json:"role"`
	Title           string `json:"title"`
	ShutUpTimestamp num    `json:"shut_up_timestamp"`
}

// milky fills a Milky member; shut_up_end_time is only set while the mute
// lasts (OneBot keeps a past timestamp; Milky's field is optional).
func (m *memberReply) milky(env *Env, gid int64) milky.GroupMember {
	out := milky.GroupMember{UserID: int64(m.UserID), Nickname: m.Nickname, Sex: sex(m.Sex), GroupID: gid, Card: m.Card,
		Title: m.Title, Level: level(string(m.Level)), Role: role(m.Role), JoinTime: nonNeg64(m.JoinTime),
		LastSentTime: nonNeg64(m.LastSentTime)}
	if end := int64(m.ShutUpTimestamp); end > env.now() {
		out.ShutUpEndTime = &end
	}
	return out
}

func getGroupMemberList(ctx context.Context, env *Env, p *milky.Params) (any, error) {
	gid := p.Uin("group_id")
	noCache := p.BoolDef("no_cache", false)
	return ask(ctx, env, p, "get_group_member_list", obj{"group_id": gid, "no_cache": noCache}, func(r []memberReply) any {
		out := milky.GetGroupMemberListOutput{Members: make([]milky.GroupMember, 0, len(r))}
		for i := range r {
			out.Members = append(out.Members, r[i].milky(env, gid))
		}
		return out
	})
}

func getGroupMemberInfo(ctx context.Context, env *Env, p *milky.Params) (any, error) {
	gid := p.Uin("group_id")
	uid := p.Uin("user_id")
	noCache := p.BoolDef("no_cache", false)
	if err := p.Err(); err != nil {
		return nil, err
	}
	var r memberReply
	if err := env.Upstream.Call(ctx, "get_group_member_info", obj{"group_id": gid, "user_id": uid, "no_cache": noCache}, &r); err != nil {
		return nil, err
	}
	if r.UserID == 0 {
		return nil, notFound("user_id %d is not a member of group %d", uid, gid)
	}
	return milky.GetGroupMemberInfoOutput{Member: r.milky(env, gid)}, nil
}

func setAvatar(ctx context.Context, env *Env, p *milky.Params) (any, error) {
	uri := p.NonEmpty("uri")
	return send(ctx, env, p, "set_qq_avatar", obj{"file": uri})
}

func setNickname(ctx context.Context, env *Env, p *milky.Params) (any, error) {
	name := p.NonEmpty("new_nickname")
	return send(ctx, env, p, "set_qq_profile", obj{"nickname": name})
}

// setBio uses NapCat's set_self_longnick where offered: NapCat's
// set_qq_profile requires a nickname, which would rename the bot.
func setBio(ctx context.Context, env *Env, p *milky.Params) (any, error) {
	bio := p.String("new_bio")
	if err := p.Err(); err != nil {
		return nil, err
	}
	if env.pick("set_self_longnick") != "" {
		return nil, env.Upstream.Call(ctx, "set_self_longnick", obj{"longNick": bio}, nil)
	}
	return nil, env.Upstream.Call(ctx, "set_qq_profile", obj{"personal_note": bio}, nil)
}

func getCustomFaceURLList(ctx context.Context, env *Env, p *milky.Params) (any, error) {
	return ask(ctx, env, p, "fetch_custom_face", nil, func(r []string) any {
		if r == nil {
			r = []string{}
		}
		return milky.GetCustomFaceURLListOutput{URLs: r}
	})
}

type cookiesReply struct {
	Cookies string `json:"cookies"`
}

func (r cookiesReply) milky() any { return milky.GetCookiesOutput{Cookies: r.Cookies} }

func getCookies(ctx context.Context, env *Env, p *milky.Params) (any, error) {
	domain := p.NonEmpty("domain")
	return ask(ctx, env, p, "get_cookies", obj{"domain": domain}, cookiesReply.milky)
}

// csrfReply: OneBot's token is a number (NapCat sends it as a number,
// some forks as a string); Milky's is a string.
type csrfReply struct {
	Token text `json:"token"`
}

func (r csrfReply) milky() any { return milky.GetCSRFTokenOutput{CSRFToken: string(r.Token)} }

func getCSRFToken(ctx context.Context, env *Env, p *milky.Params) (any, error) {
	return ask(ctx, env, p, "get_csrf_token", nil, csrfReply.milky)
}
