package milkyob11

import (
	"context"
	"sort"

	"github.com/qqbridge/gateway/idmap"
	"github.com/qqbridge/gateway/milky"
	"github.com/qqbridge/gateway/onebot11"
)

// Group requests. OneBot names a request by an opaque flag; Milky by a
// notification_seq (join and invited-join requests) or an invitation_seq
// (the bot's own invitations), which FlagMapper issues per kind. Both
// request kinds of Milky (join_request, invited_join_request) are OneBot
// "add" requests; invitations of the bot are "invite" requests.

// joinRequestNotification and invitedJoinRequestNotification are the two
// GroupNotification variants OneBot can list, with exactly the schema's
// fields (milky.GroupNotification, the flattened union, would drop a false
// is_filtered).
type joinRequestNotification struct {
	Type            string `json:"type"`
	GroupID         int64  `json:"group_id"`
	NotificationSeq int64  `json:"notification_seq"`
	IsFiltered      bool   `json:"is_filtered"`
	InitiatorID     int64  `json:"initiator_id"`
	State           string `json:"state"`
	Comment         string `json:"comment"`
}

type invitedJoinRequestNotification struct {
	Type            string `json:"type"`
	GroupID         int64  `json:"group_id"`
	NotificationSeq int64  `json:"notification_seq"`
	InitiatorID     int64  `json:"initiator_id"`
	TargetUserID    int64  `json:"target_user_id"`
	State           string `json:"state"`
}

type groupNotificationsOutput struct {
	Notifications       []any  `json:"notifications"`
	NextNotificationSeq *int64 `json:"next_notification_seq,omitempty"`
}

// joinRequestReply is one join_requests item of get_group_system_msg:
// go-cqhttp's request_id is the flag; NapCat also sends flag.
type joinRequestReply struct {
	RequestID    text `json:"request_id"`
	Flag         text `json:"flag"`
	RequesterUin num  `json:"requester_uin"`
	InvitorUin   num  `json:"invitor_uin"`
	Message      text `json:"message"`
	GroupID      num  `json:"group_id"`
	Checked      bool `json:"checked"`
}

func (j *joinRequestReply) flag() string {
	if j.Flag != "" {
		return string(j.Flag)
	}
	return string(j.RequestID)
}

func validUin(v num) bool { return v >= milky.MinUin && v <= milky.MaxUin }

func getGroupNotifications(ctx context.Context, env *Env, p *milky.Params) (any, error) {
	start := p.OptInt64("start_notification_seq")
	filtered := p.BoolDef("is_filtered", false)
	limit := p.Int32Def("limit", 20)
	if err := p.Err(); err != nil {
		return nil, err
	}
	if filtered {
		return nil, &errUnsupported{"is_filtered=true: OneBot 11 has no list of filtered group requests"}
	}
	var r struct {
		JoinRequests []joinRequestReply `json:"join_requests"`
	}
	if err := env.Upstream.Call(ctx, "get_group_system_msg", nil, &r); err != nil {
		return nil, err
	}
	type item struct {
		seq int64
		v   any
	}
	items := make([]item, 0, len(r.JoinRequests))
	for i := range r.JoinRequests {
		j := &r.JoinRequests[i]
		// Handled requests are left out: OneBot does not say whether they
		// were accepted or rejected, and a guess would be a wrong answer.
		if j.Checked || j.flag() == "" || !validUin(j.GroupID) || !validUin(j.RequesterUin) {
			continue
		}
		seq := env.Flags.SeqForFlag(idmap.FlagGroupRequest, j.flag())
		if start != nil && seq > *start {
			continue
		}
		if validUin(j.InvitorUin) {
			items = append(items, item{seq, invitedJoinRequestNotification{Type: milky.NotifyInvitedJoinRequest, GroupID: int64(j.GroupID),
				NotificationSeq: seq, InitiatorID: int64(j.InvitorUin), TargetUserID: int64(j.RequesterUin), State: "pending"}})
			continue
		}
		items = append(items, item{seq, joinRequestNotification{Type: milky.NotifyJoinRequest, GroupID: int64(j.GroupID),
			NotificationSeq: seq, InitiatorID: int64(j.RequesterUin), State: "pending", Comment: string(j.Message)}})
	}
	sort.Slice(items, func(a, b int) bool { return items[a].seq > items[b].seq })
	out := groupNotificationsOutput{Notifications: []any{}}
	for i, it := range items {
		if i == int(limit) {
			next := it.seq
			out.NextNotificationSeq = &next
			break
		}
		out.Notifications = append(out.Notifications, it.v)
	}
	return out, nil
}

func groupFlag(env *Env, kind string, seq int64, field string) (string, error) {
	if env.Flags != nil {
		if flag, ok := env.Flags.FlagForSeq(kind, seq); ok {
			return flag, nil
		}
	}
	return "", notFound("%s %d: no such request known to the gateway", field, seq)
}

func answerGroupRequest(ctx context.Context, env *Env, p *milky.Params, approve bool) (any, error) {
	seq := p.Int64("notification_seq")
	p.Enum("notification_type", "join_request", "invited_join_request")
	p.Uin("group_id")
	p.BoolDef("is_filtered", false)
	var reason *string
	if !approve {
		reason = p.OptString("reason")
	}
	if err := p.Err(); err != nil {
		return nil, err
	}
	flag, err := groupFlag(env, idmap.FlagGroupRequest, seq, "notification_seq")
	if err != nil {
		return nil, err
	}
	params := obj{"flag": flag, "sub_type": onebot11.SubAdd, "type": onebot11.SubAdd, "approve": approve}
	if reason != nil {
		params["reason"] = *reason
	}
	return nil, env.Upstream.Call(ctx, "set_group_add_request", params, nil)
}

func acceptGroupRequest(ctx context.Context, env *Env, p *milky.Params) (any, error) {
	return answerGroupRequest(ctx, env, p, true)
}

func rejectGroupRequest(ctx context.Context, env *Env, p *milky.Params) (any, error) {
	return answerGroupRequest(ctx, env, p, false)
}

func answerInvitation(ctx context.Context, env *Env, p *milky.Params, approve bool) (any, error) {
	p.Uin("group_id")
	seq := p.Int64("invitation_seq")
	if err := p.Err(); err != nil {
		return nil, err
	}
	flag, err := groupFlag(env, idmap.FlagInvitation, seq, "invitation_seq")
	if err != nil {
		return nil, err
	}
	return nil, env.Upstream.Call(ctx, "set_group_add_request", obj{"flag": flag, "sub_type": onebot11.SubInvite, "type": onebot11.SubInvite, "approve": approve}, nil)
}

func acceptGroupInvitation(ctx context.Context, env *Env, p *milky.Params) (any, error) {
	return answerInvitation(ctx, env, p, true)
}

func rejectGroupInvitation(ctx context.Context, env *Env, p *milky.Params) (any, error) {
	return answerInvitation(ctx, env, p, false)
}
