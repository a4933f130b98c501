package ob11milky

import (
	"context"
	"errors"
	"fmt"

	"github.com/qqbridge/gateway/milky"
	"github.com/qqbridge/gateway/onebot11"
	"github.com/qqbridge/gateway/segment"
)

// Kicking several members: Milky kicks one member per call, so the batch is
// a sequence of kick_group_member calls, each with its own outcome.
//
// The action succeeds when at least one kick succeeded; its data lists every
// member with "ok" or "failed" and the failure's message, so a bot can see
// partial failures. When every kick fails the action fails with the first
// failure's retcode and a message naming each member's failure. Once the
// upstream is unreachable (or the call's time is up) the remaining members
// are not tried and are reported as failed.

type kickBatch struct {
	SuccessCount int                   `json:"success_count"`
	FailCount    int                   `json:"fail_count"`
	Results      []onebot11.KickResult `json:"results"`
}

// setGroupKickMembers: group_id, user_id (NcatBot: one id or a list; user_ids
// accepted too), reject_add_request (default false).
func setGroupKickMembers(ctx context.Context, env *Env, p *onebot11.Reader) (any, error) {
	return kickMembers(ctx, env, p, "user_id", "user_ids")
}

// batchDeleteGroupMember: group_id, user_ids (NapCat; user_id accepted too),
// reject_add_request (default false).
func batchDeleteGroupMember(ctx context.Context, env *Env, p *onebot11.Reader) (any, error) {
	return kickMembers(ctx, env, p, "user_ids", "user_id")
}

func kickMembers(ctx context.Context, env *Env, p *onebot11.Reader, names ...string) (any, error) {
	groupID := uinParam(p, "group_id")
	ids := p.Int64List(names...)
	name := p.Name(names...)
	users := make([]int64, 0, len(ids))
	seen := make(map[int64]bool, len(ids))
	for i, id := range ids {
		if !milky.ValidUin(id) {
			p.Failf("parameter %s[%d]: %d is not a QQ number (%d..%d)", name, i, id, milky.MinUin, milky.MaxUin)
			break
		}
		if !seen[id] { // a member can be kicked once
			seen[id] = true
			users = append(users, id)
		}
	}
	if p.OK() && len(users) == 0 {
		p.Failf("parameter %s: empty list", name)
	}
	reject := p.OptBool(false, "reject_add_request")
	if err := p.Err(); err != nil {
		return nil, err
	}

	batch := &kickBatch{Results: make([]onebot11.KickResult, 0, len(users))}
	var firstErr, stop error
	for _, uid := range users {
		r := onebot11.KickResult{UserID: uid, Status: "ok"}
		err := stop
		if err == nil {
			err = env.Upstream.Call(ctx, milky.APIKickGroupMember,
				&milky.KickGroupMemberInput{GroupID: groupID, UserID: uid, RejectAddRequest: reject}, nil)
			// An unreachable upstream or an expired context would fail
			// every further kick too, one timeout each: the rest are
			// reported as not attempted instead.
			var down *milky.UnavailableError
			if err != nil && (errors.As(err, &down) || ctx.Err() != nil) {
				stop = segment.Wrapf(err, "not attempted after an earlier kick failed")
			}
		}
		if err != nil {
			r.Status, r.Message = "failed", ErrorResponse(err).Message
			batch.FailCount++
			if firstErr == nil {
				firstErr = err
			}
		} else {
			batch.SuccessCount++
		}
		batch.Results = append(batch.Results, r)
	}
	if batch.SuccessCount == 0 {
		msg := fmt.Sprintf("all %d kicks failed", len(batch.Results))
		for _, r := range batch.Results {
			msg += fmt.Sprintf("; %d: %s", r.UserID, r.Message)
		}
		return nil, &onebot11.Error{Retcode: ErrorResponse(firstErr).Retcode, Message: msg}
	}
	return batch, nil
}
