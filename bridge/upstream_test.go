package bridge

import (
	"context"
	"errors"
	"testing"

	"github.com/stretchr/testify/assert"

	"github.com/qqbridge/gateway/milky"
)

type errCaller struct{ err error }

func (c *errCaller) Call(context.Context, string, any, any) error { return c.err }

// One slow call is not an outage; a run of them, or a refused connection,
// is.
func TestTrackingCallerToleratesOneTimeout(t *testing.T) {
	c := &errCaller{}
	tc := &trackingCaller{next: c, reachable: milkyReachable}
	call := func(err error) bool {
		c.err = err
		_ = tc.Call(context.Background(), "get_login_info", nil, nil)
		return tc.ok.Load()
	}
	timeout := &milky.UnavailableError{API: "x", Err: context.DeadlineExceeded}
	assert.True(t, call(nil))
	assert.True(t, call(timeout), "one timeout keeps the API up")
	assert.True(t, call(timeout), "two timeouts keep the API up")
	assert.False(t, call(timeout), "three timeouts in a row take it down")
	assert.True(t, call(nil), "an answer brings it back")
	assert.True(t, call(timeout))
	assert.True(t, call(&milky.APIError{API: "x", Retcode: -403}), "a failed envelope is an answer")
	assert.False(t, call(&milky.UnavailableError{API: "x", Err: errors.New("connection refused")}), "refused: down at once")
	assert.False(t, call(&milky.APIError{API: "x", HTTPStatus: 401}), "rejected token: down")
}
