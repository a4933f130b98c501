package milkyob11

import (
	"strconv"

	"github.com/qqbridge/gateway/milky"
	"github.com/qqbridge/gateway/onebot11"
	"github.com/qqbridge/gateway/segment"
)

// Message events -> message_receive (plus friend_file_upload for a private
// file, see README.md).

func groupMessage(env *Env, ev *onebot11.UpstreamEvent) Result {
	gid := int64(ev.GroupID)
	sender := senderID(ev)
	if !isUin(gid) || !isUin(sender) {
		return skipIDs()
	}
	msg := env.newMessage()
	*msg = milky.IncomingMessage{
		MessageScene: milky.SceneGroup,
		PeerID:       gid,
		SenderID:     sender,
		Time:         messageTime(env, ev),
	}
	msg.MessageSeq = env.seq(milky.SceneGroup, gid, ev.MessageID, env.Impl.ConversationSeq(int64(ev.RealSeq), ev.MessageSeq))
	msg.Segments = env.segments(milky.SceneGroup, gid, ev)
	msg.Group = env.group(gid, string(ev.GroupName))
	msg.GroupMember = env.member(gid, sender, &ev.Sender, msg.Time)
	return env.one(ev, msg)
}

func privateMessage(env *Env, ev *onebot11.UpstreamEvent) Result {
	sender := senderID(ev)
	// The peer is the other side: the sender of a received message, the
	// target of one the bot sent (NapCat target_id, Shamrock peer_id).
	peer := sender
	if string(ev.PostType) == onebot11.PostMessageSent || sender == env.selfID(ev) {
		peer = int64(ev.TargetID)
		if !isUin(peer) {
			peer = int64(ev.PeerID)
		}
	}
	if !isUin(peer) || !isUin(sender) {
		return skipIDs()
	}
	scene := milky.SceneFriend
	if string(ev.SubType) == onebot11.SubGroup {
		scene = milky.SceneTemp
	}
	msg := env.newMessage()
	*msg = milky.IncomingMessage{
		MessageScene: scene,
		PeerID:       peer,
		SenderID:     sender,
		Time:         messageTime(env, ev),
	}
	msg.MessageSeq = env.seq(scene, peer, ev.MessageID, env.Impl.ConversationSeq(int64(ev.RealSeq), ev.MessageSeq))
	msg.Segments = env.segments(scene, peer, ev)
	if scene == milky.SceneTemp {
		// The group the temp chat came through, when the implementation
		// says (sender.group_id in go-cqhttp/NapCat, group_id in some).
		if gid := uinOr(int64(ev.Sender.GroupID), uinOr(int64(ev.GroupID), 0)); gid != 0 {
			msg.Group = env.group(gid, "")
		}
	} else {
		msg.Friend = env.friend(peer, &ev.Sender, sender == peer)
	}
	res := env.one(ev, msg)
	if scene == milky.SceneFriend {
		// Milky pushes friend_file_upload next to a private file message;
		// NapCat/LLOneBot report private files only as a message.
		for i := range msg.Segments {
			if s := &msg.Segments[i]; s.Type == milky.SegFile {
				hash := ""
				if s.Data.FileHash != nil {
					hash = *s.Data.FileHash
				}
				res.Events = append(res.Events, env.event(ev, &milky.FriendFileUploadData{
					UserID: peer, FileID: s.Data.FileID, FileName: s.Data.FileName, FileSize: s.Data.FileSize,
					FileHash: hash, IsSelf: sender != peer,
				}))
			}
		}
	}
	return res
}

// senderID is user_id, or sender.user_id when an implementation leaves the
// top-level one out.
func senderID(ev *onebot11.UpstreamEvent) int64 {
	if isUin(int64(ev.UserID)) {
		return int64(ev.UserID)
	}
	return int64(ev.Sender.UserID)
}

func messageTime(env *Env, ev *onebot11.UpstreamEvent) int64 {
	if ev.Time > 0 {
		return int64(ev.Time)
	}
	if env.Now != nil {
		return env.Now()
	}
	return 0
}

func (env *Env) segments(scene string, peer int64, ev *onebot11.UpstreamEvent) []milky.IncomingSegment {
	onSeg := env.onSeg
	if onSeg == nil {
		onSeg = env.untranslatedSegment
	}
	conv := segment.Incoming{Seqs: env.Seqs, Quotes: env.Quotes, OnUntranslated: onSeg}
	var segs []milky.IncomingSegment
	var err error
	if env.scanned != nil && env.scanned.Valid() {
		if env.segBuf != nil {
			segs = conv.FromScannedInto(*env.segBuf, scene, peer, *env.scanned)
			*env.segBuf = segs
		} else {
			segs = conv.FromScanned(scene, peer, *env.scanned)
		}
	} else {
		segs, err = conv.FromOneBotRaw(scene, peer, ev.Message)
	}
	if err != nil || (len(segs) == 0 && ev.RawMessage != "") {
		// message unusable or absent: raw_message is always the CQ form.
		quoted := strconv.Quote(string(ev.RawMessage))
		segs, _ = conv.FromOneBotRaw(scene, peer, []byte(quoted))
	}
	if segs == nil {
		segs = []milky.IncomingSegment{}
	}
	return segs
}

// group is the directory's group, or one built from what the event says.
// The directory's answer is copied into the payload's memory (pooled on
// the pooled path, see newGroup): the event never points into the cache.
func (env *Env) group(gid int64, name string) *milky.Group {
	g := env.newGroup()
	if env.Dir != nil {
		if dg, ok := env.Dir.Group(gid); ok {
			*g = dg
		}
	}
	if name != "" {
		g.GroupName = name
	}
	g.GroupID = gid
	return g
}

// member is the directory's member updated with the event's sender fields
// (fresher: the card or title may just have changed), or one built from
// the sender alone.
func (env *Env) member(gid, uid int64, s *onebot11.UpstreamSender, now int64) *milky.GroupMember {
	m := env.newMember()
	if env.Dir != nil {
		*m, _ = env.Dir.GroupMember(gid, uid)
	}
	m.GroupID, m.UserID = gid, uid
	if s.Nickname != "" {
		m.Nickname = string(s.Nickname)
	}
	if s.Card != "" {
		m.Card = string(s.Card)
	}
	if s.Title != "" {
		m.Title = string(s.Title)
	}
	if s.Role != "" {
		m.Role = string(s.Role)
	}
	if s.Sex != "" {
		m.Sex = string(s.Sex)
	}
	if s.Level != "" {
		if lvl, err := strconv.ParseInt(string(s.Level), 10, 32); err == nil && lvl > 0 {
			m.Level = int32(lvl)
		}
	}
	m.Sex = normSex(m.Sex)
	m.Role = milky.MemberRole(m.Role)
	m.Level = max(m.Level, 0)
	m.LastSentTime = max(now, m.LastSentTime)
	return m
}

// friend is the directory's friend, or one built from the sender (when the
// sender is the friend; for the bot's own messages only the directory knows).
func (env *Env) friend(uid int64, s *onebot11.UpstreamSender, senderIsPeer bool) *milky.Friend {
	f := env.newFriend()
	if env.Dir != nil {
		*f, _ = env.Dir.Friend(uid)
	}
	f.UserID = uid
	if senderIsPeer {
		if s.Nickname != "" {
			f.Nickname = string(s.Nickname)
		}
		if s.Sex != "" {
			f.Sex = string(s.Sex)
		}
	}
	f.Sex = normSex(f.Sex)
	return f
}

func normSex(s string) string {
	switch s {
	case milky.SexMale, milky.SexFemale:
		return s
	}
	return milky.SexUnknown
}

func (env *Env) untranslatedSegment(typ string) { env.untranslated("segment", typ) }
