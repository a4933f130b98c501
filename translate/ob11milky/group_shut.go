package ob11milky

import (
	"context"
	"time"

	"github.com/qqbridge/gateway/milky"
	"github.com/qqbridge/gateway/onebot11"
)

// Muted members: Milky has no list of them, but every member carries
// shut_up_end_time, so the list is the members whose mute ends after now.

// getProhibitedMemberList: group_id, no_cache → get_group_member_list.
func getProhibitedMemberList(ctx context.Context, env *Env, p *onebot11.Reader) (any, error) {
	_, muted, err := mutedMembers(ctx, env, p)
	if err != nil {
		return nil, err
	}
	list := make([]onebot11.ProhibitedMember, 0, len(muted))
	for _, m := range muted {
		list = append(list, onebot11.ProhibitedMember{UserID: m.UserID, Time: *m.ShutUpEndTime})
	}
	return list, nil
}

// getGroupShutList: group_id, no_cache → get_group_member_list; items are
// go-cqhttp member objects (NapCat's are raw NTQQ members, which no
// OneBot-level bot can rely on).
func getGroupShutList(ctx context.Context, env *Env, p *onebot11.Reader) (any, error) {
	groupID, muted, err := mutedMembers(ctx, env, p)
	if err != nil {
		return nil, err
	}
	list := make([]onebot11.MemberInfo, 0, len(muted))
	for i := range muted {
		list = append(list, toMemberInfo(groupID, &muted[i]))
	}
	return list, nil
}

func mutedMembers(ctx context.Context, env *Env, p *onebot11.Reader) (int64, []milky.GroupMember, error) {
	groupID := uinParam(p, "group_id")
	noCache := p.OptBool(false, "no_cache")
	if err := p.Err(); err != nil {
		return 0, nil, err
	}
	var out milky.GetGroupMemberListOutput
	if err := env.Upstream.Call(ctx, milky.APIGetGroupMemberList, &milky.GetGroupMemberListInput{GroupID: groupID, NoCache: noCache}, &out); err != nil {
		return 0, nil, err
	}
	now := unixNow(env)
	var muted []milky.GroupMember
	for _, m := range out.Members {
		if m.ShutUpEndTime != nil && *m.ShutUpEndTime > now {
			muted = append(muted, m)
		}
	}
	return groupID, muted, nil
}

// unixNow is env.Now, or the clock when the runtime set none.
func unixNow(e *Env) int64 {
	if e.Now != nil {
		return e.Now()
	}
	return time.Now().Unix()
}
