package ob11milky

import (
	"context"

	"github.com/qqbridge/gateway/idmap"
	"github.com/qqbridge/gateway/milky"
	"github.com/qqbridge/gateway/onebot11"
	"github.com/qqbridge/gateway/segment"
)

// Message history: get_group_msg_history (go-cqhttp family),
// get_friend_msg_history (LLOneBot/NapCat) and get_history_msg (Shamrock)
// all become get_history_messages.

const (
	historyPageSize     = 30   // Milky's most per get_history_messages call
	historyDefaultCount = 20   // OneBot's and Milky's default
	historyMaxCount     = 1000 // bounds one action to 34 upstream calls
)

// getGroupMsgHistory: group_id, message_seq, count, reverseOrder.
func getGroupMsgHistory(ctx context.Context, env *Env, p *onebot11.Reader) (any, error) {
	groupID := uinParam(p, "group_id")
	if err := p.Err(); err != nil {
		return nil, err
	}
	return env.history(ctx, p, milky.SceneGroup, groupID)
}

// getFriendMsgHistory: user_id, message_seq, count, reverseOrder.
func getFriendMsgHistory(ctx context.Context, env *Env, p *onebot11.Reader) (any, error) {
	userID := uinParam(p, "user_id")
	if err := p.Err(); err != nil {
		return nil, err
	}
	return env.history(ctx, p, milky.SceneFriend, userID)
}

// getHistoryMsg: message_type (private|group; inferred from the id given
// when absent), user_id or group_id, message_seq, count.
func getHistoryMsg(ctx context.Context, env *Env, p *onebot11.Reader) (any, error) {
	typ := p.OptString("", "message_type")
	if err := p.Err(); err != nil {
		return nil, err
	}
	switch typ {
	case onebot11.MessageGroup:
		return getGroupMsgHistory(ctx, env, p)
	case onebot11.MessagePrivate:
		return getFriendMsgHistory(ctx, env, p)
	case "":
		if p.Has("group_id") {
			return getGroupMsgHistory(ctx, env, p)
		}
		if p.Has("user_id") {
			return getFriendMsgHistory(ctx, env, p)
		}
		return nil, onebot11.Errorf(onebot11.RetcodeBadRequest, "missing parameter message_type (or group_id, user_id)")
	}
	return nil, onebot11.Errorf(onebot11.RetcodeBadRequest, "parameter message_type: want private or group, got %q", segment.Shorten(typ, 20))
}

// history reads count messages (default 20, at most 1000) ending at
// message_seq (0 or absent: the latest) in one conversation, oldest first
// (newest first with reverseOrder), each shaped like get_msg's data.
//
// The start may be given as a message_id, as the seeds describe it
// ("起始消息的message_id"), or as a message_seq, as the parameter's name
// says: a value that is a message_id of this conversation is resolved to its
// seq, anything else is taken as a seq. Milky returns at most 30 messages a
// call, so larger counts are read page by page, following next_message_seq
// towards older messages. Recalled messages are missing from Milky's pages,
// so fewer than count may come back even when older history exists.
func (e *Env) history(ctx context.Context, p *onebot11.Reader, scene string, peer int64) (any, error) {
	count := int32Param(p, historyDefaultCount, "count")
	reverse := p.OptBool(false, "reverseOrder", "reverse_order")
	start := e.historyStart(p, scene, peer)
	if err := p.Err(); err != nil {
		return nil, err
	}
	if count == 0 {
		count = historyDefaultCount
	}
	count = min(count, historyMaxCount)

	var pages [][]milky.IncomingMessage // newest page first
	seen := make(map[int64]bool)
	total := 0
	for calls := 0; total < int(count) && calls < int(count)/historyPageSize+4; calls++ {
		in := milky.GetHistoryMessagesInput{MessageScene: scene, PeerID: peer, StartMessageSeq: start,
			Limit: int32(min(historyPageSize, int(count)-total))}
		var out milky.GetHistoryMessagesOutput
		if err := e.Upstream.Call(ctx, milky.APIGetHistoryMessages, &in, &out); err != nil {
			return nil, err
		}
		page := out.Messages[:0:0]
		for _, m := range out.Messages {
			if !seen[m.MessageSeq] {
				seen[m.MessageSeq] = true
				page = append(page, m)
			}
		}
		pages = append(pages, page)
		total += len(page)
		next := out.NextMessageSeq
		if next == nil || (start != nil && *next >= *start) {
			break // the end of history, or an upstream that makes no progress
		}
		start = next
	}

	msgs := make([]milky.IncomingMessage, 0, total)
	for i := len(pages) - 1; i >= 0; i-- {
		msgs = append(msgs, pages[i]...)
	}
	if len(msgs) > int(count) {
		msgs = msgs[len(msgs)-int(count):] // keep the newest
	}
	res := &onebot11.HistoryResult{Messages: make([]*onebot11.MessageEvent, 0, len(msgs))}
	for i := range msgs {
		m := &msgs[i]
		ref := idmap.Ref{Scene: m.MessageScene, Peer: m.PeerID, Seq: m.MessageSeq}
		if ref.Scene == "" || ref.Peer == 0 {
			ref.Scene, ref.Peer = scene, peer
		}
		res.Messages = append(res.Messages, e.messageObject(m, e.IDs.IDFor(ref), ref))
	}
	if reverse {
		for i, j := 0, len(res.Messages)-1; i < j; i, j = i+1, j-1 {
			res.Messages[i], res.Messages[j] = res.Messages[j], res.Messages[i]
		}
	}
	return res, nil
}

// historyStart reads message_seq (or message_id): nil means the latest.
func (e *Env) historyStart(p *onebot11.Reader, scene string, peer int64) *int64 {
	v := p.OptInt64(0, "message_seq", "message_id")
	if !p.OK() || v == 0 {
		return nil
	}
	if v < 0 {
		p.Failf("parameter %s: %d is negative", p.Name("message_seq", "message_id"), v)
		return nil
	}
	if v <= 1<<32-1 {
		if ref, ok := e.IDs.RefFor(int32(uint32(v))); ok && ref.Scene == scene && ref.Peer == peer {
			return &ref.Seq
		}
	}
	return &v
}
