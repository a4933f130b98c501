package bridge

import (
	"context"
	"errors"
	"sync/atomic"

	"github.com/qqbridge/gateway/milky"
	"github.com/qqbridge/gateway/onebot11"
)

// caller is what milky.Caller and onebot11.Caller have in common.
type caller interface {
	Call(ctx context.Context, api string, req, resp any) error
}

// trackingCaller remembers whether the upstream API last answered, for
// /readyz and the heartbeat's status. Any answer, even a failed envelope,
// means the API is reachable; reachable (per protocol) says which errors
// mean it is not.
//
// One slow call is not an outage: a timeout turns the API down only when
// timeoutsForDown calls in a row time out; a refused connection or a
// rejected token turns it down at once.
type trackingCaller struct {
	next      caller
	reachable func(error) bool
	ok        atomic.Bool
	timeouts  atomic.Int32 // consecutive timed-out calls
}

const timeoutsForDown = 3

func (t *trackingCaller) Call(ctx context.Context, api string, req, resp any) error {
	err := t.next.Call(ctx, api, req, resp)
	switch {
	case t.reachable(err):
		t.timeouts.Store(0)
		t.ok.Store(true)
	case errors.Is(err, context.DeadlineExceeded) && t.timeouts.Add(1) < timeoutsForDown:
		// Keep the last verdict: the upstream may just be slow.
	default:
		t.ok.Store(false)
	}
	return err
}

// milkyReachable: only transport failures, timeouts and a rejected token
// mean a Milky upstream's API is down.
func milkyReachable(err error) bool {
	if err == nil {
		return true
	}
	var un *milky.UnavailableError
	if errors.As(err, &un) {
		return false
	}
	var ae *milky.APIError
	if errors.As(err, &ae) && ae.HTTPStatus == 401 {
		return false
	}
	return !errors.Is(err, context.DeadlineExceeded)
}

// classifyMilkyError names the kind of an upstream failure for
// gateway_upstream_errors_total.
func classifyMilkyError(err error) string {
	var ae *milky.APIError
	if errors.As(err, &ae) {
		switch ae.HTTPStatus {
		case 401:
			return "http_401"
		case 404:
			return "http_404"
		case 415:
			return "http_415"
		case 0, 200:
			return "retcode"
		}
		return "http_other"
	}
	var un *milky.UnavailableError
	if errors.As(err, &un) {
		return transportKind(err, true, un.Err)
	}
	return transportKind(err, false, nil)
}

// transportKind names a failure that is not the protocol's own error;
// unavailable says err is the protocol's UnavailableError, wrapping cause.
func transportKind(err error, unavailable bool, cause error) string {
	switch {
	case errors.Is(err, context.DeadlineExceeded), unavailable && errors.Is(cause, context.DeadlineExceeded):
		return "timeout"
	case unavailable:
		return "unavailable"
	}
	return "error"
}

// oneBotReachable: only transport failures, timeouts and a rejected token
// (HTTP 401/403) mean a OneBot 11 upstream's API is down.
func oneBotReachable(err error) bool {
	if err == nil {
		return true
	}
	var un *onebot11.UnavailableError
	if errors.As(err, &un) {
		return false
	}
	var ae *onebot11.ActionError
	if errors.As(err, &ae) && (ae.HTTPStatus == 401 || ae.HTTPStatus == 403) {
		return false
	}
	return !errors.Is(err, context.DeadlineExceeded)
}

// classifyOneBotError names the kind of a OneBot 11 upstream failure for
// gateway_upstream_errors_total (the same kinds as a Milky upstream's).
func classifyOneBotError(err error) string {
	var ae *onebot11.ActionError
	if errors.As(err, &ae) {
		switch ae.HTTPStatus {
		case 401, 403:
			return "http_401"
		case 404:
			return "http_404"
		case 0, 200:
			return "retcode"
		}
		return "http_other"
	}
	var un *onebot11.UnavailableError
	if errors.As(err, &un) {
		return transportKind(err, true, un.Err)
	}
	return transportKind(err, false, nil)
}
