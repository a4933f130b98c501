package simulator

import (
	"fmt"

	"github.com/qqbridge/gateway/milky"
)

// Scripting: what other QQ users do to the bot. Each call changes the world
// the way the real happening would and emits the event a Milky
// implementation sends. Ids that cannot exist (a group the bot is not in, a
// message that is not in history) are test bugs and panic with a message
// saying which.

// Emit publishes any event as is, without changing the world (for
// happenings the helpers below do not cover, or payloads that break the
// schema on purpose); data is JSON-encoded, a json.RawMessage is sent as is.
func (s *Sim) Emit(eventType string, data any) *milky.Event {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.emitLocked(eventType, data)
}

// ReceiveFriendMessage delivers a private message from userID (normally a
// friend; a stranger gets a stand-in friend entity).
func (s *Sim) ReceiveFriendMessage(userID int64, segs []milky.IncomingSegment) milky.IncomingMessage {
	s.mu.Lock()
	defer s.mu.Unlock()
	c := s.w.conv(convKey{milky.SceneFriend, userID})
	return s.receiveLocked(c, nil, userID, segs)
}

// ReceiveGroupMessage delivers a group message from userID (normally a
// member; others get a stand-in member entity).
func (s *Sim) ReceiveGroupMessage(groupID, userID int64, segs []milky.IncomingSegment) milky.IncomingMessage {
	s.mu.Lock()
	defer s.mu.Unlock()
	g := s.mustGroup("ReceiveGroupMessage", groupID)
	c := s.w.conv(convKey{milky.SceneGroup, groupID})
	return s.receiveLocked(c, g, userID, segs)
}

// ReceiveTempMessage delivers a temp-session message from userID, met in
// groupID.
func (s *Sim) ReceiveTempMessage(groupID, userID int64, segs []milky.IncomingSegment) milky.IncomingMessage {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.mustGroup("ReceiveTempMessage", groupID)
	c := s.w.conv(convKey{milky.SceneTemp, userID})
	c.tempFrom = groupID
	return s.receiveLocked(c, nil, userID, segs)
}

func (s *Sim) receiveLocked(c *conv, g *group, from int64, segs []milky.IncomingSegment) milky.IncomingMessage {
	m := s.w.store(c, from, s.now().Unix(), s.normalizeLocked(c, g, segs))
	s.emitLocked(milky.EventMessageReceive, *m)
	return *m
}

// normalizeLocked completes scripted segments so they are what a real
// implementation would send: resources registered with a temp_url, mention
// names, quoted message details, file ids.
func (s *Sim) normalizeLocked(c *conv, g *group, in []milky.IncomingSegment) []milky.IncomingSegment {
	out := make([]milky.IncomingSegment, 0, len(in))
	for _, seg := range in {
		d := &seg.Data
		switch seg.Type {
		case milky.SegMention:
			if d.Name == "" {
				d.Name = s.w.displayName(g, d.UserID)
			}
		case milky.SegReply:
			if d.SenderID == 0 {
				if m, _ := c.find(d.MessageSeq); m != nil {
					seg = s.w.replyTo(c, d.MessageSeq)
				}
			}
			if d.Segments == nil {
				d.Segments = []milky.IncomingSegment{}
			}
		case milky.SegImage, milky.SegRecord, milky.SegVideo:
			r := s.w.resources[d.ResourceID]
			switch {
			case r == nil && d.ResourceID != "":
				r = &resource{id: d.ResourceID, kind: seg.Type}
				s.w.putResource(r)
			case r == nil:
				r = s.w.newResource(seg.Type, "", nil)
				d.ResourceID = r.id
			}
			if d.TempURL == "" {
				d.TempURL = s.w.resURL(r)
			}
			if seg.Type == milky.SegImage {
				if d.SubType == "" {
					d.SubType = "normal"
				}
				if d.Summary == "" {
					d.Summary = "[图片]"
				}
			}
			if seg.Type != milky.SegRecord && d.Width == 0 && d.Height == 0 {
				d.Width, d.Height = 640, 480
			}
			r.w, r.h, r.dur = d.Width, d.Height, d.Duration
		case milky.SegFile:
			if d.FileID == "" {
				d.FileID = s.w.newFileID()
			}
		}
		out = append(out, seg)
	}
	return out
}

func (s *Sim) mustGroup(what string, gid int64) *group {
	g := s.w.groups[gid]
	if g == nil {
		panic(fmt.Sprintf("simulator: %s: the bot is not in group %d", what, gid))
	}
	return g
}

// RecallMessage has operator recall a message (the sender, or a group
// admin): it leaves history and message_recall is emitted.
func (s *Sim) RecallMessage(scene string, peer, seq, operator int64) {
	s.mu.Lock()
	defer s.mu.Unlock()
	c := s.w.convs[convKey{scene, peer}]
	var m *milky.IncomingMessage
	if c != nil {
		m, _ = c.find(seq)
	}
	if m == nil {
		panic(fmt.Sprintf("simulator: RecallMessage: no message %d in %s %d", seq, scene, peer))
	}
	s.recallLocked(c, m, operator)
}

// FriendRequest has userID ask to be the bot's friend; it returns the
// initiator_uid that accept/reject_friend_request take.
func (s *Sim) FriendRequest(userID int64, comment string) (initiatorUID string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	pr := s.w.profileOf(userID)
	r := s.w.newFriendRequest(&pr, comment, "QQ号查找", false, s.now().Unix(), "pending")
	s.w.friendReqs = append(s.w.friendReqs, r)
	s.emitLocked(milky.EventFriendRequest, milky.FriendRequestData{InitiatorID: userID, InitiatorUID: r.InitiatorUID,
		Comment: comment, Via: r.Via})
	return r.InitiatorUID
}

// GroupJoinRequest has userID ask to join groupID; it returns the
// notification_seq.
func (s *Sim) GroupJoinRequest(groupID, userID int64, comment string, filtered bool) (notificationSeq int64) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.mustGroup("GroupJoinRequest", groupID)
	n := s.w.addNotif(&milky.GroupNotification{Type: milky.NotifyJoinRequest, GroupID: groupID, InitiatorID: userID,
		State: "pending", Comment: comment, IsFiltered: filtered})
	s.emitLocked(milky.EventGroupJoinRequest, milky.GroupJoinRequestData{GroupID: groupID, NotificationSeq: n.NotificationSeq,
		IsFiltered: filtered, InitiatorID: userID, Comment: comment})
	return n.NotificationSeq
}

// GroupInvitedJoinRequest has member inviter invite invitee into groupID;
// it returns the notification_seq.
func (s *Sim) GroupInvitedJoinRequest(groupID, inviter, invitee int64) int64 {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.mustGroup("GroupInvitedJoinRequest", groupID)
	n := s.w.addNotif(&milky.GroupNotification{Type: milky.NotifyInvitedJoinRequest, GroupID: groupID, InitiatorID: inviter,
		TargetUserID: invitee, State: "pending"})
	s.emitLocked(milky.EventGroupInvitedJoinRequest, milky.GroupInvitedJoinRequestData{GroupID: groupID,
		NotificationSeq: n.NotificationSeq, InitiatorID: inviter, TargetUserID: invitee})
	return n.NotificationSeq
}

// GroupInvitation has inviter invite the bot into groupID (a group it is
// not in yet); it returns the invitation_seq. Accepting it creates the group.
func (s *Sim) GroupInvitation(groupID, inviter int64) (invitationSeq int64) {
	s.mu.Lock()
	defer s.mu.Unlock()
	inv := &invitation{groupID: groupID, seq: s.w.nextInvSeq, initiator: inviter, state: "pending"}
	s.w.nextInvSeq++
	s.w.invitations = append(s.w.invitations, inv)
	s.emitLocked(milky.EventGroupInvitation, milky.GroupInvitationData{GroupID: groupID, InvitationSeq: inv.seq, InitiatorID: inviter})
	return inv.seq
}

// FriendNudge has friend userID poke the bot.
func (s *Sim) FriendNudge(userID int64) {
	s.Emit(milky.EventFriendNudge, milky.FriendNudgeData{UserID: userID, IsSelfSend: false, IsSelfReceive: true,
		DisplayAction: "戳了戳", DisplaySuffix: "", DisplayActionImgURL: ""})
}

// GroupNudge has sender poke receiver (the bot or anyone) in groupID.
func (s *Sim) GroupNudge(groupID, sender, receiver int64) {
	s.Emit(milky.EventGroupNudge, milky.GroupNudgeData{GroupID: groupID, SenderID: sender, ReceiverID: receiver,
		DisplayAction: "戳了戳", DisplaySuffix: "", DisplayActionImgURL: ""})
}

// MemberJoin adds userID to groupID (approved by operator, invited by
// invitor; 0 = none) and emits group_member_increase.
func (s *Sim) MemberJoin(groupID, userID, operator, invitor int64) milky.GroupMember {
	s.mu.Lock()
	defer s.mu.Unlock()
	g := s.mustGroup("MemberJoin", groupID)
	m := g.members[userID]
	if m == nil {
		m = s.w.join(g, userID, "member", s.now().Unix())
	}
	ev := milky.GroupMemberIncreaseData{GroupID: groupID, UserID: userID}
	if operator != 0 {
		ev.OperatorID = ptr(operator)
	}
	if invitor != 0 {
		ev.InvitorID = ptr(invitor)
	}
	s.emitLocked(milky.EventGroupMemberIncrease, ev)
	return *m
}

// MemberLeave removes userID from groupID: a quit when operator is 0,
// otherwise a kick by operator. Kicking the bot removes the group.
func (s *Sim) MemberLeave(groupID, userID, operator int64) {
	s.mu.Lock()
	defer s.mu.Unlock()
	g := s.mustGroup("MemberLeave", groupID)
	ev := milky.GroupMemberDecreaseData{GroupID: groupID, UserID: userID}
	if operator != 0 {
		ev.OperatorID = ptr(operator)
	}
	if userID == s.w.selfID {
		s.w.removeGroup(groupID)
	} else {
		g.removeMember(userID)
		n := &milky.GroupNotification{Type: milky.NotifyQuit, GroupID: groupID, TargetUserID: userID}
		if operator != 0 {
			n.Type, n.OperatorID = milky.NotifyKick, ptr(operator)
		}
		s.w.addNotif(n)
	}
	s.emitLocked(milky.EventGroupMemberDecrease, ev)
}

// GroupFileUpload has userID upload a file to groupID's root folder: it
// emits group_file_upload and the message_receive with the file segment,
// as Milky implementations do. It returns the file_id.
func (s *Sim) GroupFileUpload(groupID, userID int64, name string, size int64) string {
	s.mu.Lock()
	defer s.mu.Unlock()
	g := s.mustGroup("GroupFileUpload", groupID)
	now := s.now().Unix()
	f := s.w.addGroupFile(g, rootFolder, name, size, userID, now)
	s.emitLocked(milky.EventGroupFileUpload, milky.GroupFileUploadData{GroupID: groupID, UserID: userID, FileID: f.FileID,
		FileName: name, FileSize: size})
	s.receiveLocked(s.w.conv(convKey{milky.SceneGroup, groupID}), g, userID, []milky.IncomingSegment{{Type: milky.SegFile,
		Data: milky.IncomingSegmentData{FileID: f.FileID, FileName: name, FileSize: size}}})
	return f.FileID
}

// FriendFileUpload has friend userID send the bot a file: friend_file_upload
// plus the message_receive with the file segment. It returns the file_id and
// the file_hash that get_private_file_download_url needs.
func (s *Sim) FriendFileUpload(userID int64, name string, content []byte) (fileID, fileHash string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	_, size, hash := fileContent("base64://")
	if content != nil {
		_, size, hash = fileContent("base64://" + encodeB64(content))
	}
	f := &privFile{userID: userID, id: fmt.Sprintf("sim-file-%d-%s", s.w.newSerial(), hash[:8]), name: name, size: size,
		hash: hash, data: content}
	s.w.putPrivFile(f)
	s.emitLocked(milky.EventFriendFileUpload, milky.FriendFileUploadData{UserID: userID, FileID: f.id, FileName: name,
		FileSize: size, FileHash: hash, IsSelf: false})
	s.receiveLocked(s.w.conv(convKey{milky.SceneFriend, userID}), nil, userID, []milky.IncomingSegment{{Type: milky.SegFile,
		Data: milky.IncomingSegmentData{FileID: f.id, FileName: name, FileSize: size, FileHash: ptr(hash)}}})
	return f.id, hash
}

// BotOffline reports that the bot was logged out.
func (s *Sim) BotOffline(reason string) {
	s.Emit(milky.EventBotOffline, milky.BotOfflineData{Reason: reason})
}

// WholeMute has operator (an admin) turn the whole-group mute on or off.
func (s *Sim) WholeMute(groupID, operator int64, mute bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.mustGroup("WholeMute", groupID).wholeMute = mute
	s.emitLocked(milky.EventGroupWholeMute, milky.GroupWholeMuteData{GroupID: groupID, OperatorID: operator, IsMute: mute})
}

// MuteMember has operator mute userID (the bot included) for duration
// seconds; 0 lifts the mute.
func (s *Sim) MuteMember(groupID, userID, operator int64, duration int32) {
	s.mu.Lock()
	defer s.mu.Unlock()
	g := s.mustGroup("MuteMember", groupID)
	if m := g.members[userID]; m != nil {
		m.ShutUpEndTime = nil
		if duration > 0 {
			m.ShutUpEndTime = ptr(s.now().Unix() + int64(duration))
		}
	}
	s.emitLocked(milky.EventGroupMute, milky.GroupMuteData{GroupID: groupID, UserID: userID, OperatorID: operator, Duration: duration})
}
