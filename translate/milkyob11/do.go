package milkyob11

import (
	"context"

	"github.com/qqbridge/gateway/milky"
	"github.com/qqbridge/gateway/segment"
	"github.com/qqbridge/gateway/translate/class"
)

// Do runs one Milky API on the OneBot 11 upstream: it looks the API up in
// APIs, refuses what the upstream cannot serve, parses the body and runs the
// handler. It returns the response data or an error for the Milky envelope:
// milky.ErrUnknownAPI (HTTP 404) for a name that is not a Milky 1.2 API,
// otherwise a *milky.APIError (see errors.go).
func Do(ctx context.Context, env *Env, api string, body []byte) (any, error) {
	a := APIs[api]
	if a == nil {
		return nil, milky.ErrUnknownAPI
	}
	if c, reason := a.On(env.impl()); c == class.Unsupported {
		return nil, unsupported(env, api, reason)
	}
	if env.Upstream == nil || env.Seqs == nil || env.Flags == nil {
		// A wiring mistake, not the bot's: fail loudly rather than panic in
		// the handler that first needs the missing piece.
		return nil, &milky.APIError{API: api, Retcode: RetcodeUpstream, Message: api + ": gateway misconfigured: Env needs Upstream, Seqs and Flags"}
	}
	p := milky.ParseParams(body)
	if err := p.Err(); err != nil { // not a JSON object, even for APIs without input
		return nil, apiError(env, api, err)
	}
	data, err := a.Handler(ctx, env, p)
	if err != nil {
		return nil, apiError(env, api, err)
	}
	if data == nil {
		data = milky.Empty{}
	}
	return data, nil
}

// Server adapts Do to milky.APIHandler, for the Milky server of the reverse
// direction.
type Server struct{ Env *Env }

func (s Server) HandleAPI(ctx context.Context, api string, body []byte) (any, error) {
	return Do(ctx, s.Env, api, body)
}

// ---- the common shapes of a handler, once its parameters are read ----
// (segment.Send and segment.Ask, on this direction's upstream)

func send(ctx context.Context, env *Env, p *milky.Params, action string, params any) (any, error) {
	return segment.Send(ctx, env.Upstream, p, action, params)
}

func ask[R any](ctx context.Context, env *Env, p *milky.Params, action string, params any, conv func(R) any) (any, error) {
	return segment.Ask(ctx, env.Upstream, p, action, params, conv)
}
