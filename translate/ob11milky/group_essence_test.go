package ob11milky

import (
	"context"
	"testing"

	"github.com/qqbridge/gateway/segment"

	"github.com/goccy/go-json"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/qqbridge/gateway/onebot11"
)

// TestEssenceListStopsAtPageCap: an upstream that never says is_end (but
// keeps sending messages) is asked at most essenceMaxPages times, and the
// action fails saying so instead of looping.
func TestEssenceListStopsAtPageCap(t *testing.T) {
	calls := 0
	env := &Env{
		ForOneBot: segment.ForOneBot{IDs: newFakeIDs(), Upstream: answerCaller(func(api string, _ []byte) (json.RawMessage, error) {
			calls++
			return json.RawMessage(`{"messages":[{"group_id":123456,"message_seq":1,"sender_id":10002,"segments":[]}],"is_end":false}`), nil
		})},
	}
	r := Do(context.Background(), env, "get_essence_msg_list", json.RawMessage(`{"group_id":123456}`))
	assert.Equal(t, essenceMaxPages, calls)
	assert.Equal(t, onebot11.RetcodeUpstream, r.Retcode)
	assert.Contains(t, r.Message, "did not reach is_end")
}

func TestGdynamicID(t *testing.T) {
	for in, want := range map[string]string{
		"https://gdynamic.qpic.cn/gdynamic/XYZ123/628": "XYZ123",
		"http://gdynamic.qpic.cn/gdynamic/abc/0":       "abc",
		"https://gdynamic.qpic.cn/gdynamic/abc":        "abc",
		"https://example.com/gdynamic/abc/0":           "",
		"gdynamic.qpic.cn/gdynamic/abc/0":              "",
		"":                                             "",
	} {
		assert.Equal(t, want, gdynamicID(in), in)
	}
}

// TestKickBatchStopsOnCancel: once the call's context is done, the
// remaining members are reported as not attempted (one upstream call only).
func TestKickBatchStopsOnCancel(t *testing.T) {
	ctx, cancel := context.WithCancel(context.Background())
	calls := 0
	env := &Env{
		ForOneBot: segment.ForOneBot{Upstream: answerCaller(func(api string, _ []byte) (json.RawMessage, error) {
			calls++
			cancel()
			return nil, ctx.Err()
		})},
	}
	r := Do(ctx, env, "batch_delete_group_member", json.RawMessage(`{"group_id":123456,"user_ids":[10002,10003,10004]}`))
	require.Equal(t, 1, calls)
	assert.Equal(t, "failed", r.Status)
	assert.Contains(t, r.Message, "10004: not attempted after an earlier kick failed")
}
