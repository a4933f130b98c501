package milkyob11

import (
	"context"
	"errors"
	"fmt"

	"github.com/qqbridge/gateway/milky"
	"github.com/qqbridge/gateway/onebot11"
)

// Milky leaves every retcode but 0, -400 and -403 to the implementation.
// The gateway's, all negative so that they never collide with OneBot's
// positive codes passed through:
//
//	error                                          retcode   message
//	bad parameter (milky.Params)                   -400      <api>: <field>: <why>
//	unknown message_seq / flag / friend / member   -404      <api>: <what> not found
//	API the upstream cannot serve                  -501      <api> is not supported on a <impl> upstream: <reason>
//	upstream has no such action (1404, HTTP 404)   -501      <api> is not supported on a <impl> upstream: it has no action <a>
//	upstream refused (status failed, retcode N>0)  N         <api>: upstream <impl> <action> failed (retcode N): <msg>
//	upstream refused otherwise (HTTP 4xx, N<=0)    -500      same
//	upstream unreachable                           -503      <api>: upstream <impl> unreachable (<action>): <cause>
//	timed out / cancelled                          -504      <api>: timed out waiting for upstream <impl> (<action>)
//	anything else                                  -500      <api>: its text
//
// An implementation the gateway does not recognise is named by neither
// "<impl>" above ("upstream unreachable", "not supported on this upstream").
const (
	RetcodeNotFound    = -404
	RetcodeUnsupported = -501
	RetcodeUpstream    = -500
	RetcodeUnreachable = -503
	RetcodeTimeout     = -504
)

func unsupported(env *Env, api, reason string) error {
	return &milky.APIError{API: api, Retcode: RetcodeUnsupported,
		Message: fmt.Sprintf("%s is not supported on %s: %s", api, unsupportedOn(env.impl()), reason)}
}

func notFound(format string, args ...any) error {
	return &milky.APIError{Retcode: RetcodeNotFound, Message: fmt.Sprintf(format, args...)}
}

// errUnsupported is a handler's refusal of one variant of a call (e.g. the
// unfiltered half of get_friend_requests) that the table cannot express.
type errUnsupported struct{ reason string }

func (e *errUnsupported) Error() string { return e.reason }

// apiError maps a handler's error to the envelope's error (table above).
func apiError(env *Env, api string, err error) error {
	var ae *milky.APIError
	var act *onebot11.ActionError
	var down *onebot11.UnavailableError
	var unsup *errUnsupported
	upstream := upstreamLabel(env.impl())
	switch {
	case errors.As(err, &ae):
		out := *ae
		out.API = api
		out.Message = api + ": " + ae.Message
		if ae.Retcode == 0 {
			out.Retcode = RetcodeUpstream
		}
		return &out
	case errors.As(err, &unsup):
		return unsupported(env, api, unsup.reason)
	case errors.Is(err, context.DeadlineExceeded), errors.Is(err, context.Canceled):
		action := ""
		if errors.As(err, &down) {
			action = " (" + down.Action + ")"
		}
		return &milky.APIError{API: api, Retcode: RetcodeTimeout,
			Message: fmt.Sprintf("%s: timed out waiting for %s%s", api, upstream, action)}
	case errors.As(err, &down):
		return &milky.APIError{API: api, Retcode: RetcodeUnreachable,
			Message: fmt.Sprintf("%s: %s unreachable (%s): %v", api, upstream, down.Action, down.Err)}
	case errors.As(err, &act):
		if act.Retcode == 1404 || act.HTTPStatus == 404 {
			return unsupported(env, api, "it has no action "+act.Action)
		}
		code := act.Retcode
		if code <= 0 || act.HTTPStatus >= 400 {
			code = RetcodeUpstream
		}
		what := fmt.Sprintf("retcode %d", act.Retcode)
		if act.HTTPStatus >= 400 {
			what = fmt.Sprintf("HTTP %d", act.HTTPStatus)
		}
		return &milky.APIError{API: api, Retcode: code,
			Message: fmt.Sprintf("%s: %s %s failed (%s): %s", api, upstream, act.Action, what, clip(act.Message))}
	}
	return &milky.APIError{API: api, Retcode: RetcodeUpstream, Message: api + ": " + clip(err.Error())}
}

// upstreamLabel names the upstream in an error: "upstream NapCat", or just
// "upstream" for an implementation the gateway does not recognise, rather
// than the puzzling "upstream unknown unreachable".
func upstreamLabel(impl onebot11.Impl) string {
	if impl == onebot11.Unknown {
		return "upstream"
	}
	return "upstream " + string(impl)
}

// unsupportedOn is the upstream an unsupported API is refused on: "a
// NapCat upstream", or "this upstream" when unrecognised.
func unsupportedOn(impl onebot11.Impl) string {
	if impl == onebot11.Unknown {
		return "this upstream"
	}
	return "a " + string(impl) + " upstream"
}

// clip bounds upstream text repeated to the bot.
func clip(s string) string {
	const max = 200
	if len(s) <= max {
		return s
	}
	cut := max
	for cut > 0 && s[cut]&0xC0 == 0x80 {
		cut--
	}
	return s[:cut] + "..."
}
