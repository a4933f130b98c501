package ob11milky

import (
	"context"
	"strconv"

	"github.com/qqbridge/gateway/idmap"
	"github.com/qqbridge/gateway/milky"
	"github.com/qqbridge/gateway/onebot11"
)

// Listing pending requests: get_group_system_msg, get_group_ignore_add_request
// (group notifications) and get_doubt_friends_add_request (filtered friend
// requests), and answering the latter. Every listed request carries the same
// stateless flag its event would have had (flag.go), so it can be answered
// with set_group_add_request / set_friend_add_request later.

// requestListDefault is how many notifications or requests one listing asks
// for when the bot does not say (LLOneBot's documented default).
const requestListDefault = 50

// getGroupSystemMsg: count (NapCat; default 50) → get_group_notifications,
// unfiltered and then filtered (requests from risky accounts, which QQ
// hides), each up to count; answered and pending requests alike, newest
// first, with checked telling them apart. Lists are [] when empty.
func getGroupSystemMsg(ctx context.Context, env *Env, p *onebot11.Reader) (any, error) {
	limit := requestLimit(p)
	if err := p.Err(); err != nil {
		return nil, err
	}
	res := &onebot11.GroupSystemMsg{InvitedRequests: []onebot11.InvitedRequest{}, JoinRequests: []onebot11.JoinRequest{}}
	for _, filtered := range [...]bool{false, true} {
		reqs, err := groupJoinRequests(ctx, env, filtered, limit, 0)
		if err != nil {
			return nil, err
		}
		res.JoinRequests = append(res.JoinRequests, reqs...)
	}
	return res, nil
}

// getGroupIgnoreAddRequest: group_id (optional: only that group), count →
// the filtered join requests (get_group_notifications is_filtered=true), as
// a list of join_requests items.
func getGroupIgnoreAddRequest(ctx context.Context, env *Env, p *onebot11.Reader) (any, error) {
	var group int64
	if p.Has("group_id") {
		group = uinParam(p, "group_id")
	}
	limit := requestLimit(p)
	if err := p.Err(); err != nil {
		return nil, err
	}
	return groupJoinRequests(ctx, env, true, limit, group)
}

func requestLimit(p *onebot11.Reader) int32 {
	n := int32Param(p, requestListDefault, "count")
	if n == 0 {
		n = requestListDefault
	}
	return n
}

// groupJoinRequests lists join and invited-join requests (group 0: all groups).
func groupJoinRequests(ctx context.Context, env *Env, filtered bool, limit int32, group int64) ([]onebot11.JoinRequest, error) {
	var out milky.GetGroupNotificationsOutput
	in := milky.GetGroupNotificationsInput{IsFiltered: filtered, Limit: limit}
	if err := env.Upstream.Call(ctx, milky.APIGetGroupNotifications, &in, &out); err != nil {
		return nil, err
	}
	list := []onebot11.JoinRequest{}
	for _, n := range out.Notifications {
		if group != 0 && n.GroupID != group {
			continue
		}
		r := onebot11.JoinRequest{GroupID: n.GroupID, Checked: n.State != "" && n.State != "pending", Filtered: filtered}
		if n.OperatorID != nil {
			r.Actor = *n.OperatorID
		}
		switch n.Type {
		case idmap.FlagJoinRequest:
			r.RequesterUin, r.Message = n.InitiatorID, n.Comment
			// Milky marks each join request itself; trust it over the query.
			r.Filtered = n.IsFiltered || filtered
		case idmap.FlagInvitedJoinRequest:
			r.RequesterUin, r.InvitorUin = n.TargetUserID, n.InitiatorID
		default:
			continue // admin changes, kicks, quits: not requests
		}
		r.Flag = idmap.GroupRequestFlag(n.Type, n.GroupID, n.NotificationSeq, r.Filtered)
		r.RequestID = r.Flag
		list = append(list, r)
	}
	return list, nil
}

// getDoubtFriendsAddRequest: count (default 50) → get_friend_requests
// is_filtered=true.
func getDoubtFriendsAddRequest(ctx context.Context, env *Env, p *onebot11.Reader) (any, error) {
	limit := requestLimit(p)
	return ask(ctx, env, p, milky.APIGetFriendRequests, &milky.GetFriendRequestsInput{Limit: limit, IsFiltered: true}, func(out milky.GetFriendRequestsOutput) any {
		list := make([]onebot11.DoubtFriendRequest, 0, len(out.Requests))
		for _, r := range out.Requests {
			list = append(list, onebot11.DoubtFriendRequest{
				Flag:   idmap.FriendRequestFlag(r.InitiatorUID, r.InitiatorID, true),
				Uin:    strconv.FormatInt(r.InitiatorID, 10),
				Source: r.Via,
				Msg:    r.Comment,
				Time:   strconv.FormatInt(r.Time, 10),
				Type:   r.State,
			})
		}
		return list
	})
}

// setDoubtFriendsAddRequest: flag (from get_doubt_friends_add_request),
// approve (default true; LLOneBot can only approve, Milky can also reject)
// → accept_friend_request / reject_friend_request with is_filtered=true,
// whatever the flag says: this action is for filtered requests.
func setDoubtFriendsAddRequest(ctx context.Context, env *Env, p *onebot11.Reader) (any, error) {
	f := friendFlagParam(p)
	approve := p.OptBool(true, "approve")
	return answerFriendRequest(ctx, env, p, f.InitiatorUID, true, approve)
}
