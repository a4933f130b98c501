package bridge

import (
	"context"
	"errors"
	"sync/atomic"

	"github.com/qqbridge/gateway/milky"
)

// trackingCaller remembers whether the upstream API last answered, for
// /readyz and the heartbeat's status. Any answer, even a failed envelope,
// means the API is reachable; only transport failures and a rejected token
// mean it is not.
type trackingCaller struct {
	next milky.Caller
	ok   atomic.Bool
}

func (t *trackingCaller) Call(ctx context.Context, api string, req, resp any) error {
	err := t.next.Call(ctx, api, req, resp)
	t.ok.Store(reachable(err))
	return err
}

func reachable(err error) bool {
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

// classifyUpstreamError names the kind of an upstream failure for
// gateway_upstream_errors_total.
func classifyUpstreamError(err error) string {
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
	if errors.Is(err, context.DeadlineExceeded) {
		return "timeout"
	}
	var un *milky.UnavailableError
	if errors.As(err, &un) {
		if errors.Is(un.Err, context.DeadlineExceeded) {
			return "timeout"
		}
		return "unavailable"
	}
	return "error"
}
