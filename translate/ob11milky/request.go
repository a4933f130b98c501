package ob11milky

import (
	"context"

	"github.com/qqbridge/gateway/idmap"
	"github.com/qqbridge/gateway/milky"
	"github.com/qqbridge/gateway/onebot11"
	"github.com/qqbridge/gateway/segment"
)

// requestActions are the request actions of the catalog (§1.6). Answering
// is below; listing pending requests is in request_list.go.
var requestActions = []Action{
	translated("request", "set_friend_add_request", setFriendAddRequest,
		milky.APIAcceptFriendRequest, milky.APIRejectFriendRequest),
	translated("request", "set_group_add_request", setGroupAddRequest,
		milky.APIAcceptGroupRequest, milky.APIRejectGroupRequest, milky.APIAcceptGroupInvitation, milky.APIRejectGroupInvitation),
	translated("request", "get_group_system_msg", getGroupSystemMsg, milky.APIGetGroupNotifications),
	translated("request", "get_group_ignore_add_request", getGroupIgnoreAddRequest,
		milky.APIGetGroupNotifications),
	translated("request", "get_doubt_friends_add_request", getDoubtFriendsAddRequest,
		milky.APIGetFriendRequests),
	translated("request", "set_doubt_friends_add_request", setDoubtFriendsAddRequest,
		milky.APIAcceptFriendRequest, milky.APIRejectFriendRequest),
}

// flagParam reads and parses the flag (a string, or a number some bots send).
func flagParam(p *onebot11.Reader) idmap.Flag {
	s := p.String("flag")
	if !p.OK() {
		return idmap.Flag{}
	}
	f, err := idmap.ParseFlag(s)
	p.Fail(segment.Wrapf(err, "parameter flag"))
	return f
}

// friendFlagParam reads a flag that must name a friend request.
func friendFlagParam(p *onebot11.Reader) idmap.Flag {
	f := flagParam(p)
	if p.OK() && f.Kind != idmap.FlagFriend {
		p.Failf("parameter flag: a group request flag; answer it with set_group_add_request")
	}
	return f
}

// setFriendAddRequest: flag, approve (default true), remark, reason.
// remark is accepted but Milky 1.2 has no way to set a friend remark, so it
// is not applied; reason (not in OneBot, NapCat-style) goes with a reject.
func setFriendAddRequest(ctx context.Context, env *Env, p *onebot11.Reader) (any, error) {
	f := friendFlagParam(p)
	approve := p.OptBool(true, "approve")
	p.OptString("", "remark")
	return answerFriendRequest(ctx, env, p, f.InitiatorUID, f.Filtered, approve)
}

// answerFriendRequest accepts or rejects a friend request; a reject reads
// its reason (NapCat-style) first.
func answerFriendRequest(ctx context.Context, env *Env, p *onebot11.Reader, uid string, filtered, approve bool) (any, error) {
	if approve {
		return send(ctx, env, p, milky.APIAcceptFriendRequest,
			&milky.AcceptFriendRequestInput{InitiatorUID: uid, IsFiltered: filtered})
	}
	return send(ctx, env, p, milky.APIRejectFriendRequest,
		&milky.RejectFriendRequestInput{InitiatorUID: uid, IsFiltered: filtered, Reason: optStringPtr(p, "reason")})
}

// setGroupAddRequest: flag, approve (default true), reason (on reject), and
// OneBot's sub_type (or go-cqhttp's type) checked against the flag: "add" is
// a join request, "invite" the bot's own invitation. Milky's
// reject_group_invitation takes no reason, so reason is not sent there.
func setGroupAddRequest(ctx context.Context, env *Env, p *onebot11.Reader) (any, error) {
	f := flagParam(p)
	if p.OK() && f.Kind == idmap.FlagFriend {
		p.Failf("parameter flag: a friend request flag; answer it with set_friend_add_request")
	}
	checkSubType(p, f)
	approve := p.OptBool(true, "approve")
	reason := optStringPtr(p, "reason")
	if err := p.Err(); err != nil {
		return nil, err
	}
	if f.Kind == idmap.FlagInvitation {
		in := milky.GroupInvitationInput{GroupID: f.GroupID, InvitationSeq: f.Seq}
		if approve {
			return nil, env.Upstream.Call(ctx, milky.APIAcceptGroupInvitation, &in, nil)
		}
		return nil, env.Upstream.Call(ctx, milky.APIRejectGroupInvitation, &in, nil)
	}
	if approve {
		return nil, env.Upstream.Call(ctx, milky.APIAcceptGroupRequest, &milky.AcceptGroupRequestInput{
			NotificationSeq: f.Seq, NotificationType: f.Kind, GroupID: f.GroupID, IsFiltered: f.Filtered}, nil)
	}
	return nil, env.Upstream.Call(ctx, milky.APIRejectGroupRequest, &milky.RejectGroupRequestInput{
		NotificationSeq: f.Seq, NotificationType: f.Kind, GroupID: f.GroupID, IsFiltered: f.Filtered, Reason: reason}, nil)
}

// checkSubType rejects a sub_type that contradicts the flag: answering an
// invitation as if it were a join request is a bot bug worth reporting.
func checkSubType(p *onebot11.Reader, f idmap.Flag) {
	sub := p.OptString("", "sub_type", "type")
	if !p.OK() || sub == "" {
		return
	}
	name := p.Name("sub_type", "type")
	want := onebot11.SubAdd
	if f.Kind == idmap.FlagInvitation {
		want = onebot11.SubInvite
	}
	switch sub {
	case want:
	case onebot11.SubAdd, onebot11.SubInvite:
		p.Failf("parameter %s: %q does not match the flag, which is for %s (sub_type %q)", name, sub, describeFlag(f), want)
	default:
		p.Failf("parameter %s: want add or invite, got %q", name, segment.Shorten(sub, 20))
	}
}

func describeFlag(f idmap.Flag) string {
	switch f.Kind {
	case idmap.FlagInvitation:
		return "an invitation of the bot into a group"
	case idmap.FlagInvitedJoinRequest:
		return "a member's invitation of someone into the group"
	}
	return "a join request"
}

// optStringPtr reads an optional string that Milky sends only when given.
func optStringPtr(p *onebot11.Reader, names ...string) *string {
	if !p.Has(names...) {
		return nil
	}
	s := p.String(names...)
	if !p.OK() {
		return nil
	}
	return &s
}
