package simulator

import (
	"fmt"
	"strings"

	"github.com/qqbridge/gateway/milky"
)

// Read-only views of the world for tests and the demo (copies; changing
// them changes nothing).

// Friends lists the friends in list order.
func (s *Sim) Friends() []milky.Friend {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.w.friendList()
}

func (w *world) friendList() []milky.Friend {
	out := make([]milky.Friend, 0, len(w.friendOrder))
	for _, uid := range w.friendOrder {
		out = append(out, *w.friends[uid])
	}
	return out
}

// Groups lists the bot's groups in list order.
func (s *Sim) Groups() []milky.Group {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.w.groupList()
}

func (w *world) groupList() []milky.Group {
	out := make([]milky.Group, 0, len(w.groupOrder))
	for _, gid := range w.groupOrder {
		out = append(out, w.groups[gid].info)
	}
	return out
}

// Members lists a group's members (the bot included) in join order; nil if
// the bot is not in the group.
func (s *Sim) Members(groupID int64) []milky.GroupMember {
	s.mu.Lock()
	defer s.mu.Unlock()
	g := s.w.groups[groupID]
	if g == nil {
		return nil
	}
	return s.w.members(g)
}

func (w *world) members(g *group) []milky.GroupMember {
	out := make([]milky.GroupMember, 0, len(g.memberOrder))
	for _, uid := range g.memberOrder {
		out = append(out, w.memberEntity(g, uid))
	}
	return out
}

// Member returns one member and whether it exists.
func (s *Sim) Member(groupID, userID int64) (milky.GroupMember, bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	g := s.w.groups[groupID]
	if g == nil || g.members[userID] == nil {
		return milky.GroupMember{}, false
	}
	return s.w.memberEntity(g, userID), true
}

// Group returns one group and whether the bot is in it.
func (s *Sim) Group(groupID int64) (milky.Group, bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	g := s.w.groups[groupID]
	if g == nil {
		return milky.Group{}, false
	}
	return g.info, true
}

// History is a conversation's stored messages, ascending message_seq.
func (s *Sim) History(scene string, peer int64) []milky.IncomingMessage {
	s.mu.Lock()
	defer s.mu.Unlock()
	c := s.w.convs[convKey{scene, peer}]
	if c == nil {
		return nil
	}
	return values(c.msgs)
}

// FriendRequests lists every friend request, oldest first.
func (s *Sim) FriendRequests() []milky.FriendRequest {
	s.mu.Lock()
	defer s.mu.Unlock()
	return values(s.w.friendReqs)
}

// GroupNotifications lists every group notification, ascending seq.
func (s *Sim) GroupNotifications() []milky.GroupNotification {
	s.mu.Lock()
	defer s.mu.Unlock()
	return values(s.w.notifs)
}

// Nickname is the bot's current nickname.
func (s *Sim) Nickname() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.w.nickname
}

// Describe summarises the account for a demo banner: who the bot is and
// which friends and groups it can talk to.
func (s *Sim) Describe() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	var b strings.Builder
	fmt.Fprintf(&b, "simulated QQ account %d (%s)\n", s.w.selfID, s.w.nickname)
	for _, uid := range s.w.friendOrder {
		f := s.w.friends[uid]
		fmt.Fprintf(&b, "  friend %d %s\n", f.UserID, f.Nickname)
	}
	for _, gid := range s.w.groupOrder {
		g := s.w.groups[gid]
		fmt.Fprintf(&b, "  group  %d %s (%d members, bot is %s)\n", gid, g.info.GroupName, g.info.MemberCount, g.self(s.w).Role)
	}
	if s.opts.Echo {
		b.WriteString("  peers answer the bot's text with \"echo: <text>\"\n")
	}
	return b.String()
}

// values copies what ps point to, so that callers cannot reach the world.
func values[T any](ps []*T) []T {
	out := make([]T, 0, len(ps))
	for _, p := range ps {
		out = append(out, *p)
	}
	return out
}
