package ob11milky

import (
	"context"
	"errors"
	"math"
	"sync/atomic"

	"github.com/goccy/go-json"
	"github.com/qqbridge/gateway/idmap"
	"github.com/qqbridge/gateway/milky"
	"github.com/qqbridge/gateway/onebot11"
	"github.com/qqbridge/gateway/segment"
	"github.com/qqbridge/gateway/translate/class"
)

// Do runs one OneBot 11 action on the Milky upstream: it looks the action up
// in Actions, parses params and runs the handler, and always returns an
// envelope (never nil). Failure messages start with the action name.
func Do(ctx context.Context, env *Env, action string, params json.RawMessage) *onebot11.Response {
	a, p, fail := prepare(action, params)
	if fail != nil {
		return fail
	}
	data, err := a.Handler(ctx, env, p)
	if err != nil {
		return actionError(action, err)
	}
	return onebot11.OK(data)
}

// Validate checks what Do would refuse before reaching the upstream, without
// its side effects: an unknown or unsupported action, and parameters the
// handler rejects before its first upstream call. It answers nil when the
// call would go upstream (or succeed), else the failure Do would answer.
// The server runs it before answering an _async call, so a bot learns of
// a typo instead of receiving "async" for a call that never happens.
//
// It runs the real handler against an upstream that refuses every call
// (and a message-id map that records nothing), so the one parser of each
// action is also its validator: nothing to keep in step. Once the handler
// reached the upstream, whatever it makes of the refusal is not the bot's
// fault and the call counts as valid.
func Validate(ctx context.Context, env *Env, action string, params json.RawMessage) *onebot11.Response {
	a, p, fail := prepare(action, params)
	if fail != nil {
		return fail
	}
	up := &dryRunCaller{}
	dry := *env
	dry.Upstream = up
	dry.IDs = readOnlyIDs{env.IDs}
	if _, err := a.Handler(ctx, &dry, p); err != nil && !up.reached.Load() {
		return actionError(action, err)
	}
	return nil
}

// prepare finds the action and parses its params, or answers the failure.
func prepare(action string, params json.RawMessage) (*Action, *onebot11.Reader, *onebot11.Response) {
	a := Actions[action]
	if a == nil {
		return nil, nil, onebot11.Failed(onebot11.RetcodeNotFound, "unknown action "+onebot11.Clip(action))
	}
	if a.Class == class.Unsupported || a.Handler == nil {
		return nil, nil, onebot11.Failed(onebot11.RetcodeUnsupported, action+" is not supported on a Milky upstream: "+a.Reason)
	}
	p, err := onebot11.ParseParams(params)
	if err != nil {
		return nil, nil, actionError(action, err)
	}
	return a, p.Reader(), nil
}

// errDryRun stops a handler at its first upstream call during Validate: the
// parameters it needed so far were good.
var errDryRun = errors.New("validation stops before the upstream call")

// dryRunCaller refuses every call and remembers that one was attempted.
type dryRunCaller struct{ reached atomic.Bool }

func (d *dryRunCaller) Call(context.Context, string, any, any) error {
	d.reached.Store(true)
	return errDryRun
}

// readOnlyIDs lets a dry run resolve message ids without allocating any.
type readOnlyIDs struct{ next idmap.Mapper }

func (r readOnlyIDs) IDFor(idmap.Ref) int32 { return 0 }

func (r readOnlyIDs) RefFor(id int32) (idmap.Ref, bool) {
	if r.next == nil {
		return idmap.Ref{}, false
	}
	return r.next.RefFor(id)
}

func actionError(action string, err error) *onebot11.Response {
	return ErrorResponse(segment.Wrapf(err, "%s", action))
}

// ---- the common shapes of a handler, once its parameters are read ----
// (segment.Send and segment.Ask, on this direction's upstream)

func send(ctx context.Context, env *Env, p *onebot11.Reader, api string, in any) (any, error) {
	return segment.Send(ctx, env.Upstream, p, api, in)
}

func ask[R any](ctx context.Context, env *Env, p *onebot11.Reader, api string, in any, conv func(R) any) (any, error) {
	return segment.Ask(ctx, env.Upstream, p, api, in, conv)
}

// ---- parameter helpers shared by the action files ----

// uinParam reads a required user or group number and checks it is a QQ
// number Milky accepts, so a typo is reported as the bot's, naming the field.
func uinParam(p *onebot11.Reader, names ...string) int64 {
	v := p.Int64(names...)
	if p.OK() && !milky.ValidUin(v) {
		p.Failf("parameter %s: %d is not a QQ number (%d..%d)", p.Name(names...), v, milky.MinUin, milky.MaxUin)
		return 0
	}
	return v
}

// int32Param reads an optional non-negative integer that Milky types as
// int32 (durations, counts).
func int32Param(p *onebot11.Reader, def int64, names ...string) int32 {
	v := p.OptInt64(def, names...)
	if p.OK() && (v < 0 || v > math.MaxInt32) {
		p.Failf("parameter %s: %d is out of range (0..%d)", p.Name(names...), v, math.MaxInt32)
		return 0
	}
	return int32(v)
}

// messageIDParam reads a message_id and resolves it to its Milky triple
// (only when every read so far succeeded).
func messageIDParam(env *Env, p *onebot11.Reader, names ...string) (int32, idmap.Ref) {
	id := p.Int32(names...)
	if !p.OK() {
		return 0, idmap.Ref{}
	}
	ref, err := env.LookupMessage(id)
	if err != nil {
		p.Fail(segment.Wrapf(err, "parameter %s", p.Name(names...)))
	}
	return id, ref
}

// fetchMessageParam reads message_id (or id) and, once every parameter
// read without error, fetches that message from the upstream.
func fetchMessageParam(ctx context.Context, env *Env, p *onebot11.Reader) (int32, idmap.Ref, *milky.IncomingMessage, error) {
	id, ref := messageIDParam(env, p, "message_id", "id")
	if err := p.Err(); err != nil {
		return 0, ref, nil, err
	}
	msg, err := env.FetchMessage(ctx, ref)
	return id, ref, msg, err
}
