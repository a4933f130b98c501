package milkyob11

import (
	"bytes"
	"context"
	"sort"
	"strconv"
	"strings"

	"github.com/goccy/go-json"

	"github.com/qqbridge/gateway/idmap"
	"github.com/qqbridge/gateway/milky"
	"github.com/qqbridge/gateway/onebot11"
	"github.com/qqbridge/gateway/segment"
	"github.com/qqbridge/gateway/translate/class"
)

// Reading messages: get_msg and the history extensions answer OneBot
// message objects; the sender object stands in for Milky's friend and
// group_member entities (join_time and last_sent_time 0, qid and remark ""),
// and one get_group_info call per request fills the group entity.

var messageGetAPIs = []API{
	{Name: milky.APIGetMessage, Category: "message", Class: class.Translated, OneBot: []string{"get_msg", "get_group_info"},
		Reason: "friend and group_member are built from the message's sender (qid, remark, join_time, last_sent_time empty)", Handler: getMessage},
	{Name: milky.APIGetHistoryMessages, Category: "message", Class: class.Translated,
		OneBot:   []string{"get_group_msg_history", "get_friend_msg_history", "get_group_info", "get_msg"},
		Requires: []string{"get_group_msg_history"},
		Reason:   "temp conversations have no history action; friend history needs get_friend_msg_history (not go-cqhttp, Shamrock)", Handler: getHistoryMessages},
	{Name: milky.APIGetResourceTempURL, Category: "message", Class: class.Translated, OneBot: []string{"get_file", "get_image"},
		Reason: "without get_file (go-cqhttp, Lagrange, Shamrock) only images resolve, through get_image", Handler: getResourceTempURL},
	{Name: milky.APIGetForwardedMessages, Category: "message", Class: class.Translated, OneBot: []string{"get_forward_msg"},
		Reason: "message_seq of a forwarded node is 0 (nodes are not in a conversation); avatar_url is QQ's public avatar address", Handler: getForwardedMessages},
}

// messageReply is a OneBot message object (get_msg, history items).
type messageReply struct {
	Time        num             `json:"time"`
	MessageType string          `json:"message_type"`
	MessageID   num             `json:"message_id"`
	RealSeq     num             `json:"real_seq"`
	MessageSeq  num             `json:"message_seq"`
	UserID      num             `json:"user_id"`
	GroupID     num             `json:"group_id"`
	Message     json.RawMessage `json:"message"`
	Sender      senderReply     `json:"sender"`
}

type senderReply struct {
	UserID   num    `json:"user_id"`
	Nickname string `json:"nickname"`
	Card     string `json:"card"`
	Sex      string `json:"sex"`
	Role     string `json:"role"`
	Title    string `json:"title"`
	Level    text   `json:"level"`
}

func (m *messageReply) senderID() int64 {
	if m.Sender.UserID != 0 {
		return int64(m.Sender.UserID)
	}
	return int64(m.UserID)
}

// incoming builds a Milky message; group is the conversation's group
// (scene group only).
func incoming(env *Env, scene string, peer, seq int64, m *messageReply, group *milky.Group, quotes segment.QuoteLookup) (milky.IncomingMessage, error) {
	conv := segment.Incoming{Seqs: env.Seqs, Quotes: quotes}
	segs, err := conv.FromOneBotRaw(scene, peer, m.Message)
	if err != nil {
		return milky.IncomingMessage{}, &milky.APIError{Retcode: RetcodeUpstream, Message: "upstream message: " + clip(err.Error())}
	}
	out := milky.IncomingMessage{MessageScene: scene, PeerID: peer, MessageSeq: seq, SenderID: m.senderID(),
		Time: nonNeg64(m.Time), Segments: segs}
	s := &m.Sender
	switch scene {
	case idmap.SceneFriend:
		out.Friend = &milky.Friend{UserID: out.SenderID, Nickname: s.Nickname, Sex: sex(s.Sex)}
		if out.SenderID == env.selfID() {
			// the bot's own message: the friend is the peer, whom the
			// sender object does not describe
			out.Friend = &milky.Friend{UserID: peer, Sex: "unknown"}
		}
	case idmap.SceneGroup:
		out.Group = group
		out.GroupMember = &milky.GroupMember{UserID: out.SenderID, Nickname: s.Nickname, Sex: sex(s.Sex), GroupID: peer,
			Card: s.Card, Title: s.Title, Level: level(string(s.Level)), Role: role(s.Role)}
	}
	return out, nil
}

func groupEntity(ctx context.Context, env *Env, gid int64) (*milky.Group, error) {
	var r groupReply
	if err := env.Upstream.Call(ctx, "get_group_info", obj{"group_id": gid}, &r); err != nil {
		return nil, err
	}
	g := r.milky()
	g.GroupID = gid
	return &g, nil
}

func getMessage(ctx context.Context, env *Env, p *milky.Params) (any, error) {
	scene := p.Scene("message_scene")
	peer := p.Uin("peer_id")
	seq := p.Int64("message_seq")
	id, err := upstreamID(env, p, scene, peer, seq)
	if err != nil {
		return nil, err
	}
	var m messageReply
	if err := env.Upstream.Call(ctx, "get_msg", getMsgParamsJSON(num(id)), &m); err != nil {
		return nil, err
	}
	var group *milky.Group
	if scene == idmap.SceneGroup {
		if group, err = groupEntity(ctx, env, peer); err != nil {
			return nil, err
		}
	}
	learnQuotedSeqs(ctx, env, scene, peer, m.Message, nil)
	msg, err := incoming(env, scene, peer, seq, &m, group, env.Quotes)
	if err != nil {
		return nil, err
	}
	return milky.GetMessageOutput{Message: msg}, nil
}

// maxHistory is Milky's upper bound on a history page.
const maxHistory = 30

// getHistoryMessages asks for one message more than the page: the extra
// (oldest) one is not returned, and its seq is next_message_seq, so the next
// page starts exactly there.
func getHistoryMessages(ctx context.Context, env *Env, p *milky.Params) (any, error) {
	scene := p.Scene("message_scene")
	peer := p.Uin("peer_id")
	start := p.OptInt64("start_message_seq")
	limit := p.Int32Def("limit", 20)
	if err := p.Err(); err != nil {
		return nil, err
	}
	if limit > maxHistory {
		limit = maxHistory
	}
	var action, peerField string
	switch scene {
	case idmap.SceneGroup:
		action, peerField = "get_group_msg_history", "group_id"
	case idmap.SceneFriend:
		if env.pick("get_friend_msg_history") == "" {
			return nil, &errUnsupported{string(env.impl()) + " has no get_friend_msg_history"}
		}
		action, peerField = "get_friend_msg_history", "user_id"
	default:
		return nil, &errUnsupported{"OneBot 11 has no history of temp conversations"}
	}
	params := obj{peerField: peer, "count": limit + 1}
	if start != nil {
		id, err := upstreamID(env, p, scene, peer, *start)
		if err != nil {
			return nil, err
		}
		params["message_seq"] = id
	}
	var r struct {
		Messages []messageReply `json:"messages"`
	}
	if err := env.Upstream.Call(ctx, action, params, &r); err != nil {
		return nil, err
	}
	var group *milky.Group
	if scene == idmap.SceneGroup && len(r.Messages) > 0 {
		var err error
		if group, err = groupEntity(ctx, env, peer); err != nil {
			return nil, err
		}
	}
	quotes := &pageQuotes{env: env, next: env.Quotes, byID: make(map[int32]*messageReply, len(r.Messages))}
	for i := range r.Messages {
		quotes.byID[int32(r.Messages[i].MessageID)] = &r.Messages[i]
	}
	out := milky.GetHistoryMessagesOutput{Messages: make([]milky.IncomingMessage, 0, len(r.Messages))}
	for i := range r.Messages {
		m := &r.Messages[i]
		if m.MessageID == 0 || !validUin(num(m.senderID())) {
			continue // a recalled or broken entry: Milky wants a gap, not a placeholder
		}
		ref := env.Seqs.RefForUpstream(scene, peer, int32(m.MessageID), env.impl().ConversationSeq(nonNeg64(m.RealSeq), nonNeg64(m.MessageSeq)))
		if start != nil && ref.Seq > *start {
			continue
		}
		learnQuotedSeqs(ctx, env, scene, peer, m.Message, func(id int32) bool { return quotes.byID[id] != nil })
		msg, err := incoming(env, scene, peer, ref.Seq, m, group, quotes)
		if err != nil {
			return nil, err
		}
		out.Messages = append(out.Messages, msg)
	}
	// Oldest first by time, not by seq: seqs are issued in the order the
	// gateway first sees messages (an event before older history), so the
	// lowest seq is not the oldest message and must not be the one dropped.
	sort.SliceStable(out.Messages, func(a, b int) bool { return out.Messages[a].Time < out.Messages[b].Time })
	if len(out.Messages) > int(limit) {
		next := out.Messages[0].MessageSeq
		out.Messages = out.Messages[1:]
		out.NextMessageSeq = &next
	}
	return out, nil
}

// getResourceTempURL: resource ids are the OneBot segment's file_id (or
// file), which get_file resolves on NapCat and LLOneBot; elsewhere
// get_image, which serves images only.
func getResourceTempURL(ctx context.Context, env *Env, p *milky.Params) (any, error) {
	id := p.NonEmpty("resource_id")
	if err := p.Err(); err != nil {
		return nil, err
	}
	var r struct {
		URL string `json:"url"`
	}
	var err error
	if env.pick("get_file") != "" {
		err = env.Upstream.Call(ctx, "get_file", obj{"file_id": id, "file": id}, &r)
	} else {
		err = env.Upstream.Call(ctx, "get_image", obj{"file": id}, &r)
	}
	if err != nil {
		return nil, err
	}
	if r.URL == "" {
		return nil, notFound("resource_id %q: the upstream has no URL for it", clip(id))
	}
	return milky.GetResourceTempURLOutput{URL: r.URL}, nil
}

// forwardNode is one node of get_forward_msg: content (NapCat, LLOneBot)
// or message (go-cqhttp, Shamrock).
type forwardNode struct {
	Time    num             `json:"time"`
	Content json.RawMessage `json:"content"`
	Message json.RawMessage `json:"message"`
	Sender  senderReply     `json:"sender"`
}

func getForwardedMessages(ctx context.Context, env *Env, p *milky.Params) (any, error) {
	id := p.NonEmpty("forward_id")
	if err := p.Err(); err != nil {
		return nil, err
	}
	var r struct {
		Messages []forwardNode `json:"messages"`
	}
	// go-cqhttp and Shamrock name the parameter id, LLOneBot message_id;
	// NapCat takes either.
	if err := env.Upstream.Call(ctx, "get_forward_msg", obj{"id": id, "message_id": id}, &r); err != nil {
		return nil, err
	}
	conv := segment.Incoming{Seqs: env.Seqs}
	out := milky.GetForwardedMessagesOutput{Messages: make([]milky.IncomingForwardedMessage, 0, len(r.Messages))}
	for _, n := range r.Messages {
		body := n.Content
		if len(body) == 0 {
			body = n.Message
		}
		segs, err := conv.FromOneBotRaw(idmap.SceneFriend, 0, body)
		if err != nil {
			return nil, &milky.APIError{Retcode: RetcodeUpstream, Message: "upstream forward node: " + clip(err.Error())}
		}
		name := n.Sender.Nickname
		if n.Sender.Card != "" {
			name = n.Sender.Card
		}
		avatar := ""
		if validUin(n.Sender.UserID) {
			avatar = "https://q1.qlogo.cn/g?b=qq&nk=" + strconv.FormatInt(int64(n.Sender.UserID), 10) + "&s=640"
		}
		out.Messages = append(out.Messages, milky.IncomingForwardedMessage{SenderName: name, AvatarURL: avatar,
			Time: nonNeg64(n.Time), Segments: segs})
	}
	return out, nil
}

// pageQuotes resolves reply segments that quote a message of the same
// history page (the common case: a conversation quotes recent messages),
// then asks next. A quoted message's own replies are not resolved further.
type pageQuotes struct {
	env  *Env
	next segment.QuoteLookup
	byID map[int32]*messageReply
}

func (q *pageQuotes) Quoted(scene string, peer int64, id int32, seq int64) (segment.Quoted, bool) {
	if m, ok := q.byID[id]; ok {
		conv := segment.Incoming{Seqs: q.env.Seqs}
		segs, err := conv.FromOneBotRaw(scene, peer, m.Message)
		if err != nil {
			return segment.Quoted{}, false
		}
		return segment.Quoted{SenderID: m.senderID(), Time: nonNeg64(m.Time), Segments: segs}, true
	}
	if q.next != nil {
		return q.next.Quoted(scene, peer, id, seq)
	}
	return segment.Quoted{}, false
}

// learnQuotedSeqs gives the messages that message's reply segments quote
// their own conversation seq before the segments are converted, where the
// upstream reports one (onebot11.Impl.ReportsSeq): a OneBot reply names
// only the message_id, and a message first met that way would otherwise
// take the conversation's next seq for good (idmap: the same id always
// yields the same Ref). One get_msg per quote the gateway does not know
// yet; onPage (may be nil) names the ids the caller registers itself.
// Failures leave the quote to the usual rule.
func learnQuotedSeqs(ctx context.Context, env *Env, scene string, peer int64, message json.RawMessage, onPage func(int32) bool) {
	if !env.impl().ReportsSeq() || !bytes.Contains(message, []byte("reply")) {
		return
	}
	segs, err := segment.DecodeOneBotMessage(message)
	if err != nil {
		return
	}
	for _, s := range segs {
		if s.Type != onebot11.SegReply {
			continue
		}
		id, err := strconv.ParseInt(strings.TrimSpace(s.DataString("id")), 10, 32)
		if err != nil || (onPage != nil && onPage(int32(id))) {
			continue
		}
		var q messageReply
		if err := env.Upstream.Call(ctx, "get_msg", getMsgParamsJSON(num(id)), &q); err != nil {
			continue
		}
		if seq := env.impl().ConversationSeq(nonNeg64(q.RealSeq), nonNeg64(q.MessageSeq)); seq > 0 {
			env.Seqs.RefForUpstream(scene, peer, int32(id), seq)
		}
	}
}
