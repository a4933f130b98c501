package bridge_test

import (
	"log/slog"
	"net/http"
	"strings"
	"testing"

	"github.com/goccy/go-json"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/qqbridge/gateway/bridge"
	"github.com/qqbridge/gateway/internal/syncbuf"
	"github.com/qqbridge/gateway/onebot11/ob11test"
)

// The HTTP API as script bots and Koishi's HTTP adapter call it.

func TestHTTP_RequestForms(t *testing.T) {
	e := startGateway(t, bridge.Options{}, nil, true)
	c := e.http("", ob11test.AuthNone)
	self := num(e.sim.SelfID())

	forms := map[string]func() (*ob11test.HTTPResult, error){
		"GET query": func() (*ob11test.HTTPResult, error) { return c.Get(ctx(t), "get_login_info", nil) },
		"POST JSON": func() (*ob11test.HTTPResult, error) { return c.PostJSON(ctx(t), "get_login_info", nil) },
		"POST form": func() (*ob11test.HTTPResult, error) {
			return c.PostForm(ctx(t), "get_login_info", map[string]string{"x": "1"})
		},
		"POST envelope": func() (*ob11test.HTTPResult, error) { return c.PostEnvelope(ctx(t), "get_login_info", nil) },
	}
	for name, do := range forms {
		res, err := do()
		require.NoError(t, err, name)
		require.Equal(t, http.StatusOK, res.StatusCode, "%s: %s", name, res.Body)
		require.NotNil(t, res.Response, "%s: %s", name, res.Body)
		assert.Equal(t, "ok", res.Response.Status, name)
		assert.Contains(t, string(res.Response.Data), `"user_id":`+self, name)
		assert.Contains(t, res.Header.Get("Content-Type"), "application/json", name)
	}

	// Parameters travel in every form: get_group_info by query, form and JSON.
	g, _ := e.groupA()
	for name, do := range map[string]func() (*ob11test.HTTPResult, error){
		"GET query": func() (*ob11test.HTTPResult, error) {
			return c.Get(ctx(t), "get_group_info", map[string]string{"group_id": num(g)})
		},
		"POST form": func() (*ob11test.HTTPResult, error) {
			return c.PostForm(ctx(t), "get_group_info", map[string]string{"group_id": num(g)})
		},
		"POST JSON string id": func() (*ob11test.HTTPResult, error) {
			return c.PostJSON(ctx(t), "get_group_info", map[string]any{"group_id": num(g)})
		},
		"POST envelope": func() (*ob11test.HTTPResult, error) {
			return c.PostEnvelope(ctx(t), "get_group_info", map[string]any{"group_id": g})
		},
	} {
		res, err := do()
		require.NoError(t, err, name)
		require.NotNil(t, res.Response, "%s: %s", name, res.Body)
		assert.Equal(t, 0, res.Response.Retcode, "%s: %s", name, res.Body)
		assert.Contains(t, string(res.Response.Data), `"group_id":`+num(g), name)
	}
}

func TestHTTP_SendGroupMsgCQString(t *testing.T) {
	e := startGateway(t, bridge.Options{}, nil, true)
	c := e.http("", ob11test.AuthNone)
	g, member := e.groupA()
	e.sim.ResetCalls()

	res, err := c.PostJSON(ctx(t), "send_group_msg", map[string]any{
		"group_id": g,
		"message":  "[CQ:at,qq=" + num(member) + "] hi &amp; &#91;you&#93; [CQ:face,id=14]",
	})
	require.NoError(t, err)
	require.NotNil(t, res.Response, "%s", res.Body)
	require.Equal(t, "ok", res.Response.Status, "%s", res.Body)
	var data struct {
		MessageID int64 `json:"message_id"`
	}
	require.NoError(t, res.Response.DecodeData(&data))
	assert.Positive(t, data.MessageID)

	body := lastCall(t, e.sim, "send_group_message")
	assert.JSONEq(t, `{"group_id":`+num(g)+`,"message":[
		{"type":"mention","data":{"user_id":`+num(member)+`}},
		{"type":"text","data":{"text":" hi & [you] "}},
		{"type":"face","data":{"face_id":"14","is_large":false}}]}`, string(body))

	// The message is in the simulator's history as the bot's.
	hist := e.sim.History("group", g)
	last := hist[len(hist)-1]
	assert.Equal(t, e.sim.SelfID(), last.SenderID)
}

func TestHTTP_Errors(t *testing.T) {
	e := startGateway(t, bridge.Options{}, nil, true)
	c := e.http("", ob11test.AuthNone)

	res, err := c.Get(ctx(t), "no_such_action", nil)
	require.NoError(t, err)
	assert.Equal(t, http.StatusNotFound, res.StatusCode)
	require.NotNil(t, res.Response, "%s", res.Body)
	assert.Equal(t, 1404, res.Response.Retcode)
	assert.Equal(t, "failed", res.Response.Status)
	assert.Contains(t, res.Response.Message, "no_such_action")

	res, err = c.Get(ctx(t), "send_group_msg", map[string]string{"group_id": "not-a-number", "message": "x"})
	require.NoError(t, err)
	assert.Equal(t, http.StatusBadRequest, res.StatusCode)
	require.NotNil(t, res.Response, "%s", res.Body)
	assert.Equal(t, 1400, res.Response.Retcode)
	assert.Contains(t, res.Response.Message, "group_id")

	res, err = c.PostJSON(ctx(t), "send_private_msg", map[string]any{"message": "x"})
	require.NoError(t, err)
	assert.Equal(t, http.StatusBadRequest, res.StatusCode)
	require.NotNil(t, res.Response, "%s", res.Body)
	assert.Equal(t, 1400, res.Response.Retcode)
	assert.Contains(t, res.Response.Message, "user_id")

	// Unsupported: HTTP 200 (the action exists), retcode 1501 naming it.
	res, err = c.PostJSON(ctx(t), "set_restart", nil)
	require.NoError(t, err)
	require.NotNil(t, res.Response, "%s", res.Body)
	assert.Equal(t, 1501, res.Response.Retcode)
	assert.Contains(t, res.Response.Message, "set_restart")
}

func TestHTTP_Auth(t *testing.T) {
	const token = "s3cr3t-token"
	e := startGateway(t, bridge.Options{AccessToken: token}, nil, true)

	for _, tc := range []struct {
		name   string
		token  string
		mode   ob11test.AuthMode
		status int
	}{
		{"missing", "", ob11test.AuthNone, http.StatusUnauthorized},
		{"wrong bearer", "nope", ob11test.AuthBearer, http.StatusForbidden},
		{"wrong query", "nope", ob11test.AuthQuery, http.StatusForbidden},
		{"bearer", token, ob11test.AuthBearer, http.StatusOK},
		{"token scheme", token, ob11test.AuthToken, http.StatusOK},
		{"query", token, ob11test.AuthQuery, http.StatusOK},
	} {
		res, err := e.http(tc.token, tc.mode).Get(ctx(t), "get_login_info", nil)
		require.NoError(t, err, tc.name)
		assert.Equal(t, tc.status, res.StatusCode, "%s: %s", tc.name, res.Body)
		if tc.status != http.StatusOK {
			assert.NotContains(t, string(res.Body), token, tc.name)
			assert.NotContains(t, string(res.Body), `"ok"`, tc.name)
		}
	}
	// The forward WebSocket checks the same token before upgrading.
	_, err := ob11test.DialForward(ctx(t), e.ws+"/", "nope")
	var de *ob11test.DialError
	require.ErrorAs(t, err, &de)
	assert.Equal(t, http.StatusForbidden, de.StatusCode)
	_, err = ob11test.DialForward(ctx(t), e.ws+"/", "")
	require.ErrorAs(t, err, &de)
	assert.Equal(t, http.StatusUnauthorized, de.StatusCode)
}

func TestHTTP_Async(t *testing.T) {
	e := startGateway(t, bridge.Options{}, nil, true)
	c := e.http("", ob11test.AuthNone)
	g, _ := e.groupA()
	e.sim.ResetCalls()

	res, err := c.PostJSON(ctx(t), "send_group_msg_async", map[string]any{"group_id": g, "message": "async hello"})
	require.NoError(t, err)
	require.NotNil(t, res.Response, "%s", res.Body)
	assert.Equal(t, "async", res.Response.Status)
	assert.Equal(t, 1, res.Response.Retcode)

	eventually(t, "the async send reaching the simulator", func() bool {
		for _, call := range e.sim.Calls() {
			if call.API == "send_group_message" && strings.Contains(string(call.Body), "async hello") {
				return true
			}
		}
		return false
	})
	var sent struct {
		GroupID int64 `json:"group_id"`
	}
	require.NoError(t, json.Unmarshal(lastCall(t, e.sim, "send_group_message"), &sent))
	assert.Equal(t, g, sent.GroupID)
}

// An _async call that could never run is refused at once, with the
// status and message the plain call would get, and nothing reaches the
// upstream; the one WARN line stays small however large the input.
func TestHTTP_AsyncValidatesFirst(t *testing.T) {
	var logs syncbuf.Buffer
	e := startGateway(t, bridge.Options{Logger: slog.New(slog.NewTextHandler(&logs, nil))}, nil, true)
	c := e.http("", ob11test.AuthNone)
	e.sim.ResetCalls()

	res, err := c.PostJSON(ctx(t), "nonexistent_action_async", map[string]any{})
	require.NoError(t, err)
	assert.Equal(t, http.StatusNotFound, res.StatusCode, "%s", res.Body)
	assert.Equal(t, 1404, res.Response.Retcode)

	res, err = c.PostJSON(ctx(t), "send_group_msg_async", map[string]any{"group_id": "nope", "message": "never sent"})
	require.NoError(t, err)
	assert.Equal(t, http.StatusBadRequest, res.StatusCode, "%s", res.Body)
	assert.Equal(t, "send_group_msg: parameter group_id: want an integer, got nope", res.Response.Message)

	huge := strings.Repeat("a", 1<<20)
	res, err = c.PostJSON(ctx(t), "send_group_msg", map[string]any{"group_id": 123456, "message": "[CQ:" + huge + "]"})
	require.NoError(t, err)
	assert.Equal(t, http.StatusBadRequest, res.StatusCode)
	assert.Less(t, len(res.Body), 2000, "the reply echoes the CQ type clipped")
	for _, line := range strings.Split(logs.String(), "\n") {
		assert.Less(t, len(line), 1000, "log line %.200s", line)
	}
	assert.Empty(t, e.sim.Calls(), "nothing went upstream")
}

// --media-local-files deny: a bot's local file is refused naming the
// field, synchronously and for _async, and never reaches the upstream.
func TestHTTP_MediaLocalFilesDeny(t *testing.T) {
	e := startGateway(t, bridge.Options{MediaLocalFiles: "deny"}, nil, true)
	c := e.http("", ob11test.AuthNone)
	g, _ := e.groupA()
	e.sim.ResetCalls()
	for _, action := range []string{"send_group_msg", "send_group_msg_async"} {
		res, err := c.PostJSON(ctx(t), action, map[string]any{"group_id": g, "message": "[CQ:image,file=file:///etc/passwd]"})
		require.NoError(t, err)
		assert.Equal(t, http.StatusBadRequest, res.StatusCode, "%s", res.Body)
		assert.Contains(t, res.Response.Message, `message[0] (image) file: local file "/etc/passwd" refused`)
	}
	assert.Empty(t, e.sim.Calls())
	res, err := c.PostJSON(ctx(t), "send_group_msg", map[string]any{"group_id": g, "message": "[CQ:image,file=base64://iVBORw0KGgo=]"})
	require.NoError(t, err)
	assert.Equal(t, 0, res.Response.Retcode, "%s", res.Body)
}
