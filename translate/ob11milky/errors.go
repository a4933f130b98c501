package ob11milky

import (
	"context"
	"errors"
	"fmt"

	"github.com/qqbridge/gateway/idmap"
	"github.com/qqbridge/gateway/milky"
	"github.com/qqbridge/gateway/onebot11"
	"github.com/qqbridge/gateway/segment"
)

// ErrorResponse maps an action's error to a OneBot 11 failure envelope. It is
// the one place where error kinds become retcodes:
//
//	error                                    retcode  message
//	*onebot11.Error                          its own  its own
//	*idmap.FlagError                         1405     flag "<flag>": <why>
//	*milky.APIError retcode -400             1400     upstream rejected a parameter of <api>: <msg>
//	*milky.APIError retcode -403             1500     upstream not logged in (<api>)
//	*milky.APIError other retcode (-404...)  1500     upstream <api> failed (retcode N): <msg>
//	*milky.APIError HTTP 401                 1500     upstream rejected the gateway's access token (<api>)
//	*milky.APIError HTTP 404                 1501     upstream does not implement API <api>
//	*milky.APIError other HTTP status        1500     upstream <api>: HTTP N: <msg>
//	context.DeadlineExceeded (anywhere)      1502     timed out waiting for the upstream
//	*milky.UnavailableError                  1502     upstream unreachable (<api>): <cause>
//	context.Canceled                         1500     the call was cancelled
//	anything else                            1500     its text
//
// Context added on the way up (which segment, which field: see wrapf) is kept
// as a prefix of the message.
func ErrorResponse(err error) *onebot11.Response {
	if err == nil {
		return onebot11.OK(nil)
	}
	prefix, core := segment.SplitContext(err)
	code, msg := classify(core)
	if prefix != "" {
		msg = prefix + ": " + msg
	}
	return onebot11.Failed(code, msg)
}

func classify(err error) (int, string) {
	var obErr *onebot11.Error
	var apiErr *milky.APIError
	var unavail *milky.UnavailableError
	var flagErr *idmap.FlagError
	switch {
	case errors.As(err, &flagErr):
		return onebot11.RetcodeNotFoundInMap, flagErr.Error()
	case errors.As(err, &obErr):
		return obErr.Retcode, obErr.Message
	case errors.As(err, &apiErr):
		return apiErrorCode(apiErr)
	case errors.Is(err, context.DeadlineExceeded):
		// Checked before UnavailableError, which usually wraps it: "timed
		// out" tells the bot more than "unreachable". The call may still
		// have happened upstream.
		return onebot11.RetcodeUpstreamDown, "timed out waiting for the upstream" + apiSuffix(err)
	case errors.As(err, &unavail):
		return onebot11.RetcodeUpstreamDown, fmt.Sprintf("upstream unreachable (%s): %v", unavail.API, unavail.Err)
	case errors.Is(err, context.Canceled):
		return onebot11.RetcodeUpstream, "the call was cancelled before the upstream answered"
	}
	return onebot11.RetcodeUpstream, err.Error()
}

func apiErrorCode(e *milky.APIError) (int, string) {
	switch e.HTTPStatus {
	case 0, 200:
	case 401:
		// The bot did nothing wrong: the gateway's own upstream token is
		// misconfigured. 1401 would make the bot think *its* token is bad.
		return onebot11.RetcodeUpstream, fmt.Sprintf("upstream rejected the gateway's access token (HTTP 401 on %s): check the gateway's upstream token", e.API)
	case 404:
		// The implementation lacks this API (an older Milky or a partial
		// implementation): the action is unsupported on this upstream.
		return onebot11.RetcodeUnsupported, fmt.Sprintf("upstream does not implement API %s", e.API)
	default:
		return onebot11.RetcodeUpstream, fmt.Sprintf("upstream %s: HTTP %d: %s", e.API, e.HTTPStatus, e.Message)
	}
	switch e.Retcode {
	case milky.RetcodeBadParam:
		// The translated request was well-formed but a value was refused
		// (e.g. no such friend id): that is the bot's parameter.
		return onebot11.RetcodeBadRequest, fmt.Sprintf("upstream rejected a parameter of %s: %s", e.API, e.Message)
	case milky.RetcodeNotLoggedIn:
		return onebot11.RetcodeUpstream, fmt.Sprintf("upstream not logged in (%s): %s", e.API, e.Message)
	}
	// -404 and every other code are implementation-defined; the upstream's
	// own message is the only thing that explains them.
	return onebot11.RetcodeUpstream, fmt.Sprintf("upstream %s failed (retcode %d): %s", e.API, e.Retcode, e.Message)
}

func apiSuffix(err error) string {
	var unavail *milky.UnavailableError
	if errors.As(err, &unavail) && unavail.API != "" {
		return " (" + unavail.API + ")"
	}
	return ""
}
