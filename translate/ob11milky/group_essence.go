package ob11milky

import (
	"context"

	"github.com/qqbridge/gateway/idmap"
	"github.com/qqbridge/gateway/milky"
	"github.com/qqbridge/gateway/onebot11"
	"github.com/qqbridge/gateway/segment"
)

// Essence (精华) messages: set/unset by message_id, list in go-cqhttp's shape.

// setEssenceMsg: message_id → set_group_essence_message is_set true.
func setEssenceMsg(ctx context.Context, env *Env, p *onebot11.Reader) (any, error) {
	return setEssence(ctx, env, p, true)
}

// deleteEssenceMsg: message_id → set_group_essence_message is_set false.
func deleteEssenceMsg(ctx context.Context, env *Env, p *onebot11.Reader) (any, error) {
	return setEssence(ctx, env, p, false)
}

func setEssence(ctx context.Context, env *Env, p *onebot11.Reader, set bool) (any, error) {
	id, ref := messageIDParam(env, p, "message_id", "msg_id")
	if err := p.Err(); err != nil {
		return nil, err
	}
	if ref.Scene != milky.SceneGroup {
		return nil, onebot11.Errorf(onebot11.RetcodeBadRequest, "parameter message_id: message %d is a %s message; only group messages can be essence", id, ref.Scene)
	}
	return nil, env.Upstream.Call(ctx, milky.APISetGroupEssenceMessage,
		&milky.SetGroupEssenceMessageInput{GroupID: ref.Peer, MessageSeq: ref.Seq, IsSet: set}, nil)
}

// Essence pages are fetched until is_end. The cap only stops an upstream
// that never says is_end (QQ keeps a few hundred essence messages a group).
const (
	essencePageSize = 50
	essenceMaxPages = 100
)

// getEssenceMsgList (get_essence_msg_list, get_group_essence_msg): group_id
// → get_group_essence_messages, every page.
func getEssenceMsgList(ctx context.Context, env *Env, p *onebot11.Reader) (any, error) {
	groupID := uinParam(p, "group_id")
	if err := p.Err(); err != nil {
		return nil, err
	}
	list := []onebot11.EssenceMsg{}
	for page := int32(0); ; page++ {
		if page == essenceMaxPages {
			return nil, onebot11.Errorf(onebot11.RetcodeUpstream, "upstream get_group_essence_messages did not reach is_end after %d pages of %d", essenceMaxPages, essencePageSize)
		}
		var out milky.GetGroupEssenceMessagesOutput
		in := milky.GetGroupEssenceMessagesInput{GroupID: groupID, PageIndex: page, PageSize: essencePageSize}
		if err := env.Upstream.Call(ctx, milky.APIGetGroupEssenceMessages, &in, &out); err != nil {
			return nil, segment.Wrapf(err, "page %d", page)
		}
		for i := range out.Messages {
			list = append(list, toEssenceMsg(env, groupID, &out.Messages[i]))
		}
		// An empty page ends the list too: an upstream that keeps saying
		// "not the end" with nothing in it would otherwise be asked again.
		if out.IsEnd || len(out.Messages) == 0 {
			return list, nil
		}
	}
}

func toEssenceMsg(env *Env, groupID int64, m *milky.GroupEssenceMessage) onebot11.EssenceMsg {
	e := onebot11.EssenceMsg{
		SenderID: m.SenderID, SenderNick: m.SenderName, SenderTime: m.MessageTime,
		OperatorID: m.OperatorID, OperatorNick: m.OperatorName, OperatorTime: m.OperationTime,
		Content: env.IncomingSegments(milky.SceneGroup, groupID, m.Segments),
	}
	if env.IDs != nil {
		e.MessageID = env.IDs.IDFor(idmap.Ref{Scene: milky.SceneGroup, Peer: groupID, Seq: m.MessageSeq})
	}
	return e
}
