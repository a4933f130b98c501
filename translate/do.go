package translate

import (
	"context"
	"math"

	"github.com/goccy/go-json"
	"github.com/qqbridge/gateway/idstore"
	"github.com/qqbridge/gateway/onebot11"
)

// Do runs one OneBot 11 action on the Milky upstream: it looks the action up
// in Actions, parses params and runs the handler, and always returns an
// envelope (never nil). Failure messages start with the action name.
func Do(ctx context.Context, env *Env, action string, params json.RawMessage) *onebot11.Response {
	a := Actions[action]
	if a == nil {
		return onebot11.Failed(onebot11.RetcodeNotFound, "unknown action "+onebot11.Clip(action))
	}
	if a.Class == Unsupported || a.Handler == nil {
		return onebot11.Failed(onebot11.RetcodeUnsupported, action+" is not supported on a Milky upstream: "+a.Reason)
	}
	p, err := onebot11.ParseParams(params)
	if err != nil {
		return actionError(action, err)
	}
	data, err := a.Handler(ctx, env, p)
	if err != nil {
		return actionError(action, err)
	}
	return onebot11.OK(data)
}

func actionError(action string, err error) *onebot11.Response {
	return ErrorResponse(wrapf(err, "%s", action))
}

// ---- parameter helpers shared by the action files ----

// Milky's uin type: every user or group number it accepts is in this range.
const (
	minUin = 10001
	maxUin = 4294967295
)

func validUin(v int64) bool { return v >= minUin && v <= maxUin }

// uinParam reads a required user or group number and checks it is a QQ
// number Milky accepts, so a typo is reported as the bot's, naming the field.
func uinParam(p onebot11.Params, names ...string) (int64, error) {
	v, err := p.Int64(names...)
	if err != nil {
		return 0, err
	}
	if !validUin(v) {
		_, name, _ := p.Raw(names...)
		return 0, onebot11.Errorf(onebot11.RetcodeBadRequest, "parameter %s: %d is not a QQ number (%d..%d)", name, v, minUin, maxUin)
	}
	return v, nil
}

// int32Param reads an optional non-negative integer that Milky types as
// int32 (durations, counts).
func int32Param(p onebot11.Params, def int64, names ...string) (int32, error) {
	v, err := p.OptInt64(def, names...)
	if err != nil {
		return 0, err
	}
	if v < 0 || v > math.MaxInt32 {
		_, name, _ := p.Raw(names...)
		return 0, onebot11.Errorf(onebot11.RetcodeBadRequest, "parameter %s: %d is out of range (0..%d)", name, v, math.MaxInt32)
	}
	return int32(v), nil
}

// messageIDParam reads a message_id and resolves it to its Milky triple.
func messageIDParam(env *Env, p onebot11.Params, names ...string) (int32, idstore.Ref, error) {
	id, err := p.Int32(names...)
	if err != nil {
		return 0, idstore.Ref{}, err
	}
	ref, err := env.lookupMessage(id)
	if err != nil {
		_, name, _ := p.Raw(names...)
		return id, ref, wrapf(err, "parameter %s", name)
	}
	return id, ref, nil
}
