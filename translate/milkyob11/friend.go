package milkyob11

import (
	"context"
	"strconv"

	"github.com/qqbridge/gateway/idmap"
	"github.com/qqbridge/gateway/milky"
	"github.com/qqbridge/gateway/translate/class"
)

var friendAPIs = []API{
	{Name: milky.APISendFriendNudge, Category: "friend", Class: class.Translated, OneBot: []string{"friend_poke", "send_poke"},
		Requires: []string{"friend_poke", "send_poke"},
		Reason:   "is_self=true needs NapCat's send_poke (target_id); elsewhere it fails with -501", Handler: sendFriendNudge},
	{Name: milky.APISendProfileLike, Category: "friend", Class: class.Translated, OneBot: []string{"send_like"}, Handler: sendProfileLike},
	{Name: milky.APIDeleteFriend, Category: "friend", Class: class.Translated, OneBot: []string{"delete_friend"},
		Requires: []string{"delete_friend"}, Handler: deleteFriend},
	{Name: milky.APIGetFriendRequests, Category: "friend", Class: class.Emulated, OneBot: []string{"get_doubt_friends_add_request"},
		Requires: []string{"get_doubt_friends_add_request"},
		Reason: "only is_filtered=true (the filtered requests) can be listed; is_filtered=false fails with -501 because no OneBot 11 " +
			"implementation lists ordinary friend requests (they arrive only as request events). target_user_uid is \"\"", Handler: getFriendRequests},
	{Name: milky.APIAcceptFriendRequest, Category: "friend", Class: class.Translated, OneBot: []string{"set_friend_add_request", "set_doubt_friends_add_request"},
		Reason: "initiator_uid must be one the gateway issued (friend_request events, get_friend_requests)", Handler: acceptFriendRequest},
	{Name: milky.APIRejectFriendRequest, Category: "friend", Class: class.Translated, OneBot: []string{"set_friend_add_request"},
		Reason: "reason is not sent (OneBot's friend request answer has none)", Handler: rejectFriendRequest},
}

// FriendRequestUID is the initiator_uid Milky bots see for a OneBot friend
// request: the decimal FlagMapper seq of its flag (idmap.FlagFriendRequest).
// The event mapping uses it for friend_request events, so a bot can answer
// an event's request.
func FriendRequestUID(flags idmap.FlagMapper, flag string) string {
	return strconv.FormatInt(flags.SeqForFlag(idmap.FlagFriendRequest, flag), 10)
}

// friendFlag resolves an initiator_uid back to the OneBot flag.
func friendFlag(env *Env, uid string) (string, error) {
	seq, err := strconv.ParseInt(uid, 10, 64)
	if err == nil && seq > 0 && env.Flags != nil {
		if flag, ok := env.Flags.FlagForSeq(idmap.FlagFriendRequest, seq); ok {
			return flag, nil
		}
	}
	return "", notFound("initiator_uid %q: no friend request known by that uid", clip(uid))
}

func sendFriendNudge(ctx context.Context, env *Env, p *milky.Params) (any, error) {
	uid := p.Uin("user_id")
	self := p.BoolDef("is_self", false)
	if err := p.Err(); err != nil {
		return nil, err
	}
	if self {
		if env.pick("send_poke") == "" {
			return nil, &errUnsupported{"is_self=true needs send_poke with target_id, which " + string(env.impl()) + " lacks"}
		}
		return nil, env.Upstream.Call(ctx, "send_poke", obj{"user_id": uid, "target_id": env.selfID()}, nil)
	}
	action := env.pick("friend_poke", "send_poke")
	return nil, env.Upstream.Call(ctx, action, obj{"user_id": uid}, nil)
}

func sendProfileLike(ctx context.Context, env *Env, p *milky.Params) (any, error) {
	uid := p.Uin("user_id")
	count := p.Int32Def("count", 1)
	return send(ctx, env, p, "send_like", obj{"user_id": uid, "times": count})
}

func deleteFriend(ctx context.Context, env *Env, p *milky.Params) (any, error) {
	uid := p.Uin("user_id")
	return send(ctx, env, p, "delete_friend", obj{"user_id": uid})
}

// doubtRequest is one get_doubt_friends_add_request item (every field a
// string in LLOneBot, numbers in some NapCat versions).
type doubtRequest struct {
	Flag   text `json:"flag"`
	Uin    num  `json:"uin"`
	Source text `json:"source"`
	Msg    text `json:"msg"`
	Time   num  `json:"time"`
}

func getFriendRequests(ctx context.Context, env *Env, p *milky.Params) (any, error) {
	limit := p.Int32Def("limit", 20)
	filtered := p.BoolDef("is_filtered", false)
	if err := p.Err(); err != nil {
		return nil, err
	}
	if !filtered {
		return nil, &errUnsupported{"is_filtered=false: no OneBot 11 implementation lists ordinary friend requests; " +
			"they arrive only as friend_request events"}
	}
	var r []doubtRequest
	if err := env.Upstream.Call(ctx, "get_doubt_friends_add_request", obj{"count": limit}, &r); err != nil {
		return nil, err
	}
	out := milky.GetFriendRequestsOutput{Requests: make([]milky.FriendRequest, 0, len(r))}
	for _, d := range r {
		if len(out.Requests) >= int(limit) {
			break
		}
		if d.Flag == "" || d.Uin < milky.MinUin || d.Uin > milky.MaxUin {
			continue // cannot be answered or named: leave it out rather than invent
		}
		out.Requests = append(out.Requests, milky.FriendRequest{
			Time: nonNeg64(d.Time), InitiatorID: int64(d.Uin), InitiatorUID: FriendRequestUID(env.Flags, string(d.Flag)),
			TargetUserID: env.selfID(), State: "pending", Comment: string(d.Msg), Via: string(d.Source), IsFiltered: true,
		})
	}
	return out, nil
}

func acceptFriendRequest(ctx context.Context, env *Env, p *milky.Params) (any, error) {
	uid := p.NonEmpty("initiator_uid")
	filtered := p.BoolDef("is_filtered", false)
	if err := p.Err(); err != nil {
		return nil, err
	}
	flag, err := friendFlag(env, uid)
	if err != nil {
		return nil, err
	}
	if filtered && env.pick("set_doubt_friends_add_request") != "" {
		return nil, env.Upstream.Call(ctx, "set_doubt_friends_add_request", obj{"flag": flag}, nil)
	}
	return nil, env.Upstream.Call(ctx, "set_friend_add_request", obj{"flag": flag, "approve": true}, nil)
}

func rejectFriendRequest(ctx context.Context, env *Env, p *milky.Params) (any, error) {
	uid := p.NonEmpty("initiator_uid")
	p.BoolDef("is_filtered", false)
	p.OptString("reason")
	if err := p.Err(); err != nil {
		return nil, err
	}
	flag, err := friendFlag(env, uid)
	if err != nil {
		return nil, err
	}
	return nil, env.Upstream.Call(ctx, "set_friend_add_request", obj{"flag": flag, "approve": false}, nil)
}
