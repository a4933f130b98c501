package server

import (
	"net/http"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
)

const ctJSON = "application/json"

func TestAPIStatusesAndEnvelopes(t *testing.T) {
	e := newEnv(t, Config{Token: testToken, MaxBodyBytes: 1 << 10})

	code, env := e.post("get_login_info", testToken, ctJSON, `{}`)
	assert.Equal(t, 200, code)
	assert.Equal(t, map[string]any{"status": "ok", "retcode": float64(0), "data": map[string]any{"uin": float64(10001), "nickname": "bot"}}, env)

	code, env = e.post("nothing", testToken, "Application/JSON; charset=utf-8", `{}`)
	assert.Equal(t, 200, code)
	assert.Equal(t, map[string]any{}, env["data"], "no output: data is {}")

	code, env = e.post("echo", testToken, ctJSON, ``)
	assert.Equal(t, 200, code, "empty body counts as {}")
	assert.Equal(t, map[string]any{}, env["data"])

	// 401: missing, wrong, query form (not defined for /api).
	code, _ = e.post("get_login_info", "", ctJSON, `{}`)
	assert.Equal(t, 401, code)
	code, _ = e.post("get_login_info", "nope", ctJSON, `{}`)
	assert.Equal(t, 401, code)
	resp, err := http.Post(e.base+"/api/get_login_info?access_token="+testToken, ctJSON, strings.NewReader("{}"))
	if assert.NoError(t, err) {
		resp.Body.Close()
		assert.Equal(t, 401, resp.StatusCode)
	}

	// 404: unknown to the handler, and names that cannot be APIs.
	for _, api := range []string{"no_such_api", "Get_Login_Info", "a/b", strings.Repeat("x", 65)} {
		code, _ = e.post(api, testToken, ctJSON, `{}`)
		assert.Equal(t, 404, code, api)
	}

	// 415: anything but JSON, including none.
	for _, ct := range []string{"text/plain", "", "application/jsonx", "application/x-www-form-urlencoded"} {
		code, _ = e.post("get_login_info", testToken, ct, `{}`)
		assert.Equal(t, 415, code, ct)
	}

	// -400: not an object, not JSON, and the handler's own check naming the field.
	for body, msg := range map[string]string{
		`[1]`:              "must be a JSON object",
		`{"user_id":`:      "invalid JSON",
		`{"user_id": -1}`:  "user_id (-1)",
		`"get_login_info"`: "must be a JSON object",
	} {
		code, env = e.post("get_user_profile", testToken, ctJSON, body)
		assert.Equal(t, 200, code, body)
		assert.Equal(t, "failed", env["status"], body)
		assert.Equal(t, float64(-400), env["retcode"], body)
		assert.Contains(t, env["message"], msg, body)
		assert.NotContains(t, env, "data")
	}

	// Handler errors: *APIError retcode, plain error -500, panic -500, HTTP status.
	code, env = e.post("not_friend", testToken, ctJSON, `{}`)
	assert.Equal(t, 200, code)
	assert.Equal(t, map[string]any{"status": "failed", "retcode": float64(-404), "message": "no such friend"}, env)
	code, env = e.post("boom", testToken, ctJSON, `{}`)
	assert.Equal(t, 200, code)
	assert.Equal(t, float64(-500), env["retcode"])
	code, env = e.post("panics", testToken, ctJSON, `{}`)
	assert.Equal(t, 200, code)
	assert.Equal(t, float64(-500), env["retcode"])
	code, _ = e.post("teapot", testToken, ctJSON, `{}`)
	assert.Equal(t, 503, code)

	// Beyond the spec: 405 for GET, 413 over MaxBodyBytes.
	resp, err = http.Get(e.base + "/api/get_login_info")
	if assert.NoError(t, err) {
		resp.Body.Close()
		assert.Equal(t, 405, resp.StatusCode)
	}
	code, _ = e.post("echo", testToken, ctJSON, `{"x":"`+strings.Repeat("a", 2<<10)+`"}`)
	assert.Equal(t, 413, code)

	calls := e.obs.calls
	assert.Contains(t, calls, "get_login_info 200 0")
	assert.Contains(t, calls, "get_user_profile 200 -400")
	assert.Contains(t, calls, " 401 0", "unauthorized calls carry no api label")
	assert.Contains(t, calls, " 404 0")
}

func TestAPIWithoutToken(t *testing.T) {
	e := newEnv(t, Config{})
	code, _ := e.post("get_login_info", "", ctJSON, `{}`)
	assert.Equal(t, 200, code)
	code, _ = e.post("get_login_info", "anything", ctJSON, `{}`)
	assert.Equal(t, 200, code)
}

func TestRoutesBeforeMilkyAndWithoutItsAuth(t *testing.T) {
	hit := ""
	e := newEnv(t, Config{Token: testToken, Routes: map[string]fasthttpHandler{
		"/onebot/v11/post":    func(ctx *fasthttpCtx) { hit = "exact"; ctx.SetStatusCode(204) },
		"/sim/":               func(ctx *fasthttpCtx) { hit = "prefix " + string(ctx.Path()); ctx.SetStatusCode(200) },
		"/sim/res/":           func(ctx *fasthttpCtx) { hit = "longer " + string(ctx.Path()); ctx.SetStatusCode(200) },
		"/api/get_login_info": func(ctx *fasthttpCtx) { hit = "override"; ctx.SetStatusCode(200) },
	}})
	for path, want := range map[string]string{
		"/onebot/v11/post":    "exact",
		"/sim/file/x":         "prefix /sim/file/x",
		"/sim/res/1":          "longer /sim/res/1",
		"/api/get_login_info": "override",
	} {
		resp, err := http.Post(e.base+path, "text/plain", strings.NewReader("x"))
		if assert.NoError(t, err) {
			resp.Body.Close()
			assert.Less(t, resp.StatusCode, 300, path)
			assert.Equal(t, want, hit, path)
		}
	}
	resp, err := http.Get(e.base + "/other")
	if assert.NoError(t, err) {
		resp.Body.Close()
		assert.Equal(t, 404, resp.StatusCode)
	}
}
