package simulator

import (
	"slices"

	"github.com/qqbridge/gateway/milky"
)

// Group APIs (21): group and member administration, announcements, essence,
// reactions, nudges, notifications, requests and invitations.

const (
	maxMuteSeconds     = 30 * day // QQ's longest mute
	maxSpecialTitleLen = 18       // bytes: QQ allows 6 CJK characters
)

// adminGroup looks the group up and checks the bot's role in it.
// adminMember is adminGroup plus the member being acted on (user_id).
func (s *Sim) adminMember(gid, uid int64, role, what string) (*group, *milky.GroupMember, error) {
	g, err := s.adminGroup(gid, role, what)
	if err != nil {
		return nil, nil, err
	}
	m, err := g.member(uid)
	return g, m, err // callers look at err first
}

func (s *Sim) adminGroup(gid int64, role, what string) (*group, error) {
	g, err := s.groupLocked(gid)
	if err != nil {
		return nil, err
	}
	return g, s.requireRole(g, role, what)
}

func (s *Sim) setGroupName(p *milky.Params) locked {
	gid := p.Uin("group_id")
	name := p.NonEmpty("new_group_name")
	return func() (any, error) {
		g, err := s.adminGroup(gid, "admin", "set_group_name")
		if err != nil {
			return nil, err
		}
		g.info.GroupName = name
		s.emitLocked(milky.EventGroupNameChange, milky.GroupNameChangeData{GroupID: gid, NewGroupName: name, OperatorID: s.w.selfID})
		return milky.Empty{}, nil
	}
}

func (s *Sim) setGroupAvatar(p *milky.Params) locked {
	gid := p.Uin("group_id")
	uri(p, "image_uri")
	return func() (any, error) {
		if _, err := s.adminGroup(gid, "admin", "set_group_avatar"); err != nil {
			return nil, err
		}
		return milky.Empty{}, nil
	}
}

func (s *Sim) setGroupMemberCard(p *milky.Params) locked {
	gid := p.Uin("group_id")
	uid := p.Uin("user_id")
	card := p.String("card")
	return func() (any, error) {
		g, m, err := s.memberLocked(gid, uid)
		if err != nil {
			return nil, err
		}
		if uid != s.w.selfID {
			if err := s.requireOutrank(g, m, "set_group_member_card"); err != nil {
				return nil, err
			}
		}
		m.Card = card // Milky 1.2 has no card-change event
		return milky.Empty{}, nil
	}
}

func (s *Sim) setGroupMemberSpecialTitle(p *milky.Params) locked {
	gid := p.Uin("group_id")
	uid := p.Uin("user_id")
	title := p.String("special_title")
	if p.Err() == nil && len(title) > maxSpecialTitleLen {
		p.Fail("special_title", "at most %d bytes (6 CJK characters), got %d", maxSpecialTitleLen, len(title))
	}
	return func() (any, error) {
		_, m, err := s.adminMember(gid, uid, "owner", "set_group_member_special_title")
		if err != nil {
			return nil, err
		}
		m.Title = title
		return milky.Empty{}, nil
	}
}

func (s *Sim) setGroupMemberAdmin(p *milky.Params) locked {
	gid := p.Uin("group_id")
	uid := p.Uin("user_id")
	set := p.BoolDef("is_set", true)
	return func() (any, error) {
		_, m, err := s.adminMember(gid, uid, "owner", "set_group_member_admin")
		if err != nil {
			return nil, err
		}
		if m.Role == "owner" {
			return nil, refused("user_id %d: the owner's role cannot change", uid)
		}
		role := "member"
		if set {
			role = "admin"
		}
		if m.Role == role {
			return milky.Empty{}, nil
		}
		m.Role = role
		s.w.addNotif(&milky.GroupNotification{Type: milky.NotifyAdminChange, GroupID: gid, TargetUserID: uid, IsSet: set, OperatorID: ptr(s.w.selfID)})
		s.emitLocked(milky.EventGroupAdminChange, milky.GroupAdminChangeData{GroupID: gid, UserID: uid, OperatorID: s.w.selfID, IsSet: set})
		return milky.Empty{}, nil
	}
}

func (s *Sim) setGroupMemberMute(p *milky.Params) locked {
	gid := p.Uin("group_id")
	uid := p.Uin("user_id")
	dur := p.Int32Def("duration", 0)
	if p.Err() == nil && dur > maxMuteSeconds {
		p.Fail("duration", "%d exceeds the maximum of %d seconds (30 days)", dur, maxMuteSeconds)
	}
	return func() (any, error) {
		g, m, err := s.adminMember(gid, uid, "admin", "set_group_member_mute")
		if err != nil {
			return nil, err
		}
		if err := s.requireOutrank(g, m, "set_group_member_mute"); err != nil {
			return nil, err
		}
		if dur == 0 {
			m.ShutUpEndTime = nil
		} else {
			m.ShutUpEndTime = ptr(s.now().Unix() + int64(dur))
		}
		s.emitLocked(milky.EventGroupMute, milky.GroupMuteData{GroupID: gid, UserID: uid, OperatorID: s.w.selfID, Duration: dur})
		return milky.Empty{}, nil
	}
}

func (s *Sim) setGroupWholeMute(p *milky.Params) locked {
	gid := p.Uin("group_id")
	mute := p.BoolDef("is_mute", true)
	return func() (any, error) {
		g, err := s.adminGroup(gid, "admin", "set_group_whole_mute")
		if err != nil {
			return nil, err
		}
		if g.wholeMute == mute {
			return milky.Empty{}, nil
		}
		g.wholeMute = mute
		s.emitLocked(milky.EventGroupWholeMute, milky.GroupWholeMuteData{GroupID: gid, OperatorID: s.w.selfID, IsMute: mute})
		return milky.Empty{}, nil
	}
}

func (s *Sim) kickGroupMember(p *milky.Params) locked {
	gid := p.Uin("group_id")
	uid := p.Uin("user_id")
	block := p.BoolDef("reject_add_request", false)
	return func() (any, error) {
		g, m, err := s.adminMember(gid, uid, "admin", "kick_group_member")
		if err != nil {
			return nil, err
		}
		if err := s.requireOutrank(g, m, "kick_group_member"); err != nil {
			return nil, err
		}
		g.removeMember(uid)
		if block {
			g.blocked[uid] = true
		}
		s.w.addNotif(&milky.GroupNotification{Type: milky.NotifyKick, GroupID: gid, TargetUserID: uid, OperatorID: ptr(s.w.selfID)})
		s.emitLocked(milky.EventGroupMemberDecrease, milky.GroupMemberDecreaseData{GroupID: gid, UserID: uid, OperatorID: ptr(s.w.selfID)})
		return milky.Empty{}, nil
	}
}

func (s *Sim) getGroupAnnouncements(p *milky.Params) locked {
	gid := p.Uin("group_id")
	return s.inGroup(gid, func(g *group) (any, error) {
		return milky.GetGroupAnnouncementsOutput{Announcements: append([]milky.GroupAnnouncement{}, g.announcements...)}, nil
	})
}

func (s *Sim) sendGroupAnnouncement(p *milky.Params) locked {
	gid := p.Uin("group_id")
	content := p.NonEmpty("content")
	var img *string
	if p.Has("image_uri") {
		img = ptr(uri(p, "image_uri"))
	}
	return func() (any, error) {
		g, err := s.adminGroup(gid, "admin", "send_group_announcement")
		if err != nil {
			return nil, err
		}
		a := milky.GroupAnnouncement{GroupID: gid, AnnouncementID: s.w.newAnnouncementID(), UserID: s.w.selfID,
			Time: s.now().Unix(), Content: content}
		if img != nil {
			data, _ := decodeURI(*img)
			a.ImageURL = ptr(s.w.resURL(s.w.newResource("image", *img, data)))
		}
		g.announcements = append([]milky.GroupAnnouncement{a}, g.announcements...)
		g.info.Announcement = content
		return milky.Empty{}, nil
	}
}

func (s *Sim) deleteGroupAnnouncement(p *milky.Params) locked {
	gid := p.Uin("group_id")
	id := p.NonEmpty("announcement_id")
	return func() (any, error) {
		g, err := s.adminGroup(gid, "admin", "delete_group_announcement")
		if err != nil {
			return nil, err
		}
		i := slices.IndexFunc(g.announcements, func(a milky.GroupAnnouncement) bool { return a.AnnouncementID == id })
		if i < 0 {
			return nil, notFound("announcement_id %q: no such announcement in group %d", id, gid)
		}
		g.announcements = slices.Delete(g.announcements, i, i+1)
		g.info.Announcement = ""
		if len(g.announcements) > 0 {
			g.info.Announcement = g.announcements[0].Content
		}
		return milky.Empty{}, nil
	}
}

func (s *Sim) getGroupEssenceMessages(p *milky.Params) locked {
	gid := p.Uin("group_id")
	idx := p.Int32("page_index")
	size := p.Int32("page_size")
	if p.Err() == nil && size == 0 {
		p.Fail("page_size", "must be at least 1")
	}
	return s.inGroup(gid, func(g *group) (any, error) {
		// Newest first, as QQ lists them.
		all := slices.Clone(g.essence)
		slices.Reverse(all)
		from := min(int64(idx)*int64(size), int64(len(all)))
		to := min(from+int64(size), int64(len(all)))
		return milky.GetGroupEssenceMessagesOutput{Messages: append([]milky.GroupEssenceMessage{}, all[from:to]...),
			IsEnd: to >= int64(len(all))}, nil
	})
}

func deleteEssence(es []milky.GroupEssenceMessage, seq int64) []milky.GroupEssenceMessage {
	return slices.DeleteFunc(es, func(e milky.GroupEssenceMessage) bool { return e.MessageSeq == seq })
}

func (s *Sim) setGroupEssenceMessage(p *milky.Params) locked {
	gid := p.Uin("group_id")
	seq := p.Int64("message_seq")
	set := p.BoolDef("is_set", true)
	return func() (any, error) {
		g, err := s.adminGroup(gid, "admin", "set_group_essence_message")
		if err != nil {
			return nil, err
		}
		isEss := slices.ContainsFunc(g.essence, func(e milky.GroupEssenceMessage) bool { return e.MessageSeq == seq })
		if set {
			m, _ := s.w.conv(convKey{milky.SceneGroup, gid}).find(seq)
			if m == nil {
				return nil, notFound("message_seq %d: no such message in group %d", seq, gid)
			}
			if isEss {
				return milky.Empty{}, nil
			}
			g.essence = append(g.essence, s.w.essenceOf(g, m, s.w.selfID, s.now().Unix()))
		} else {
			if !isEss {
				return nil, notFound("message_seq %d: not an essence message of group %d", seq, gid)
			}
			g.essence = deleteEssence(g.essence, seq)
		}
		s.emitLocked(milky.EventGroupEssenceMessageChange, milky.GroupEssenceMessageChangeData{GroupID: gid, MessageSeq: seq,
			OperatorID: s.w.selfID, IsSet: set})
		return milky.Empty{}, nil
	}
}

func (s *Sim) quitGroup(p *milky.Params) locked {
	gid := p.Uin("group_id")
	return s.inGroup(gid, func(g *group) (any, error) {
		if g.self(s.w).Role == "owner" {
			return nil, refused("group_id %d: the owner cannot quit the group", gid)
		}
		s.w.removeGroup(gid)
		s.emitLocked(milky.EventGroupMemberDecrease, milky.GroupMemberDecreaseData{GroupID: gid, UserID: s.w.selfID})
		return milky.Empty{}, nil
	})
}

func (w *world) removeGroup(gid int64) {
	delete(w.groups, gid)
	w.groupOrder = slices.DeleteFunc(w.groupOrder, func(x int64) bool { return x == gid })
	w.unpin(convKey{milky.SceneGroup, gid})
}

func (s *Sim) sendGroupMessageReaction(p *milky.Params) locked {
	gid := p.Uin("group_id")
	seq := p.Int64("message_seq")
	reaction := p.NonEmpty("reaction")
	rtype := p.EnumDef("reaction_type", "face", "face", "emoji")
	add := p.BoolDef("is_add", true)
	return func() (any, error) {
		if _, err := s.groupLocked(gid); err != nil {
			return nil, err
		}
		if m, _ := s.w.conv(convKey{milky.SceneGroup, gid}).find(seq); m == nil {
			return nil, notFound("message_seq %d: no such message in group %d", seq, gid)
		}
		s.emitLocked(milky.EventGroupMessageReaction, milky.GroupMessageReactionData{GroupID: gid, UserID: s.w.selfID,
			MessageSeq: seq, FaceID: reaction, ReactionType: rtype, IsAdd: add})
		return milky.Empty{}, nil
	}
}

func (s *Sim) sendGroupNudge(p *milky.Params) locked {
	gid := p.Uin("group_id")
	uid := p.Uin("user_id")
	return func() (any, error) {
		if _, _, err := s.memberLocked(gid, uid); err != nil {
			return nil, err
		}
		s.emitLocked(milky.EventGroupNudge, milky.GroupNudgeData{GroupID: gid, SenderID: s.w.selfID, ReceiverID: uid,
			DisplayAction: "戳了戳", DisplaySuffix: "", DisplayActionImgURL: ""})
		return milky.Empty{}, nil
	}
}

func (s *Sim) getGroupNotifications(p *milky.Params) locked {
	start := p.OptInt64("start_notification_seq")
	filtered := p.BoolDef("is_filtered", false)
	limit := p.Int32Def("limit", 20)
	return func() (any, error) {
		out := milky.GetGroupNotificationsOutput{Notifications: []milky.GroupNotification{}}
		for i := len(s.w.notifs) - 1; i >= 0; i-- { // descending seq
			n := s.w.notifs[i]
			if n.IsFiltered != filtered || (start != nil && n.NotificationSeq > *start) {
				continue
			}
			if len(out.Notifications) == int(limit) {
				out.NextNotificationSeq = ptr(n.NotificationSeq)
				break
			}
			c := *n
			out.Notifications = append(out.Notifications, c)
		}
		return out, nil
	}
}

// requestRef names a pending group request by its notification.
type requestRef struct {
	seq, gid int64
	typ      string
	filtered bool
}

func readRequestRef(p *milky.Params) requestRef {
	r := requestRef{seq: p.Int64("notification_seq"),
		typ: p.Enum("notification_type", milky.NotifyJoinRequest, milky.NotifyInvitedJoinRequest),
		gid: p.Uin("group_id"), filtered: p.BoolDef("is_filtered", false)}
	p.OptString("reason")
	return r
}

// groupRequest finds the pending request a notification stands for.
func (s *Sim) groupRequest(r requestRef) (*group, *milky.GroupNotification, error) {
	g, err := s.adminGroup(r.gid, "admin", "handling group requests")
	if err != nil {
		return nil, nil, err
	}
	for _, n := range s.w.notifs {
		if n.NotificationSeq != r.seq {
			continue
		}
		if n.Type != r.typ || n.GroupID != r.gid || n.IsFiltered != r.filtered {
			break
		}
		if n.State != "pending" {
			return nil, nil, refused("notification_seq %d: the request is already %s", r.seq, n.State)
		}
		return g, n, nil
	}
	return nil, nil, notFound("notification_seq %d: no %s in group %d with is_filtered=%t", r.seq, r.typ, r.gid, r.filtered)
}

func (s *Sim) acceptGroupRequest(p *milky.Params) locked {
	r := readRequestRef(p)
	return func() (any, error) {
		g, n, err := s.groupRequest(r)
		if err != nil {
			return nil, err
		}
		n.State, n.OperatorID = "accepted", ptr(s.w.selfID)
		ev := milky.GroupMemberIncreaseData{GroupID: g.info.GroupID, OperatorID: ptr(s.w.selfID)}
		if n.Type == milky.NotifyJoinRequest {
			ev.UserID = n.InitiatorID
		} else {
			ev.UserID, ev.InvitorID = n.TargetUserID, ptr(n.InitiatorID)
		}
		if g.members[ev.UserID] == nil {
			s.w.join(g, ev.UserID, "member", s.now().Unix())
			s.emitLocked(milky.EventGroupMemberIncrease, ev)
		}
		return milky.Empty{}, nil
	}
}

func (s *Sim) rejectGroupRequest(p *milky.Params) locked {
	r := readRequestRef(p)
	return func() (any, error) {
		_, n, err := s.groupRequest(r)
		if err != nil {
			return nil, err
		}
		n.State, n.OperatorID = "rejected", ptr(s.w.selfID)
		return milky.Empty{}, nil
	}
}

// join adds uin to g with its profile.
func (w *world) join(g *group, uin int64, role string, t int64) *milky.GroupMember {
	pr := w.profileOf(uin)
	if w.people[uin] == nil {
		w.people[uin] = &pr
	}
	m := &milky.GroupMember{UserID: uin, Nickname: pr.nickname, Sex: pr.sex, GroupID: g.info.GroupID, Role: role,
		Level: 1, JoinTime: t, LastSentTime: t}
	if uin == w.selfID {
		m.Nickname = w.nickname
	}
	g.addMember(m)
	return m
}

// invitation finds the pending invitation to gid numbered seq.
func (s *Sim) invitation(gid, seq int64) (*invitation, error) {
	for _, inv := range s.w.invitations {
		if inv.seq == seq && inv.groupID == gid {
			if inv.state != "pending" {
				return nil, refused("invitation_seq %d: the invitation is already %s", seq, inv.state)
			}
			return inv, nil
		}
	}
	return nil, notFound("invitation_seq %d: no invitation to group %d", seq, gid)
}

func (s *Sim) acceptGroupInvitation(p *milky.Params) locked {
	gid, seq := p.Uin("group_id"), p.Int64("invitation_seq")
	return func() (any, error) {
		inv, err := s.invitation(gid, seq)
		if err != nil {
			return nil, err
		}
		inv.state = "accepted"
		if s.w.groups[inv.groupID] != nil {
			return milky.Empty{}, nil
		}
		now := s.now().Unix()
		g := &group{info: milky.Group{GroupID: inv.groupID, GroupName: groupNamePool[inv.groupID%int64(len(groupNamePool))],
			MaxMemberCount: 200, CreatedTime: now - 100*day, Description: "", Question: ""},
			members: map[int64]*milky.GroupMember{}, blocked: map[int64]bool{}}
		s.w.groups[g.info.GroupID] = g
		s.w.groupOrder = append(s.w.groupOrder, g.info.GroupID)
		owner := s.w.profileOf(s.w.newUin(100000000, 3999999999))
		s.w.join(g, owner.uin, "owner", g.info.CreatedTime)
		s.w.join(g, inv.initiator, "member", now-30*day)
		s.w.join(g, s.w.selfID, "member", now)
		s.emitLocked(milky.EventGroupMemberIncrease, milky.GroupMemberIncreaseData{GroupID: g.info.GroupID, UserID: s.w.selfID,
			InvitorID: ptr(inv.initiator)})
		return milky.Empty{}, nil
	}
}

func (s *Sim) rejectGroupInvitation(p *milky.Params) locked {
	gid, seq := p.Uin("group_id"), p.Int64("invitation_seq")
	return func() (any, error) {
		inv, err := s.invitation(gid, seq)
		if err != nil {
			return nil, err
		}
		inv.state = "rejected"
		return milky.Empty{}, nil
	}
}
