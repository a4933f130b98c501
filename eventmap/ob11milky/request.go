package ob11milky

import (
	"github.com/qqbridge/gateway/idmap"
	"github.com/qqbridge/gateway/milky"
	"github.com/qqbridge/gateway/onebot11"
)

// Requests: friend_request, group_join_request, group_invited_join_request,
// group_invitation. Flags are the stateless strings of idmap/flag.go, so
// set_friend_add_request / set_group_add_request can answer them later.

func request(env *Env, ev *milky.Event, requestType, subType string) *onebot11.RequestEvent {
	return &onebot11.RequestEvent{Header: header(env, ev, onebot11.PostRequest), RequestType: requestType, SubType: subType}
}

func friendRequest(env *Env, ev *milky.Event) (Result, error) {
	d, err := decodeChecked(ev, func(c checker, d *milky.FriendRequestData) checker {
		return c.uin("initiator_id", d.InitiatorID).str("initiator_uid", d.InitiatorUID) // Milky answers by uid: no uid, no usable flag
	})
	if err != nil {
		return Result{}, err
	}
	r := request(env, ev, onebot11.RequestFriend, "")
	r.UserID = d.InitiatorID
	r.Comment = d.Comment
	// The event has no is_filtered: pushed requests are the unfiltered ones.
	r.Flag = idmap.FriendRequestFlag(d.InitiatorUID, d.InitiatorID, false)
	return one(r), nil
}

func groupJoinRequest(env *Env, ev *milky.Event) (Result, error) {
	d, err := decodeChecked(ev, func(c checker, d *milky.GroupJoinRequestData) checker {
		return c.uin("group_id", d.GroupID).uin("initiator_id", d.InitiatorID)
	})
	if err != nil {
		return Result{}, err
	}
	r := request(env, ev, onebot11.RequestGroup, onebot11.SubAdd)
	r.GroupID, r.UserID = d.GroupID, d.InitiatorID
	r.Comment = d.Comment
	r.Flag = idmap.GroupRequestFlag(idmap.FlagJoinRequest, d.GroupID, d.NotificationSeq, d.IsFiltered)
	return one(r), nil
}

// groupInvitedJoinRequest: a member invited someone and admins must
// approve. OneBot's form is an add request by the invitee with invitor_id.
func groupInvitedJoinRequest(env *Env, ev *milky.Event) (Result, error) {
	d, err := decodeChecked(ev, func(c checker, d *milky.GroupInvitedJoinRequestData) checker {
		return c.uin("group_id", d.GroupID).uin("target_user_id", d.TargetUserID)
	})
	if err != nil {
		return Result{}, err
	}
	r := request(env, ev, onebot11.RequestGroup, onebot11.SubAdd)
	r.GroupID, r.UserID = d.GroupID, d.TargetUserID
	r.InvitorID = d.InitiatorID
	r.Flag = idmap.GroupRequestFlag(idmap.FlagInvitedJoinRequest, d.GroupID, d.NotificationSeq, false)
	return one(r), nil
}

// groupInvitation: the bot itself is invited (sub_type invite, user_id the
// inviter).
func groupInvitation(env *Env, ev *milky.Event) (Result, error) {
	d, err := decodeChecked(ev, func(c checker, d *milky.GroupInvitationData) checker {
		return c.uin("group_id", d.GroupID).uin("initiator_id", d.InitiatorID)
	})
	if err != nil {
		return Result{}, err
	}
	r := request(env, ev, onebot11.RequestGroup, onebot11.SubInvite)
	r.GroupID, r.UserID = d.GroupID, d.InitiatorID
	r.Flag = idmap.GroupInvitationFlag(d.GroupID, d.InvitationSeq)
	return one(r), nil
}
