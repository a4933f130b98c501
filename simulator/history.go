package simulator

import (
	"fmt"
	"slices"
	"sort"
	"strings"

	"github.com/qqbridge/gateway/milky"
)

// Message history, resources and merged forwards: the parts of the world
// that messages are made of.

// Bounds that keep a long-running demo's memory flat. What falls out
// behaves like expired QQ data: not found.
const (
	maxHistoryPerConv = 5000
	maxResources      = 20000
	maxForwards       = 5000
	maxPrivFiles      = 2000
	maxResourceBytes  = 4 << 20 // bigger base64:// content is not kept for serving
)

// remember stores v under id and evicts the oldest entries beyond max.
func remember[V any](order *[]string, m map[string]V, id string, v V, max int) {
	if _, ok := m[id]; !ok {
		*order = append(*order, id)
	}
	m[id] = v
	for len(*order) > max {
		delete(m, (*order)[0])
		*order = (*order)[1:]
	}
}

func (w *world) conv(k convKey) *conv {
	c := w.convs[k]
	if c == nil {
		c = &conv{key: k, nextSeq: 1}
		w.convs[k] = c
	}
	return c
}

// store appends a message to a conversation with the next message_seq and
// entity snapshots as of now.
func (w *world) store(c *conv, sender, t int64, segs []milky.IncomingSegment) *milky.IncomingMessage {
	if segs == nil {
		segs = []milky.IncomingSegment{}
	}
	m := &milky.IncomingMessage{MessageScene: c.key.scene, PeerID: c.key.peer, MessageSeq: c.nextSeq,
		SenderID: sender, Time: t, Segments: segs}
	c.nextSeq++
	switch c.key.scene {
	case milky.SceneFriend:
		f := w.friendEntity(c.key.peer)
		m.Friend = &f
	case milky.SceneGroup:
		if g := w.groups[c.key.peer]; g != nil {
			info := g.info
			m.Group = &info
			mem := w.memberEntity(g, sender)
			if live := g.members[sender]; live != nil {
				live.LastSentTime = t
				mem.LastSentTime = t
			}
			m.GroupMember = &mem
		}
	case milky.SceneTemp:
		if g := w.groups[c.tempFrom]; g != nil {
			info := g.info
			m.Group = &info
		}
	}
	c.msgs = append(c.msgs, m)
	if len(c.msgs) > maxHistoryPerConv {
		c.msgs = c.msgs[1:]
	}
	return m
}

// find returns the message with seq and its index, or nil.
func (c *conv) find(seq int64) (*milky.IncomingMessage, int) {
	i := sort.Search(len(c.msgs), func(i int) bool { return c.msgs[i].MessageSeq >= seq })
	if i < len(c.msgs) && c.msgs[i].MessageSeq == seq {
		return c.msgs[i], i
	}
	return nil, -1
}

func (c *conv) remove(seq int64) *milky.IncomingMessage {
	m, i := c.find(seq)
	if m != nil {
		c.msgs = slices.Delete(c.msgs, i, i+1)
	}
	return m
}

// friendEntity is the friend as the friend list shows it, or a stand-in
// built from the profile for someone who is no longer (or not yet) a friend.
func (w *world) friendEntity(uin int64) milky.Friend {
	if f := w.friends[uin]; f != nil {
		return *f
	}
	p := w.profileOf(uin)
	return milky.Friend{UserID: uin, Nickname: p.nickname, Sex: p.sex, QID: p.qid, Category: w.category}
}

// memberEntity is the member, or a plain-member stand-in for a sender who
// is not (or no longer) in the group.
func (w *world) memberEntity(g *group, uin int64) milky.GroupMember {
	if m := g.members[uin]; m != nil {
		c := *m
		if m.ShutUpEndTime != nil {
			c.ShutUpEndTime = ptr(*m.ShutUpEndTime)
		}
		return c
	}
	p := w.profileOf(uin)
	return milky.GroupMember{UserID: uin, Nickname: p.nickname, Sex: p.sex, GroupID: g.info.GroupID, Role: "member", Level: 1}
}

// replyTo builds the incoming reply segment quoting seq in c (Milky 1.2
// carries the quoted sender, time and content). Nested quotes are dropped,
// as QQ shows only one level.
func (w *world) replyTo(c *conv, seq int64) milky.IncomingSegment {
	m, _ := c.find(seq)
	d := milky.IncomingSegmentData{MessageSeq: seq, Segments: []milky.IncomingSegment{}}
	if m != nil {
		d.SenderID = m.SenderID
		d.Time = m.Time
		for _, s := range m.Segments {
			if s.Type != milky.SegReply {
				d.Segments = append(d.Segments, s)
			}
		}
	}
	return milky.IncomingSegment{Type: milky.SegReply, Data: d}
}

func (w *world) newResource(kind, uri string, data []byte) *resource {
	if len(data) > maxResourceBytes {
		data = nil
	}
	r := &resource{id: fmt.Sprintf("sim-%s-%d", kind, w.newSerial()), kind: kind, uri: uri, data: data}
	w.putResource(r)
	return r
}

func (w *world) putResource(r *resource) {
	remember(&w.resOrder, w.resources, r.id, r, maxResources)
}

func (w *world) resURL(r *resource) string { return w.base + "/sim/res/" + r.id }

func (w *world) imageData(r *resource, summary, subType string) milky.IncomingSegmentData {
	return milky.IncomingSegmentData{ResourceID: r.id, TempURL: w.resURL(r), Width: r.w, Height: r.h,
		Summary: summary, SubType: subType}
}

// storeForward keeps the nodes under a new forward_id and returns the
// incoming forward segment that points at them.
func (w *world) storeForward(nodes []milky.IncomingForwardedMessage, title, summary string) milky.IncomingSegment {
	id := fmt.Sprintf("sim-forward-%d", w.newSerial())
	remember(&w.fwdOrder, w.forwards, id, nodes, maxForwards)
	preview := make([]string, 0, 4)
	for _, n := range nodes {
		if len(preview) == 4 {
			break
		}
		preview = append(preview, n.SenderName+": "+plainText(n.Segments))
	}
	if summary == "" {
		summary = fmt.Sprintf("查看%d条转发消息", len(nodes))
	}
	return milky.IncomingSegment{Type: milky.SegForward, Data: milky.IncomingSegmentData{
		ForwardID: id, Title: title, Preview: preview, Summary: summary}}
}

// plainText renders segments the way QQ previews them.
func plainText(segs []milky.IncomingSegment) string {
	var b strings.Builder
	for _, s := range segs {
		d := s.Data
		switch s.Type {
		case milky.SegText:
			b.WriteString(d.Text)
		case milky.SegMention:
			b.WriteString("@" + d.Name)
		case milky.SegMentionAll:
			b.WriteString("@全体成员")
		case milky.SegFace:
			b.WriteString("[表情]")
		case milky.SegImage:
			if d.Summary != "" {
				b.WriteString(d.Summary)
			} else {
				b.WriteString("[图片]")
			}
		case milky.SegRecord:
			b.WriteString("[语音]")
		case milky.SegVideo:
			b.WriteString("[视频]")
		case milky.SegFile:
			b.WriteString("[文件]" + d.FileName)
		case milky.SegForward:
			b.WriteString("[聊天记录]")
		case milky.SegMarketFace:
			b.WriteString(d.Summary)
		case milky.SegLightApp:
			b.WriteString("[小程序]")
		case milky.SegXML:
			b.WriteString("[XML]")
		}
	}
	return b.String()
}

// history pages back from start (inclusive; nil = newest), at most limit
// messages, ascending; next is the seq to ask for the following page.
func (c *conv) history(start *int64, limit int) ([]milky.IncomingMessage, *int64) {
	end := len(c.msgs) // exclusive
	if start != nil {
		end = sort.Search(len(c.msgs), func(i int) bool { return c.msgs[i].MessageSeq > *start })
	}
	from := max(end-limit, 0)
	out := make([]milky.IncomingMessage, 0, end-from)
	for _, m := range c.msgs[from:end] {
		out = append(out, *m)
	}
	var next *int64
	if from > 0 {
		next = ptr(c.msgs[from-1].MessageSeq)
	}
	return out, next
}
