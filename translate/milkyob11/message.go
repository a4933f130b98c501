package milkyob11

import (
	"context"

	"github.com/qqbridge/gateway/idmap"
	"github.com/qqbridge/gateway/milky"
	"github.com/qqbridge/gateway/translate/class"
)

var messageAPIs = []API{
	{Name: milky.APIRecallPrivateMessage, Category: "message", Class: class.Translated, OneBot: []string{"delete_msg"}, Handler: recallPrivateMessage},
	{Name: milky.APIRecallGroupMessage, Category: "message", Class: class.Translated, OneBot: []string{"delete_msg"}, Handler: recallGroupMessage},
	{Name: milky.APIMarkMessageAsRead, Category: "message", Class: class.Translated,
		OneBot:   []string{"mark_group_msg_as_read", "mark_private_msg_as_read", "mark_msg_as_read"},
		Requires: []string{"mark_group_msg_as_read", "mark_msg_as_read"},
		Reason:   "NapCat marks the whole conversation read (its mark_*_msg_as_read take no message)", Handler: markMessageAsRead},
}

func recall(ctx context.Context, env *Env, p *milky.Params, scene, peerField string) (any, error) {
	peer := p.Uin(peerField)
	seq := p.Int64("message_seq")
	id, err := upstreamID(env, p, scene, peer, seq)
	if err != nil {
		return nil, err
	}
	return nil, env.Upstream.Call(ctx, "delete_msg", obj{"message_id": id}, nil)
}

func recallPrivateMessage(ctx context.Context, env *Env, p *milky.Params) (any, error) {
	return recall(ctx, env, p, idmap.SceneFriend, "user_id")
}

func recallGroupMessage(ctx context.Context, env *Env, p *milky.Params) (any, error) {
	return recall(ctx, env, p, idmap.SceneGroup, "group_id")
}

// markMessageAsRead: NapCat marks a conversation by peer (the message is
// implied: everything up to now); go-cqhttp, LLOneBot and Lagrange mark by
// message_id, which needs the seq to be known.
func markMessageAsRead(ctx context.Context, env *Env, p *milky.Params) (any, error) {
	scene := p.Scene("message_scene")
	peer := p.Uin("peer_id")
	seq := p.Int64("message_seq")
	if err := p.Err(); err != nil {
		return nil, err
	}
	if env.pick("mark_group_msg_as_read") != "" {
		if scene == idmap.SceneGroup {
			return nil, env.Upstream.Call(ctx, "mark_group_msg_as_read", obj{"group_id": peer}, nil)
		}
		return nil, env.Upstream.Call(ctx, "mark_private_msg_as_read", obj{"user_id": peer}, nil)
	}
	id, err := upstreamID(env, p, scene, peer, seq)
	if err != nil {
		return nil, err
	}
	return nil, env.Upstream.Call(ctx, "mark_msg_as_read", obj{"message_id": id}, nil)
}
