package segment

import "context"

// The two shapes most translation handlers of both directions end in, once
// they have read their parameters: one upstream call answered with
// nothing, or one call whose reply is converted. up is either direction's
// upstream (milky.Caller, onebot11.Caller) and p its sticky parameter
// reader (milky.Params, onebot11.Reader): the call is made only when every
// read succeeded, so a bad request never reaches the upstream.

type upstream interface {
	Call(ctx context.Context, name string, params any, resp any) error
}

type stickyReader interface{ Err() error }

// Send makes one call whose reply carries nothing the bot is answered.
func Send(ctx context.Context, up upstream, p stickyReader, name string, params any) (any, error) {
	if err := p.Err(); err != nil {
		return nil, err
	}
	return nil, up.Call(ctx, name, params, nil)
}

// Ask makes one call, decodes its reply into an R and answers conv's
// conversion of it.
func Ask[R any](ctx context.Context, up upstream, p stickyReader, name string, params any, conv func(R) any) (any, error) {
	if err := p.Err(); err != nil {
		return nil, err
	}
	var r R
	if err := up.Call(ctx, name, params, &r); err != nil {
		return nil, err
	}
	return conv(r), nil
}
