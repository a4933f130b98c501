package milkyob11

import (
	"strconv"

	"github.com/qqbridge/gateway/idmap"
	"github.com/qqbridge/gateway/milky"
	"github.com/qqbridge/gateway/onebot11"
)

// Requests. The OneBot flag is opaque; Milky bots answer with a seq (or, for
// friends, an initiator_uid string), so the flag is kept in the FlagMapper
// and its seq goes out. initiator_uid is the decimal friend-request seq:
// accept_friend_request(initiator_uid) parses it back and asks
// FlagMapper.FlagForSeq(FlagFriendRequest, seq) for the flag.

func friendRequest(env *Env, ev *onebot11.UpstreamEvent) Result {
	uid := int64(ev.UserID)
	if !isUin(uid) || ev.Flag == "" || env.Flags == nil {
		return skipIDs()
	}
	seq := env.Flags.SeqForFlag(idmap.FlagFriendRequest, string(ev.Flag))
	return env.one(ev, &milky.FriendRequestData{
		InitiatorID:  uid,
		InitiatorUID: strconv.FormatInt(seq, 10),
		Comment:      string(ev.Comment),
	})
}

// groupAddRequest: someone asks to join. With invitor_id (NapCat, when a
// member invited them) it is Milky's group_invited_join_request.
func groupAddRequest(env *Env, ev *onebot11.UpstreamEvent) Result {
	gid, uid := int64(ev.GroupID), int64(ev.UserID)
	if !isUin(gid) || !isUin(uid) || ev.Flag == "" || env.Flags == nil {
		return skipIDs()
	}
	seq := env.Flags.SeqForFlag(idmap.FlagGroupRequest, string(ev.Flag))
	if inv := int64(ev.InvitorID); isUin(inv) {
		return env.one(ev, &milky.GroupInvitedJoinRequestData{
			GroupID: gid, NotificationSeq: seq, InitiatorID: inv, TargetUserID: uid,
		})
	}
	return env.one(ev, &milky.GroupJoinRequestData{
		GroupID: gid, NotificationSeq: seq, InitiatorID: uid, Comment: string(ev.Comment),
	})
}

// groupInviteRequest: someone (user_id) invites the bot into group_id.
func groupInviteRequest(env *Env, ev *onebot11.UpstreamEvent) Result {
	gid, uid := int64(ev.GroupID), int64(ev.UserID)
	if !isUin(gid) || !isUin(uid) || ev.Flag == "" || env.Flags == nil {
		return skipIDs()
	}
	return env.one(ev, &milky.GroupInvitationData{
		GroupID:       gid,
		InvitationSeq: env.Flags.SeqForFlag(idmap.FlagInvitation, string(ev.Flag)),
		InitiatorID:   uid,
	})
}
