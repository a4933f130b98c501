package simulator

import (
	"fmt"
	"strings"
	"time"

	"github.com/qqbridge/gateway/milky"
)

// Message APIs (9): send, recall, fetch, history, resources, forwards.

// recallWindow is how long QQ lets a sender recall its own message.
const recallWindow = 2 * time.Minute

const maxHistoryLimit = 30

func (s *Sim) sendPrivateMessage(p *milky.Params) locked {
	uid := p.Uin("user_id")
	segs := parseOutgoing(p, "message", 0)
	return func() (any, error) {
		if _, err := s.friendLocked(uid); err != nil {
			return nil, err
		}
		return s.sendLocked(s.w.conv(convKey{milky.SceneFriend, uid}), nil, segs)
	}
}

func (s *Sim) sendGroupMessage(p *milky.Params) locked {
	gid := p.Uin("group_id")
	segs := parseOutgoing(p, "message", 0)
	return s.inGroup(gid, func(g *group) (any, error) {
		self := g.self(s.w)
		now := s.now().Unix()
		if self.ShutUpEndTime != nil && *self.ShutUpEndTime > now {
			return nil, refused("group_id %d: the bot is muted until %d", gid, *self.ShutUpEndTime)
		}
		if g.wholeMute && rank(self.Role) == 0 {
			return nil, refused("group_id %d: the group is muted", gid)
		}
		return s.sendLocked(s.w.conv(convKey{milky.SceneGroup, gid}), g, segs)
	})
}

// sendLocked stores the bot's message, reports it as message_receive with
// sender_id = self (as Milky implementations do) and schedules the echo.
func (s *Sim) sendLocked(c *conv, g *group, segs []milky.OutgoingSegment) (any, error) {
	now := s.now().Unix()
	in, err := s.w.toIncoming(convCtx{c: c, g: g, now: now, path: "message"}, segs)
	if err != nil {
		return nil, err
	}
	m := s.w.store(c, s.w.selfID, now, in)
	s.emitLocked(milky.EventMessageReceive, *m)
	s.scheduleEchoLocked(c, textOf(in))
	return milky.SendMessageOutput{MessageSeq: m.MessageSeq, Time: m.Time}, nil
}

// scheduleEchoLocked makes the peer answer "echo: <text>" after EchoDelay:
// at most once per second per conversation, and never to an echo, so two
// echoing parties cannot start a storm.
func (s *Sim) scheduleEchoLocked(c *conv, text string) {
	if !s.opts.Echo || s.closed || strings.TrimSpace(text) == "" ||
		strings.HasPrefix(strings.TrimSpace(text), "echo:") {
		return
	}
	now := s.now()
	if !c.lastEcho.IsZero() && now.Sub(c.lastEcho) < time.Second {
		return
	}
	c.lastEcho = now
	s.echoes++
	s.wg.Add(1)
	go func() {
		defer s.wg.Done()
		t := time.NewTimer(s.opts.EchoDelay)
		defer t.Stop()
		select {
		case <-s.done:
			return
		case <-t.C:
		}
		s.mu.Lock()
		defer s.mu.Unlock()
		if s.closed {
			return
		}
		var from int64
		switch c.key.scene {
		case milky.SceneFriend:
			if s.w.friends[c.key.peer] != nil {
				from = c.key.peer
			}
		case milky.SceneGroup:
			if g := s.w.groups[c.key.peer]; g != nil {
				from = s.w.talker(g, s.now().Unix())
			}
		}
		if from == 0 {
			return
		}
		m := s.w.store(c, from, s.now().Unix(), textSegs("echo: "+text))
		s.emitLocked(milky.EventMessageReceive, *m)
	}()
}

// talker picks the member who answers in a group: the first one that is
// not the bot and not muted.
func (w *world) talker(g *group, now int64) int64 {
	if g.wholeMute {
		return 0
	}
	for _, uid := range g.memberOrder {
		m := g.members[uid]
		if uid != w.selfID && (m.ShutUpEndTime == nil || *m.ShutUpEndTime <= now) {
			return uid
		}
	}
	return 0
}

func (s *Sim) recallPrivateMessage(p *milky.Params) locked {
	uid := p.Uin("user_id")
	seq := p.Int64("message_seq")
	return func() (any, error) {
		c := s.w.convs[convKey{milky.SceneFriend, uid}]
		if c == nil {
			return nil, notFound("user_id %d: no conversation with this user", uid)
		}
		m, _ := c.find(seq)
		if m == nil {
			return nil, notFound("message_seq %d: no such message", seq)
		}
		if m.SenderID != s.w.selfID {
			return nil, refused("message_seq %d: only the bot's own private messages can be recalled", seq)
		}
		if err := s.recallWindowLocked(m); err != nil {
			return nil, err
		}
		s.recallLocked(c, m, s.w.selfID)
		return milky.Empty{}, nil
	}
}

func (s *Sim) recallGroupMessage(p *milky.Params) locked {
	gid := p.Uin("group_id")
	seq := p.Int64("message_seq")
	return s.inGroup(gid, func(g *group) (any, error) {
		c := s.w.conv(convKey{milky.SceneGroup, gid})
		m, _ := c.find(seq)
		if m == nil {
			return nil, notFound("message_seq %d: no such message", seq)
		}
		if m.SenderID == s.w.selfID {
			if err := s.recallWindowLocked(m); err != nil && rank(g.self(s.w).Role) == 0 {
				return nil, err
			}
		} else {
			// Admins recall members' messages; the target's current role counts.
			if err := s.requireOutrank(g, ptr(s.w.memberEntity(g, m.SenderID)), "recall_group_message"); err != nil {
				return nil, err
			}
		}
		s.recallLocked(c, m, s.w.selfID)
		return milky.Empty{}, nil
	})
}

func (s *Sim) recallWindowLocked(m *milky.IncomingMessage) error {
	if age := s.now().Unix() - m.Time; age > int64(recallWindow/time.Second) {
		return refused("message_seq %d: sent %ds ago, own messages can only be recalled within %s", m.MessageSeq, age, recallWindow)
	}
	return nil
}

// recallLocked removes the message from history and reports message_recall.
func (s *Sim) recallLocked(c *conv, m *milky.IncomingMessage, operator int64) {
	c.remove(m.MessageSeq)
	if c.key.scene == milky.SceneGroup {
		if g := s.w.groups[c.key.peer]; g != nil {
			g.essence = deleteEssence(g.essence, m.MessageSeq)
		}
	}
	s.emitLocked(milky.EventMessageRecall, milky.MessageRecallData{MessageScene: c.key.scene, PeerID: c.key.peer,
		MessageSeq: m.MessageSeq, SenderID: m.SenderID, OperatorID: operator, DisplaySuffix: ""})
}

func (s *Sim) getMessage(p *milky.Params) locked {
	scene := p.Scene("message_scene")
	peer := p.Uin("peer_id")
	seq := p.Int64("message_seq")
	return s.inConv(scene, peer, func(c *conv) (any, error) {
		m, _ := c.find(seq)
		if m == nil {
			return nil, notFound("message_seq %d: no such message in %s %d", seq, scene, peer)
		}
		return milky.GetMessageOutput{Message: *m}, nil
	})
}

func (s *Sim) getHistoryMessages(p *milky.Params) locked {
	scene := p.Scene("message_scene")
	peer := p.Uin("peer_id")
	start := p.OptInt64("start_message_seq")
	limit := p.Int32Def("limit", 20)
	return s.inConv(scene, peer, func(c *conv) (any, error) {
		msgs, next := c.history(start, min(int(limit), maxHistoryLimit))
		return milky.GetHistoryMessagesOutput{Messages: msgs, NextMessageSeq: next}, nil
	})
}

func (s *Sim) getResourceTempURL(p *milky.Params) locked {
	id := p.NonEmpty("resource_id")
	return func() (any, error) {
		r := s.w.resources[id]
		if r == nil {
			return nil, notFound("resource_id %q: no such resource", id)
		}
		return milky.GetResourceTempURLOutput{URL: fmt.Sprintf("%s?rkey=%d", s.w.resURL(r), s.w.newSerial())}, nil
	}
}

func (s *Sim) getForwardedMessages(p *milky.Params) locked {
	id := p.NonEmpty("forward_id")
	return func() (any, error) {
		nodes, ok := s.w.forwards[id]
		if !ok {
			return nil, notFound("forward_id %q: no such forwarded message", id)
		}
		return milky.GetForwardedMessagesOutput{Messages: append([]milky.IncomingForwardedMessage(nil), nodes...)}, nil
	}
}

func (s *Sim) markMessageAsRead(p *milky.Params) locked {
	scene := p.Scene("message_scene")
	peer := p.Uin("peer_id")
	seq := p.Int64("message_seq")
	return s.inConv(scene, peer, func(c *conv) (any, error) {
		c.readSeq = max(c.readSeq, seq)
		return milky.Empty{}, nil
	})
}
