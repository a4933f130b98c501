package ob11milky

import (
	"context"
	"strings"
	"testing"

	"github.com/qqbridge/gateway/internal/golden"
	"github.com/qqbridge/gateway/segment"
	"github.com/qqbridge/gateway/translate/class"

	"github.com/goccy/go-json"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/qqbridge/gateway/onebot11"
)

func TestDoUnsupportedAction(t *testing.T) {
	const name = "test_unsupported_action"
	Actions[name] = &Action{Name: name, Category: "other", Class: class.Unsupported, Reason: "Milky 1.2 has no such API"}
	defer delete(Actions, name)
	r := Do(context.Background(), &Env{}, name, json.RawMessage(`{}`))
	assert.Equal(t, onebot11.RetcodeUnsupported, r.Retcode)
	assert.Equal(t, "test_unsupported_action is not supported on a Milky upstream: Milky 1.2 has no such API", r.Message)
}

func TestQuickOperationDirect(t *testing.T) {
	caller := newScriptedCaller()
	env := &Env{ForOneBot: segment.ForOneBot{Upstream: caller, IDs: newFakeIDs(), SelfID: func() int64 { return 10001 }}}
	ctx := context.Background()

	// Events without quick operations, and empty operations, do nothing.
	require.NoError(t, QuickOperation(ctx, env, json.RawMessage(`{"post_type":"meta_event","meta_event_type":"heartbeat"}`), json.RawMessage(`{"reply":"x"}`)))
	require.NoError(t, QuickOperation(ctx, env, json.RawMessage(`{"post_type":"message","message_type":"group","group_id":123456,"user_id":10002}`), json.RawMessage(`{}`)))
	require.NoError(t, QuickOperation(ctx, env, json.RawMessage(`{"post_type":"message","message_type":"group"}`), nil))
	assert.Empty(t, caller.Calls())

	err := QuickOperation(ctx, env, json.RawMessage(`[1]`), json.RawMessage(`{}`))
	require.Error(t, err)
	assert.Contains(t, ErrorResponse(err).Message, "context: params: must be a JSON object")

	err = QuickOperation(ctx, env, json.RawMessage(`{"post_type":"message","message_type":"group","user_id":10002}`), json.RawMessage(`{"reply":"hi"}`))
	require.Error(t, err)
	assert.Equal(t, "reply: context: missing parameter group_id", ErrorResponse(err).Message)

	err = QuickOperation(ctx, env, json.RawMessage(`{"post_type":"message","message_type":"group","group_id":123456,"user_id":10002}`), json.RawMessage(`{"ban":"sometimes"}`))
	require.Error(t, err)
	assert.Equal(t, "operation: parameter ban: want a boolean, got sometimes", ErrorResponse(err).Message)

	err = QuickOperation(ctx, env, json.RawMessage(`{"post_type":"message","message_type":"group","group_id":123456,"user_id":10002,"anonymous":{"id":1,"name":"x","flag":"f"}}`), json.RawMessage(`{"kick":true}`))
	require.Error(t, err)
	assert.Equal(t, onebot11.RetcodeUnsupported, ErrorResponse(err).Retcode)
	assert.Empty(t, caller.Calls())
}

// A bot-chosen name (an action, a CQ code type) is echoed clipped: the
// failure message (sent as message, wording and msg, and logged once by
// the runtime) stays small however large the input.
func TestDoErrorEchoesAreBounded(t *testing.T) {
	env := &Env{ForOneBot: segment.ForOneBot{Upstream: newScriptedCaller(), IDs: newFakeIDs()}}
	huge := strings.Repeat("a", 1<<20)
	r := Do(context.Background(), env, huge, nil)
	assert.Equal(t, onebot11.RetcodeNotFound, r.Retcode)
	assert.Less(t, len(r.Message), 300)
	params, err := json.Marshal(map[string]any{"group_id": 123456, "message": "[CQ:" + huge + "]"})
	require.NoError(t, err)
	r = Do(context.Background(), env, "send_group_msg", params)
	assert.Equal(t, onebot11.RetcodeBadRequest, r.Retcode)
	assert.Less(t, len(r.Message), 300)
}

// Validate agrees with Do on every golden case: it never refuses what Do
// accepts, refuses with Do's own answer, and catches every parameter
// failure that Do reports before its first upstream call. It makes no
// upstream call and records no message id.
func TestValidateAgreesWithDo(t *testing.T) {
	cases, err := golden.LoadAll("testdata/actions")
	require.NoError(t, err)
	refused := 0
	for _, c := range cases {
		file := c.Name
		var req struct {
			Action string          `json:"action"`
			Params json.RawMessage `json:"params"`
		}
		require.NoError(t, c.Sections[0].Decode(&req), file)
		var resp onebot11.Response
		last := c.Sections[len(c.Sections)-1]
		require.NoError(t, last.Decode(&resp), file)
		calls := 0
		for _, sec := range c.Sections {
			if sec.Has("call") {
				calls++
			}
		}

		caller := newScriptedCaller()
		env := goldenEnvFor(t, c.Sections[0], caller)
		ids := env.IDs.(*fakeIDs)
		before := len(ids.byID)
		v := Validate(context.Background(), env, req.Action, req.Params)
		assert.Empty(t, caller.Calls(), "%s: Validate called upstream", file)
		assert.Equal(t, before, len(ids.byID), "%s: Validate recorded a message id", file)
		if v != nil {
			refused++
			assert.Equal(t, resp.Retcode, v.Retcode, "%s: Validate refused what Do answers %s", file, last.Body)
			assert.Equal(t, resp.Message, v.Message, file)
			continue
		}
		if calls == 0 && resp.Retcode == onebot11.RetcodeBadRequest {
			t.Errorf("%s: Do refuses before any upstream call (%s), Validate accepted", file, resp.Message)
		}
	}
	assert.Positive(t, refused)
}

func TestValidate(t *testing.T) {
	caller := newScriptedCaller()
	env := &Env{ForOneBot: segment.ForOneBot{Upstream: caller, IDs: newFakeIDs(), SelfID: func() int64 { return 10001 }}}
	ctx := context.Background()
	r := Validate(ctx, env, "nonexistent_action", nil)
	require.NotNil(t, r)
	assert.Equal(t, onebot11.RetcodeNotFound, r.Retcode)
	r = Validate(ctx, env, "send_group_msg", json.RawMessage(`{"group_id":"abc","message":"hi"}`))
	require.NotNil(t, r)
	assert.Equal(t, onebot11.RetcodeBadRequest, r.Retcode)
	assert.Equal(t, "send_group_msg: parameter group_id: want an integer, got abc", r.Message)
	r = Validate(ctx, env, "send_group_msg", json.RawMessage(`{"group_id":"12e3","message":"hi"}`))
	require.NotNil(t, r)
	assert.Contains(t, r.Message, "parameter group_id")
	r = Validate(ctx, env, "send_group_msg", json.RawMessage(`{"group_id":123456,"message":"[CQ:reply,id=77]hi"}`))
	require.NotNil(t, r, "a reply to an unknown message_id is refused from the id map alone")
	assert.Nil(t, Validate(ctx, env, "send_group_msg", json.RawMessage(`{"group_id":123456,"message":"hi"}`)))
	assert.Empty(t, caller.Calls(), "Validate never calls upstream")
}
