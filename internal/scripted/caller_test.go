package scripted

import (
	"context"
	"errors"
	"testing"

	"github.com/goccy/go-json"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/qqbridge/gateway/internal/golden"
)

var errFailed = errors.New("failed")

var testProtocol = Protocol{
	Unavailable: func(name string, cause error) error { return cause },
	Failed:      func(string, int, int, string) error { return errFailed },
	Refused:     "refused",
	Placeholder: "error 1 (edit)",
}

// The caller answers in script order, records every call and refuses
// calls beyond the script or naming another action.
func TestCallerFollowsTheScript(t *testing.T) {
	var sent []string
	c := &Caller{Script: []Reply{{Name: "a", Data: json.RawMessage(`{"x":1}`)}, {Name: "b", Err: errFailed}},
		Sent: func(name string, _ []byte) { sent = append(sent, name) }}
	var out struct{ X int }
	require.NoError(t, c.Call(context.Background(), "a", nil, &out))
	assert.Equal(t, 1, out.X)
	assert.ErrorIs(t, c.Call(context.Background(), "b", map[string]int{"y": 2}, nil), errFailed)
	assert.ErrorContains(t, c.Call(context.Background(), "c", nil, nil), "unexpected call 3")
	assert.Equal(t, []string{"a", "b", "c"}, sent)
	calls := c.Calls()
	require.Len(t, calls, 3)
	assert.JSONEq(t, `{}`, string(calls[0].Params))
	assert.JSONEq(t, `{"y":2}`, string(calls[1].Params))

	wrong := &Caller{Script: []Reply{{Name: "a"}}}
	assert.ErrorContains(t, wrong.Call(context.Background(), "b", nil, nil), "script says a")
}

func TestReplyLines(t *testing.T) {
	call := golden.NewSection("{}", "call", "act")
	for text, check := range map[string]func(Reply, error){
		"ok":          func(r Reply, err error) { require.NoError(t, err); assert.JSONEq(t, `{"k":1}`, string(r.Data)) },
		"error 5 bad": func(r Reply, err error) { require.NoError(t, err); assert.ErrorIs(t, r.Err, errFailed) },
		"unavailable": func(r Reply, err error) { require.NoError(t, err); assert.EqualError(t, r.Err, "refused") },
		"timeout": func(r Reply, err error) {
			require.NoError(t, err)
			assert.ErrorIs(t, r.Err, context.DeadlineExceeded)
		},
		"http x y": func(_ Reply, err error) { assert.ErrorContains(t, err, "bad code") },
		"nonsense": func(_ Reply, err error) { assert.ErrorContains(t, err, "unknown reply") },
	} {
		r, err := testProtocol.reply(call, golden.NewSection(`{"k":1}`, "reply", text))
		check(r, err)
	}
}
