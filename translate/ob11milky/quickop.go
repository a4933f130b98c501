package ob11milky

import (
	"context"

	"github.com/goccy/go-json"
	"github.com/qqbridge/gateway/milky"
	"github.com/qqbridge/gateway/onebot11"
	"github.com/qqbridge/gateway/segment"
)

// quickOperationAPIs are the Milky APIs a quick operation may reach through
// the actions it reuses (sending, recalling, kicking, muting, answering
// requests).
var quickOperationAPIs = []string{
	milky.APISendGroupMessage, milky.APISendPrivateMessage, milky.APIGetMessage, milky.APIGetResourceTempURL,
	milky.APIRecallGroupMessage, milky.APIRecallPrivateMessage, milky.APIKickGroupMember, milky.APISetGroupMemberMute,
	milky.APIAcceptFriendRequest, milky.APIRejectFriendRequest, milky.APIAcceptGroupRequest, milky.APIRejectGroupRequest,
	milky.APIAcceptGroupInvitation, milky.APIRejectGroupInvitation,
	// A reply that is only a poke segment becomes a nudge, one that is
	// only a file segment an upload.
	milky.APISendGroupNudge, milky.APISendFriendNudge, milky.APIUploadGroupFile, milky.APIUploadPrivateFile,
}

// QuickOperation executes a OneBot 11 quick operation: op is what the bot
// answered to event (an HTTP POST response body, or the operation of
// .handle_quick_operation). It reuses the action handlers, so the same
// defaults and checks apply. Operations run in OneBot's order (reply,
// delete, kick, ban; or approve) and the first failure stops the rest.
//
//   - message events: reply (+ auto_escape; at_sender in groups prepends
//     an at of the sender; the reply does not quote the message), delete,
//     kick, ban (+ ban_duration, default 30 min). at_sender defaults to
//     false as in go-cqhttp, NapCat and LLOneBot (the OneBot 11 text says
//     true, but bots written for those expect no at unless they ask);
//   - the bot's own messages (message_sent): refused, see below;
//   - request events: approve (+ remark for friends, reason on a group
//     reject);
//   - other events have no quick operations; op is ignored.
func QuickOperation(ctx context.Context, env *Env, event json.RawMessage, op json.RawMessage) error {
	ev, err := onebot11.ParseParams(event)
	if err != nil {
		return segment.Wrapf(err, "context")
	}
	o, err := onebot11.ParseParams(op)
	if err != nil {
		return segment.Wrapf(err, "operation")
	}
	postType, err := ev.OptString("", "post_type")
	if err != nil {
		return segment.Wrapf(err, "context")
	}
	switch postType {
	case onebot11.PostMessage:
		return quickMessage(ctx, env, ev, o)
	case onebot11.PostMessageSent:
		// A bot that answers every message event would answer its own
		// messages and loop; go-cqhttp and NapCat run none on them either.
		return onebot11.Errorf(onebot11.RetcodeBadRequest,
			"context: quick operations do not apply to message_sent (the bot's own message); answering it could loop")
	case onebot11.PostRequest:
		return quickRequest(ctx, env, ev, o)
	}
	return nil
}

// handleQuickOperation is the .handle_quick_operation action: {context, operation}.
func handleQuickOperation(ctx context.Context, env *Env, p *onebot11.Reader) (any, error) {
	event, _, ok := p.Raw("context")
	if !ok {
		return nil, onebot11.Errorf(onebot11.RetcodeBadRequest, "missing parameter context (the event)")
	}
	op, _, ok := p.Raw("operation")
	if !ok {
		return nil, onebot11.Errorf(onebot11.RetcodeBadRequest, "missing parameter operation")
	}
	return nil, QuickOperation(ctx, env, event, op)
}

type quickStep struct {
	name string
	run  func() error
}

func runSteps(steps []quickStep) error {
	for _, s := range steps {
		if err := s.run(); err != nil {
			return segment.Wrapf(err, "%s", s.name)
		}
	}
	return nil
}

func quickMessage(ctx context.Context, env *Env, ev, o onebot11.Params) error {
	msgType, err := ev.String("message_type")
	if err != nil {
		return segment.Wrapf(err, "context")
	}
	group := msgType == onebot11.MessageGroup
	var flags [3]bool
	for i, name := range [...]string{"delete", "kick", "ban"} {
		if flags[i], err = o.OptBool(false, name); err != nil {
			return segment.Wrapf(err, "operation")
		}
	}
	del, kick, ban := flags[0], flags[1], flags[2]
	var steps []quickStep
	if o.Has("reply") {
		steps = append(steps, quickStep{"reply", func() error { return quickReply(ctx, env, ev, o, group) }})
	}
	if del {
		steps = append(steps, quickStep{"delete", func() error {
			return reuse(ctx, env, deleteMsg, map[string]any{"message_id": raw(ev, "message_id")})
		}})
	}
	if kick {
		steps = append(steps, quickStep{"kick", func() error {
			if err := groupOnly(ev, group); err != nil {
				return err
			}
			return reuse(ctx, env, setGroupKick, map[string]any{"group_id": raw(ev, "group_id"), "user_id": raw(ev, "user_id")})
		}})
	}
	if ban {
		steps = append(steps, quickStep{"ban", func() error {
			if err := groupOnly(ev, group); err != nil {
				return err
			}
			return reuse(ctx, env, setGroupBan, map[string]any{"group_id": raw(ev, "group_id"), "user_id": raw(ev, "user_id"),
				"duration": defaultIfAbsent(raw(o, "ban_duration"), defaultBanSeconds)})
		}})
	}
	return runSteps(steps)
}

// defaultIfAbsent passes a parameter through, or def when it is absent.
func defaultIfAbsent(r json.RawMessage, def int64) any {
	if r == nil {
		return def
	}
	return r
}

// quickReply sends the reply to the event's conversation through the send
// actions' own path.
func quickReply(ctx context.Context, env *Env, ev, o onebot11.Params, group bool) error {
	autoEscape, err := o.OptBool(false, "auto_escape")
	if err != nil {
		return err
	}
	segs, err := onebot11.ParseMessage(raw(o, "reply"), autoEscape)
	if err != nil {
		return err
	}
	if !group {
		userID, err := eventUin(ev, "user_id")
		if err != nil {
			return segment.Wrapf(err, "context")
		}
		_, err = env.sendOrUpload(ctx, segs, milky.SceneFriend, userID)
		return err
	}
	groupID, err := eventUin(ev, "group_id")
	if err != nil {
		return segment.Wrapf(err, "context")
	}
	atSender, err := o.OptBool(false, "at_sender")
	if err != nil {
		return err
	}
	// The at goes in front after conversion, so errors still count the
	// bot's own segments. An anonymous sender cannot be mentioned (OneBot:
	// at_sender is then ignored).
	var prefix []milky.OutgoingSegment
	if atSender && !ev.Has("anonymous") {
		userID, err := eventUin(ev, "user_id")
		if err != nil {
			return segment.Wrapf(err, "context")
		}
		prefix = []milky.OutgoingSegment{
			{Type: milky.SegMention, Data: milky.OutgoingMention{UserID: userID}},
			{Type: milky.SegText, Data: milky.OutgoingText{Text: " "}},
		}
	}
	_, err = env.sendOrUpload(ctx, segs, milky.SceneGroup, groupID, prefix...)
	return err
}

func groupOnly(ev onebot11.Params, group bool) error {
	if !group {
		return onebot11.Errorf(onebot11.RetcodeBadRequest, "only possible on a group message")
	}
	if ev.Has("anonymous") {
		return onebot11.Errorf(onebot11.RetcodeUnsupported, "the sender is anonymous; Milky 1.2 has no anonymous members to act on")
	}
	return nil
}

func quickRequest(ctx context.Context, env *Env, ev, o onebot11.Params) error {
	if !o.Has("approve") {
		return nil
	}
	approve, err := o.Bool("approve")
	if err != nil {
		return segment.Wrapf(err, "approve")
	}
	reqType, err := ev.String("request_type")
	if err != nil {
		return segment.Wrapf(err, "context")
	}
	params := map[string]any{"flag": raw(ev, "flag"), "approve": approve}
	switch reqType {
	case onebot11.RequestFriend:
		params["remark"] = raw(o, "remark")
		return segment.Wrapf(reuse(ctx, env, setFriendAddRequest, params), "approve")
	case onebot11.RequestGroup:
		params["sub_type"] = raw(ev, "sub_type")
		params["reason"] = raw(o, "reason")
		return segment.Wrapf(reuse(ctx, env, setGroupAddRequest, params), "approve")
	}
	return onebot11.Errorf(onebot11.RetcodeBadRequest, "context: unknown request_type %q", segment.Shorten(reqType, 20))
}

// reuse runs an action handler with params built from values (nil values
// are absent parameters).
func reuse(ctx context.Context, env *Env, h Handler, values map[string]any) error {
	for k, v := range values {
		if r, ok := v.(json.RawMessage); ok && r == nil {
			delete(values, k)
		}
	}
	_, err := h(ctx, env, onebot11.ParamsFromMap(values).Reader())
	return err
}

// raw is a parameter's raw JSON, nil when absent.
func raw(p onebot11.Params, name string) json.RawMessage {
	r, _, _ := p.Raw(name)
	return r
}

// eventUin reads a QQ number from the event a quick operation answers.
func eventUin(ev onebot11.Params, name string) (int64, error) {
	r := ev.Reader()
	v := uinParam(r, name)
	return v, r.Err()
}
