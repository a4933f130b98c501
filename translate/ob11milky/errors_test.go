package ob11milky

import (
	"context"
	"errors"
	"fmt"
	"testing"

	"github.com/qqbridge/gateway/idmap"
	"github.com/qqbridge/gateway/segment"

	"github.com/stretchr/testify/assert"

	"github.com/qqbridge/gateway/milky"
	"github.com/qqbridge/gateway/onebot11"
)

func TestErrorResponse(t *testing.T) {
	tests := []struct {
		name string
		err  error
		code int
		msg  string
	}{
		{"onebot error", onebot11.Errorf(onebot11.RetcodeBadRequest, "missing parameter group_id"), 1400, "missing parameter group_id"},
		{"bad param", &milky.APIError{API: "send_group_message", Retcode: -400, Message: "user_id (-1) 不是一个合法的 QQ 号"}, 1400,
			"upstream rejected a parameter of send_group_message: user_id (-1) 不是一个合法的 QQ 号"},
		{"not logged in", &milky.APIError{API: "get_login_info", Retcode: -403, Message: "未处于登录状态"}, 1500,
			"upstream not logged in (get_login_info): 未处于登录状态"},
		{"implementation defined", &milky.APIError{API: "get_friend_info", Retcode: -404, Message: "no such friend"}, 1500,
			"upstream get_friend_info failed (retcode -404): no such friend"},
		{"http 401", &milky.APIError{API: "get_login_info", HTTPStatus: 401}, 1500,
			"upstream rejected the gateway's access token (HTTP 401 on get_login_info): check the gateway's upstream token"},
		{"http 404", &milky.APIError{API: "set_peer_pin", HTTPStatus: 404}, 1501, "upstream does not implement API set_peer_pin"},
		{"http 415", &milky.APIError{API: "x", HTTPStatus: 415, Message: "Unsupported Media Type"}, 1500, "upstream x: HTTP 415: Unsupported Media Type"},
		{"http 200 with retcode", &milky.APIError{API: "x", HTTPStatus: 200, Retcode: -400, Message: "bad"}, 1400, "upstream rejected a parameter of x: bad"},
		{"unavailable", &milky.UnavailableError{API: "get_login_info", Err: errors.New("connection refused")}, 1502,
			"upstream unreachable (get_login_info): connection refused"},
		{"timeout inside unavailable", &milky.UnavailableError{API: "get_msg", Err: context.DeadlineExceeded}, 1502,
			"timed out waiting for the upstream (get_msg)"},
		{"bare deadline", context.DeadlineExceeded, 1502, "timed out waiting for the upstream"},
		{"cancelled", fmt.Errorf("call: %w", context.Canceled), 1500, "the call was cancelled before the upstream answered"},
		{"other", errors.New("boom"), 1500, "boom"},
		{"wrapped with context", segment.Wrapf(segment.Wrapf(&milky.APIError{API: "get_resource_temp_url", Retcode: -404, Message: "gone"}, "message[0] (image) file"), "send_group_msg"),
			1500, "send_group_msg: message[0] (image) file: upstream get_resource_temp_url failed (retcode -404): gone"},
		{"request flag", &idmap.FlagError{Flag: "x", Why: "not a request flag issued by this gateway"}, 1405, `flag "x": not a request flag issued by this gateway`},
		{"fmt-wrapped onebot error", fmt.Errorf("x: %w", onebot11.Errorf(1405, "unknown message_id 3")), 1405, "unknown message_id 3"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r := ErrorResponse(tt.err)
			assert.Equal(t, "failed", r.Status)
			assert.Equal(t, tt.code, r.Retcode)
			assert.Equal(t, tt.msg, r.Message)
			assert.Equal(t, tt.msg, r.Wording)
			assert.Equal(t, tt.msg, r.Msg)
		})
	}
	assert.Equal(t, "ok", ErrorResponse(nil).Status)
}
