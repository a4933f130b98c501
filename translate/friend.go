package translate

import (
	"context"

	"github.com/qqbridge/gateway/milky"
	"github.com/qqbridge/gateway/onebot11"
)

// friendActions are the friend actions. Each handler is a small function below.
var friendActions = []Action{
	{Name: "send_like", Category: "friend", Class: Translated, Handler: sendLike,
		Milky: []string{milky.APISendProfileLike}},
	{Name: "get_friend_list", Category: "friend", Class: Translated, Handler: getFriendList,
		Milky: []string{milky.APIGetFriendList}},
	{Name: "get_stranger_info", Category: "friend", Class: Translated, Handler: getStrangerInfo,
		Milky: []string{milky.APIGetUserProfile}},
}

// sendLike: user_id, times (default 1) → send_profile_like count.
func sendLike(ctx context.Context, env *Env, p onebot11.Params) (any, error) {
	userID, err := uinParam(p, "user_id")
	if err != nil {
		return nil, err
	}
	times, err := int32Param(p, 1, "times")
	if err != nil {
		return nil, err
	}
	if times == 0 {
		return nil, onebot11.Errorf(onebot11.RetcodeBadRequest, "parameter times: must be at least 1")
	}
	return nil, env.Upstream.Call(ctx, milky.APISendProfileLike, &milky.SendProfileLikeInput{UserID: userID, Count: times}, nil)
}

// friendInfo is one get_friend_list item. Milky knows no age; 0 is
// OneBot's "unknown", as go-cqhttp sends.
type friendInfo struct {
	UserID       int64  `json:"user_id"`
	Nickname     string `json:"nickname"`
	Remark       string `json:"remark"`
	Sex          string `json:"sex"`
	Age          int32  `json:"age"`
	QID          string `json:"qid"`
	CategoryID   int32  `json:"category_id"`
	CategoryName string `json:"category_name"`
}

// getFriendList: no_cache → get_friend_list.
func getFriendList(ctx context.Context, env *Env, p onebot11.Params) (any, error) {
	noCache, err := p.OptBool(false, "no_cache")
	if err != nil {
		return nil, err
	}
	var out milky.GetFriendListOutput
	if err := env.Upstream.Call(ctx, milky.APIGetFriendList, &milky.NoCacheInput{NoCache: noCache}, &out); err != nil {
		return nil, err
	}
	list := make([]friendInfo, 0, len(out.Friends))
	for _, f := range out.Friends {
		list = append(list, friendInfo{
			UserID: f.UserID, Nickname: f.Nickname, Remark: f.Remark, Sex: f.Sex, QID: f.QID,
			CategoryID: f.Category.CategoryID, CategoryName: f.Category.CategoryName,
		})
	}
	return list, nil
}

// strangerInfo is get_stranger_info data (go-cqhttp fields plus NapCat's
// long_nick, level, city, country; Milky's bio is long_nick).
type strangerInfo struct {
	UserID   int64  `json:"user_id"`
	Nickname string `json:"nickname"`
	Sex      string `json:"sex"`
	Age      int32  `json:"age"`
	QID      string `json:"qid"`
	Level    int32  `json:"level"`
	LongNick string `json:"long_nick"`
	Remark   string `json:"remark"`
	City     string `json:"city"`
	Country  string `json:"country"`
	School   string `json:"school"`
}

// getStrangerInfo: user_id (no_cache accepted; Milky's get_user_profile has
// no cache switch) → get_user_profile.
func getStrangerInfo(ctx context.Context, env *Env, p onebot11.Params) (any, error) {
	userID, err := uinParam(p, "user_id")
	if err != nil {
		return nil, err
	}
	var out milky.GetUserProfileOutput
	if err := env.Upstream.Call(ctx, milky.APIGetUserProfile, &milky.GetUserProfileInput{UserID: userID}, &out); err != nil {
		return nil, err
	}
	return &strangerInfo{
		UserID: userID, Nickname: out.Nickname, Sex: out.Sex, Age: out.Age, QID: out.QID, Level: out.Level,
		LongNick: out.Bio, Remark: out.Remark, City: out.City, Country: out.Country, School: out.School,
	}, nil
}
