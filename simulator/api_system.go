package simulator

import (
	"fmt"

	"github.com/qqbridge/gateway/milky"
)

// System APIs (17): account, profiles, contact lists, pins, cookies.

// Impl info reported by get_impl_info.
const (
	ImplName    = "qqbridge-simulator"
	ImplVersion = "1.0.0"
)

func (s *Sim) getLoginInfo(p *milky.Params) locked {
	return func() (any, error) {
		return milky.GetLoginInfoOutput{Uin: s.w.selfID, Nickname: s.w.nickname}, nil
	}
}

func (s *Sim) getImplInfo(p *milky.Params) locked {
	return func() (any, error) {
		return milky.GetImplInfoOutput{ImplName: ImplName, ImplVersion: ImplVersion,
			QQProtocolVersion: "9.9.19-34740", QQProtocolType: "linux", MilkyVersion: milky.Version}, nil
	}
}

func (s *Sim) getUserProfile(p *milky.Params) locked {
	uid := p.Uin("user_id")
	return func() (any, error) {
		pr := s.w.profileOf(uid)
		if uid == s.w.selfID {
			pr.nickname, pr.bio = s.w.nickname, s.w.bio
		}
		remark := ""
		if f := s.w.friends[uid]; f != nil {
			remark = f.Remark
		}
		return milky.GetUserProfileOutput{Nickname: pr.nickname, QID: pr.qid, Age: pr.age, Sex: pr.sex, Remark: remark,
			Bio: pr.bio, Level: pr.level, Country: pr.country, City: pr.city, School: pr.school}, nil
	}
}

func (s *Sim) getFriendList(p *milky.Params) locked {
	p.BoolDef("no_cache", false)
	return func() (any, error) {
		return milky.GetFriendListOutput{Friends: s.w.friendList()}, nil
	}
}

func (s *Sim) getFriendInfo(p *milky.Params) locked {
	uid := p.Uin("user_id")
	p.BoolDef("no_cache", false)
	return func() (any, error) {
		f, err := s.friendLocked(uid)
		if err != nil {
			return nil, err
		}
		return milky.GetFriendInfoOutput{Friend: *f}, nil
	}
}

func (s *Sim) getGroupList(p *milky.Params) locked {
	p.BoolDef("no_cache", false)
	return func() (any, error) {
		return milky.GetGroupListOutput{Groups: s.w.groupList()}, nil
	}
}

func (s *Sim) getGroupInfo(p *milky.Params) locked {
	gid := p.Uin("group_id")
	p.BoolDef("no_cache", false)
	return s.inGroup(gid, func(g *group) (any, error) {
		return milky.GetGroupInfoOutput{Group: g.info}, nil
	})
}

func (s *Sim) getGroupMemberList(p *milky.Params) locked {
	gid := p.Uin("group_id")
	p.BoolDef("no_cache", false)
	return s.inGroup(gid, func(g *group) (any, error) {
		return milky.GetGroupMemberListOutput{Members: s.w.members(g)}, nil
	})
}

func (s *Sim) getGroupMemberInfo(p *milky.Params) locked {
	gid := p.Uin("group_id")
	uid := p.Uin("user_id")
	p.BoolDef("no_cache", false)
	return func() (any, error) {
		g, m, err := s.memberLocked(gid, uid)
		if err != nil {
			return nil, err
		}
		return milky.GetGroupMemberInfoOutput{Member: s.w.memberEntity(g, m.UserID)}, nil
	}
}

func (s *Sim) getPeerPins(p *milky.Params) locked {
	return func() (any, error) {
		out := milky.GetPeerPinsOutput{Friends: []milky.Friend{}, Groups: []milky.Group{}}
		for _, k := range s.w.pins {
			switch k.scene {
			case milky.SceneFriend:
				if f := s.w.friends[k.peer]; f != nil {
					out.Friends = append(out.Friends, *f)
				}
			case milky.SceneGroup:
				if g := s.w.groups[k.peer]; g != nil {
					out.Groups = append(out.Groups, g.info)
				}
			}
		}
		return out, nil
	}
}

func (s *Sim) setPeerPin(p *milky.Params) locked {
	scene := p.Scene("message_scene")
	peer := p.Uin("peer_id")
	pinned := p.BoolDef("is_pinned", true)
	return func() (any, error) {
		if _, err := s.peerLocked(scene, peer); err != nil {
			return nil, err
		}
		k := convKey{scene, peer}
		if s.w.isPinned(k) == pinned {
			return milky.Empty{}, nil // no change, no event
		}
		if pinned {
			s.w.pins = append([]convKey{k}, s.w.pins...)
		} else {
			s.w.unpin(k)
		}
		s.emitLocked(milky.EventPeerPinChange, milky.PeerPinChangeData{MessageScene: scene, PeerID: peer, IsPinned: pinned})
		return milky.Empty{}, nil
	}
}

func (s *Sim) setAvatar(p *milky.Params) locked {
	uri := uri(p, "uri")
	return func() (any, error) {
		s.w.avatarURI = uri
		return milky.Empty{}, nil
	}
}

func (s *Sim) setNickname(p *milky.Params) locked {
	name := p.NonEmpty("new_nickname")
	return func() (any, error) {
		s.w.nickname = name
		s.w.people[s.w.selfID].nickname = name
		for _, g := range s.w.groups {
			if m := g.self(s.w); m != nil {
				m.Nickname = name
			}
		}
		return milky.Empty{}, nil
	}
}

func (s *Sim) setBio(p *milky.Params) locked {
	bio := p.String("new_bio")
	return func() (any, error) {
		s.w.bio = bio
		return milky.Empty{}, nil
	}
}

func (s *Sim) getCustomFaceURLList(p *milky.Params) locked {
	return func() (any, error) {
		urls := make([]string, 0, 3)
		for i := range 3 {
			urls = append(urls, fmt.Sprintf("%s/sim/res/custom-face-%d", s.w.base, i+1))
		}
		return milky.GetCustomFaceURLListOutput{URLs: urls}, nil
	}
}

func (s *Sim) getCookies(p *milky.Params) locked {
	domain := p.NonEmpty("domain")
	return func() (any, error) {
		pskey := fmt.Sprintf("sim%08x", hashOf(domain))
		return milky.GetCookiesOutput{Cookies: fmt.Sprintf("uin=o%d; skey=%s; p_uin=o%d; p_skey=%s",
			s.w.selfID, s.w.cookieSK, s.w.selfID, pskey)}, nil
	}
}

func (s *Sim) getCSRFToken(p *milky.Params) locked {
	return func() (any, error) {
		return milky.GetCSRFTokenOutput{CSRFToken: fmt.Sprint(bkn(s.w.cookieSK))}, nil
	}
}

// bkn is QQ's CSRF token derived from the skey cookie.
func bkn(skey string) int {
	h := 5381
	for _, c := range []byte(skey) {
		h += h<<5 + int(c)
	}
	return h & 0x7fffffff
}

// ---- lookups (s.mu held); errors name the field ----

func (s *Sim) friendLocked(uid int64) (*milky.Friend, error) {
	if f := s.w.friends[uid]; f != nil {
		return f, nil
	}
	return nil, notFound("user_id %d: no such friend", uid)
}

func (s *Sim) groupLocked(gid int64) (*group, error) {
	if g := s.w.groups[gid]; g != nil {
		return g, nil
	}
	return nil, notFound("group_id %d: no such group (the bot is not a member)", gid)
}

// memberLocked finds group gid and its member uid.
func (s *Sim) memberLocked(gid, uid int64) (*group, *milky.GroupMember, error) {
	g, err := s.groupLocked(gid)
	if err != nil {
		return nil, nil, err
	}
	m, err := g.member(uid)
	return g, m, err // callers look at err first
}

func (g *group) member(uid int64) (*milky.GroupMember, error) {
	if m := g.members[uid]; m != nil {
		return m, nil
	}
	return nil, notFound("user_id %d: not a member of group %d", uid, g.info.GroupID)
}

// within is the locked part of an API on one thing of the world: find looks
// it up (failing with a not-found error) and fn runs on it.
func within[T any](find func() (T, error), fn func(T) (any, error)) locked {
	return func() (any, error) {
		x, err := find()
		if err != nil {
			return nil, err
		}
		return fn(x)
	}
}

// inConv runs fn on one conversation (see peerLocked).
func (s *Sim) inConv(scene string, peer int64, fn func(*conv) (any, error)) locked {
	return within(func() (*conv, error) { return s.peerLocked(scene, peer) }, fn)
}

// inGroup runs fn on one group the bot is in.
func (s *Sim) inGroup(gid int64, fn func(*group) (any, error)) locked {
	return within(func() (*group, error) { return s.groupLocked(gid) }, fn)
}

// peerLocked checks that a conversation can exist: a friend, a group the
// bot is in, or (temp) someone sharing a group with the bot.
func (s *Sim) peerLocked(scene string, peer int64) (*conv, error) {
	k := convKey{scene, peer}
	switch scene {
	case milky.SceneFriend:
		if s.w.friends[peer] == nil && s.w.convs[k] == nil {
			return nil, notFound("peer_id %d: no such friend", peer)
		}
	case milky.SceneGroup:
		if s.w.groups[peer] == nil {
			return nil, notFound("peer_id %d: no such group (the bot is not a member)", peer)
		}
	case milky.SceneTemp:
		if s.w.convs[k] == nil && s.w.sharedGroup(peer) == nil {
			return nil, notFound("peer_id %d: no temp session with this user", peer)
		}
	}
	c := s.w.conv(k)
	if scene == milky.SceneTemp && c.tempFrom == 0 {
		if g := s.w.sharedGroup(peer); g != nil {
			c.tempFrom = g.info.GroupID
		}
	}
	return c, nil
}

// sharedGroup is the first group (in list order) where uin is a member.
func (w *world) sharedGroup(uin int64) *group {
	for _, gid := range w.groupOrder {
		if g := w.groups[gid]; g.members[uin] != nil {
			return g
		}
	}
	return nil
}

// requireRole refuses unless the bot's role in g is at least min.
func (s *Sim) requireRole(g *group, min, what string) error {
	self := g.self(s.w)
	if self == nil {
		return refused("%s: the bot is not in group %d", what, g.info.GroupID)
	}
	if rank(self.Role) < rank(min) {
		return refused("%s needs the bot to be group %s in group %d (it is %s)", what, min, g.info.GroupID, self.Role)
	}
	return nil
}

// requireOutrank refuses unless the bot's role is above the target's.
func (s *Sim) requireOutrank(g *group, target *milky.GroupMember, what string) error {
	self := g.self(s.w)
	if rank(self.Role) <= rank(target.Role) {
		return refused("%s: the bot (%s) cannot act on user_id %d (%s) in group %d", what, self.Role, target.UserID, target.Role, g.info.GroupID)
	}
	return nil
}
