package simulator

import (
	"github.com/qqbridge/gateway/milky"
)

// Friend APIs (6): nudges, likes, deleting, friend requests.

// maxLikesPerDay is QQ's daily limit of profile likes per target for a
// non-VIP account.
const maxLikesPerDay = 10

func (s *Sim) sendFriendNudge(p *milky.Params) locked {
	uid := p.Uin("user_id")
	isSelf := p.BoolDef("is_self", false)
	return func() (any, error) {
		if _, err := s.friendLocked(uid); err != nil {
			return nil, err
		}
		s.emitLocked(milky.EventFriendNudge, milky.FriendNudgeData{UserID: uid, IsSelfSend: true, IsSelfReceive: isSelf,
			DisplayAction: "戳了戳", DisplaySuffix: "", DisplayActionImgURL: ""})
		return milky.Empty{}, nil
	}
}

func (s *Sim) sendProfileLike(p *milky.Params) locked {
	uid := p.Uin("user_id")
	count := p.Int32Def("count", 1)
	return func() (any, error) {
		if uid == s.w.selfID {
			return nil, refused("user_id %d: cannot like your own profile", uid)
		}
		if s.w.likes[uid]+count > maxLikesPerDay {
			return nil, refused("user_id %d: daily like limit reached (%d given, limit %d)", uid, s.w.likes[uid], maxLikesPerDay)
		}
		s.w.likes[uid] += count
		return milky.Empty{}, nil
	}
}

func (s *Sim) deleteFriend(p *milky.Params) locked {
	uid := p.Uin("user_id")
	return func() (any, error) {
		if _, err := s.friendLocked(uid); err != nil {
			return nil, err
		}
		s.w.removeFriend(uid) // Milky 1.2 has no friend-deleted event
		return milky.Empty{}, nil
	}
}

func (s *Sim) getFriendRequests(p *milky.Params) locked {
	limit := p.Int32Def("limit", 20)
	filtered := p.BoolDef("is_filtered", false)
	return func() (any, error) {
		out := []milky.FriendRequest{}
		for i := len(s.w.friendReqs) - 1; i >= 0 && len(out) < int(limit); i-- { // newest first
			if r := s.w.friendReqs[i]; r.IsFiltered == filtered {
				out = append(out, *r)
			}
		}
		return milky.GetFriendRequestsOutput{Requests: out}, nil
	}
}

// pendingFriendRequest finds the newest pending request from uid.
func (s *Sim) pendingFriendRequest(uid string, filtered bool) (*milky.FriendRequest, error) {
	for i := len(s.w.friendReqs) - 1; i >= 0; i-- {
		r := s.w.friendReqs[i]
		if r.InitiatorUID != uid || r.IsFiltered != filtered {
			continue
		}
		if r.State != "pending" {
			return nil, refused("initiator_uid %q: the request is already %s", uid, r.State)
		}
		return r, nil
	}
	return nil, notFound("initiator_uid %q: no friend request with is_filtered=%t", uid, filtered)
}

func (s *Sim) acceptFriendRequest(p *milky.Params) locked {
	uid := p.NonEmpty("initiator_uid")
	filtered := p.BoolDef("is_filtered", false)
	return func() (any, error) {
		r, err := s.pendingFriendRequest(uid, filtered)
		if err != nil {
			return nil, err
		}
		r.State = "accepted"
		if s.w.friends[r.InitiatorID] == nil {
			pr := s.w.profileOf(r.InitiatorID)
			s.w.people[pr.uin] = &pr
			s.w.addFriend(&pr, "")
		}
		return milky.Empty{}, nil
	}
}

func (s *Sim) rejectFriendRequest(p *milky.Params) locked {
	uid := p.NonEmpty("initiator_uid")
	filtered := p.BoolDef("is_filtered", false)
	p.OptString("reason")
	return func() (any, error) {
		r, err := s.pendingFriendRequest(uid, filtered)
		if err != nil {
			return nil, err
		}
		r.State = "rejected"
		return milky.Empty{}, nil
	}
}
