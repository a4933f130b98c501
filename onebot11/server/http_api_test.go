package server

import (
	"bytes"
	"io"
	"log/slog"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/goccy/go-json"
	"github.com/qqbridge/gateway/onebot11"
	"github.com/qqbridge/gateway/onebot11/ob11test"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// echoed returns the params the fake backend saw, from echo_params data.
func echoed(t *testing.T, res *ob11test.HTTPResult) string {
	t.Helper()
	require.NotNil(t, res.Response, "status %d body %s", res.StatusCode, res.Body)
	var d struct {
		Action string          `json:"action"`
		Params json.RawMessage `json:"params"`
	}
	require.NoError(t, res.Response.DecodeData(&d))
	return string(d.Params)
}

func TestHTTPRequestForms(t *testing.T) {
	const token = "tk"
	env := newEnv(t, ServerConfig{AccessToken: token})
	ctx := testCtx(t)
	c := ob11test.NewHTTPClient(env.url, token, ob11test.AuthBearer)
	q := ob11test.NewHTTPClient(env.url, token, ob11test.AuthQuery)

	t.Run("GET query", func(t *testing.T) {
		res, err := q.Get(ctx, "echo_params", map[string]string{"user_id": "42", "auto_escape": "true"})
		require.NoError(t, err)
		assert.Equal(t, http.StatusOK, res.StatusCode)
		assert.JSONEq(t, `{"user_id":"42","auto_escape":"true"}`, echoed(t, res), "access_token is not a param")
		assert.Equal(t, "ok", res.Response.Status)
		assert.Contains(t, res.Header.Get("Content-Type"), "application/json")
	})
	t.Run("GET long message in the query", func(t *testing.T) {
		// OneBot 11's HTTP API takes params in the query; go-cqhttp
		// (net/http) reads up to 1 MiB of request head, so a bot sending a
		// few KiB of text by GET must get through here too.
		msg := strings.Repeat("长消息 long message & more ", 400) // ~12 KiB, ~30 KiB escaped
		res, err := q.Get(ctx, "echo_params", map[string]string{"message": msg})
		require.NoError(t, err)
		require.Equal(t, http.StatusOK, res.StatusCode, string(res.Body[:min(len(res.Body), 200)]))
		var got map[string]string
		require.NoError(t, json.Unmarshal([]byte(echoed(t, res)), &got))
		assert.Equal(t, msg, got["message"])
	})
	t.Run("GET no params", func(t *testing.T) {
		res, err := c.Get(ctx, "echo_params", nil)
		require.NoError(t, err)
		assert.Equal(t, "null", echoed(t, res))
	})
	t.Run("POST JSON", func(t *testing.T) {
		res, err := c.PostJSON(ctx, "echo_params", map[string]any{"group_id": 123, "message": "hi 你好"})
		require.NoError(t, err)
		assert.Equal(t, http.StatusOK, res.StatusCode)
		assert.JSONEq(t, `{"group_id":123,"message":"hi 你好"}`, echoed(t, res))
	})
	t.Run("POST JSON with charset", func(t *testing.T) {
		res, err := c.Do(ctx, http.MethodPost, "/echo_params", "application/json; charset=utf-8", []byte(`{"a":1}`))
		require.NoError(t, err)
		assert.JSONEq(t, `{"a":1}`, echoed(t, res))
	})
	t.Run("POST JSON plus query values", func(t *testing.T) {
		res, err := q.Do(ctx, http.MethodPost, "/echo_params?b=2&a=9", "application/json", []byte(`{"a":1}`))
		require.NoError(t, err)
		assert.JSONEq(t, `{"a":1,"b":"2"}`, echoed(t, res), "the body wins over the query")
	})
	t.Run("POST JSON without Content-Type", func(t *testing.T) {
		res, err := c.Do(ctx, http.MethodPost, "/echo_params", "", []byte(`{"a":1}`))
		require.NoError(t, err)
		assert.JSONEq(t, `{"a":1}`, echoed(t, res))
	})
	t.Run("POST empty body", func(t *testing.T) {
		res, err := c.Do(ctx, http.MethodPost, "/echo_params/", "", nil)
		require.NoError(t, err)
		assert.Equal(t, http.StatusOK, res.StatusCode)
		assert.Equal(t, "null", echoed(t, res))
	})
	t.Run("POST form", func(t *testing.T) {
		res, err := c.PostForm(ctx, "echo_params", map[string]string{"user_id": "42", "message": "a&b=c 你"})
		require.NoError(t, err)
		assert.JSONEq(t, `{"user_id":"42","message":"a&b=c 你"}`, echoed(t, res))
	})
	t.Run("POST / envelope", func(t *testing.T) {
		res, err := c.PostEnvelope(ctx, "echo_params", map[string]any{"x": []int{1, 2}})
		require.NoError(t, err)
		assert.JSONEq(t, `{"x":[1,2]}`, echoed(t, res))
	})
	t.Run("POST / envelope with echo", func(t *testing.T) {
		res, err := c.Do(ctx, http.MethodPost, "/", "application/json", []byte(`{"action":"echo_params","echo":{"k" : 1}}`))
		require.NoError(t, err)
		assert.Contains(t, string(res.Body), `"echo":{"k" : 1}`)
	})
	t.Run("POST / form", func(t *testing.T) {
		res, err := c.PostForm(ctx, "", map[string]string{"action": "echo_params", "v": "1"})
		require.NoError(t, err)
		assert.JSONEq(t, `{"v":"1"}`, echoed(t, res))
	})
	t.Run("GET / with action", func(t *testing.T) {
		res, err := c.Get(ctx, "", map[string]string{"action": "echo_params", "v": "1"})
		require.NoError(t, err)
		assert.JSONEq(t, `{"v":"1"}`, echoed(t, res))
	})
	t.Run("quick operation action", func(t *testing.T) {
		res, err := c.PostJSON(ctx, ".handle_quick_operation", map[string]any{"context": map[string]any{}, "operation": map[string]any{"reply": "x"}})
		require.NoError(t, err)
		assert.Equal(t, http.StatusOK, res.StatusCode)
		assert.Equal(t, "ok", res.Response.Status)
		assert.Contains(t, env.b.seen(), ".handle_quick_operation")
	})
	t.Run("rate limited suffix runs the action", func(t *testing.T) {
		res, err := c.PostJSON(ctx, "echo_params_rate_limited", map[string]any{"a": 1})
		require.NoError(t, err)
		assert.Equal(t, http.StatusOK, res.StatusCode)
		assert.JSONEq(t, `{"a":1}`, echoed(t, res))
	})
}

func TestHTTPErrors(t *testing.T) {
	env := newEnv(t, ServerConfig{MaxBodyBytes: 1024})
	ctx := testCtx(t)
	c := ob11test.NewHTTPClient(env.url, "", ob11test.AuthNone)
	for _, tc := range []struct {
		name, method, path, ctype, body string
		status, retcode                 int
	}{
		{"unknown action", "GET", "/no_such_action", "", "", 404, 1404},
		{"unknown action POST", "POST", "/no_such_action", "application/json", `{}`, 404, 1404},
		{"unknown via envelope", "POST", "/", "application/json", `{"action":"nope"}`, 404, 1404},
		{"bad JSON", "POST", "/echo_params", "application/json", `{"a":`, 400, 1400},
		{"JSON array", "POST", "/echo_params", "application/json", `[1,2]`, 400, 1400},
		{"trailing garbage", "POST", "/echo_params", "application/json", `{"a":1}x`, 400, 1400},
		{"envelope bad JSON", "POST", "/", "application/json", `{"action":`, 400, 1400},
		{"envelope action not string", "POST", "/", "application/json", `{"action":5}`, 400, 1400},
		{"envelope without action", "POST", "/", "application/json", `{"params":{}}`, 400, 1400},
		{"envelope params not object", "POST", "/", "application/json", `{"action":"echo_params","params":[1]}`, 400, 1400},
		{"empty POST /", "POST", "/", "", "", 400, 1400},
		{"backend bad param", "GET", "/bad", "", "", 400, 1400},
		{"failed action is 200", "GET", "/fail", "", "", 200, 1500},
		{"unsupported content type", "POST", "/echo_params", "text/xml", `<a/>`, 406, 1400},
		{"multipart not supported", "POST", "/echo_params", "multipart/form-data; boundary=x", `--x--`, 406, 1400},
		{"no content type, not JSON", "POST", "/echo_params", "", `a=1`, 406, 1400},
		{"body too large", "POST", "/echo_params", "application/json", `{"a":"` + strings.Repeat("x", 2000) + `"}`, 413, 1400},
		{"method not allowed", "PUT", "/echo_params", "application/json", `{}`, 405, 1400},
		{"nested path", "GET", "/a/b", "", "", 404, 1404},
		{"panic is a failure, not a crash", "GET", "/panic", "", "", 200, 1500},
	} {
		t.Run(tc.name, func(t *testing.T) {
			var body []byte
			if tc.body != "" {
				body = []byte(tc.body)
			}
			res, err := c.Do(ctx, tc.method, tc.path, tc.ctype, body)
			require.NoError(t, err)
			assert.Equal(t, tc.status, res.StatusCode, string(res.Body))
			require.NotNil(t, res.Response, string(res.Body))
			assert.Equal(t, tc.retcode, res.Response.Retcode)
			assert.Equal(t, "failed", res.Response.Status)
			assert.NotEmpty(t, res.Response.Message)
			assert.Equal(t, res.Response.Message, res.Response.Wording)
		})
	}
	// The limit is exact: a body of MaxBodyBytes passes.
	exact := `{"a":"` + strings.Repeat("x", 1024-8) + `"}`
	require.Len(t, exact, 1024)
	res, err := c.Do(ctx, http.MethodPost, "/echo_params", "application/json", []byte(exact))
	require.NoError(t, err)
	assert.Equal(t, http.StatusOK, res.StatusCode)
}

func TestHTTPAsync(t *testing.T) {
	env := newEnv(t, ServerConfig{})
	ctx := testCtx(t)
	c := ob11test.NewHTTPClient(env.url, "", ob11test.AuthNone)

	res, err := c.PostJSON(ctx, "block_async", map[string]any{"a": 1})
	require.NoError(t, err)
	assert.Equal(t, http.StatusOK, res.StatusCode)
	assert.JSONEq(t, `{"status":"async","retcode":1,"data":null,"message":"","wording":""}`, string(res.Body))
	// The reply came while the action is still blocked in the background,
	// under its suffix-free name.
	<-env.b.blockIn
	assert.Contains(t, env.b.seen(), "block")
	env.b.release()

	res, err = c.Get(ctx, "echo_params_async", nil)
	require.NoError(t, err)
	assert.Equal(t, "async", res.Response.Status)
	eventually(t, func() bool {
		for _, a := range env.b.seen() {
			if a == "echo_params" {
				return true
			}
		}
		return false
	}, "async action ran")

	// An unknown action or bad params are refused before "async": the
	// backend validates without running the action.
	res, err = c.Get(ctx, "nope_async", nil)
	require.NoError(t, err)
	assert.Equal(t, http.StatusNotFound, res.StatusCode)
	assert.Equal(t, onebot11.RetcodeNotFound, res.Response.Retcode)
	res, err = c.PostJSON(ctx, "nonexistent_action_async", map[string]any{})
	require.NoError(t, err)
	assert.Equal(t, http.StatusNotFound, res.StatusCode)
	res, err = c.PostJSON(ctx, "bad_async", map[string]any{"group_id": "x"})
	require.NoError(t, err)
	assert.Equal(t, http.StatusBadRequest, res.StatusCode)
	assert.Equal(t, "missing parameter user_id", res.Response.Message)
	assert.NotContains(t, env.b.seen(), "bad", "a refused async call never runs")
	assert.NotContains(t, env.b.seen(), "nope")
	assert.Equal(t, 2, env.obs.get(&env.obs.actions, "http/_unknown/1404"), "refusals are observed like actions")
	assert.Equal(t, 1, env.obs.get(&env.obs.actions, "http/bad/1400"))

	// A validator that panics does not take the call down: it runs and
	// reports on its own.
	res, err = c.Get(ctx, "validate_panics_async", nil)
	require.NoError(t, err)
	assert.Equal(t, "async", res.Response.Status)
	// Synchronous calls are not validated twice.
	n := env.b.validations.Load()
	_, err = c.Get(ctx, "echo_params", nil)
	require.NoError(t, err)
	assert.Equal(t, n, env.b.validations.Load())
}

func TestActionTimeout(t *testing.T) {
	env := newEnv(t, ServerConfig{ActionTimeout: 100 * time.Millisecond})
	ctx := testCtx(t)
	c := ob11test.NewHTTPClient(env.url, "", ob11test.AuthNone)
	start := time.Now()
	res, err := c.Get(ctx, "ignore_ctx", map[string]string{"ms": "1500"})
	require.NoError(t, err)
	assert.Less(t, time.Since(start), 1400*time.Millisecond, "reply must not wait for a backend that ignores ctx")
	assert.Equal(t, http.StatusOK, res.StatusCode)
	assert.Equal(t, onebot11.RetcodeUpstreamDown, res.Response.Retcode)
	assert.Contains(t, res.Response.Message, "timed out")
}

func TestSplitSuffixes(t *testing.T) {
	for _, tc := range []struct {
		in, name string
		async    bool
	}{
		{"send_msg", "send_msg", false},
		{"send_msg_async", "send_msg", true},
		{"send_msg_rate_limited", "send_msg", false},
		{"send_msg_async_rate_limited", "send_msg", true},
		{"send_msg_rate_limited_async", "send_msg", true},
		{"_async", "_async", false},
		{"_rate_limited", "_rate_limited", false},
		{".handle_quick_operation", ".handle_quick_operation", false},
		{"x_async_async", "x_async", true},
	} {
		name, async := splitSuffixes(tc.in)
		assert.Equal(t, tc.name, name, tc.in)
		assert.Equal(t, tc.async, async, tc.in)
	}
}

// go-cqhttp's own clients and common bot frameworks POST JSON without a
// Content-Type: every JSON body is taken as JSON, and a cut-off object is
// reported as truncated, not as the wrong shape.
func TestHTTPWithoutContentType(t *testing.T) {
	env := newEnv(t, ServerConfig{})
	ctx := testCtx(t)
	c := ob11test.NewHTTPClient(env.url, "", ob11test.AuthNone)
	for _, tc := range []struct {
		name, path, ctype, body string
		status                  int
		params, message         string
	}{
		{"object", "/echo_params", "", `{"a":1}`, 200, `{"a":1}`, ""},
		{"null", "/echo_params", "", `null`, 200, `null`, ""},
		{"null with blanks", "/echo_params", "", " null\n", 200, `null`, ""},
		{"empty", "/echo_params", "", ``, 200, `null`, ""},
		{"envelope", "/", "", `{"action":"echo_params","params":{"a":1}}`, 200, `{"a":1}`, ""},
		{"truncated object", "/echo_params", "", `{"group_id":1,"message":"hi`, 400, "", "truncated JSON"},
		{"truncated object, JSON type", "/echo_params", "application/json", `{"a":`, 400, "", "truncated JSON"},
		{"truncated envelope", "/", "", `{"action":"echo_params","params":{`, 400, "", "truncated JSON"},
		{"array", "/echo_params", "", `[1]`, 400, "", "must be a JSON object"},
		{"trailing garbage", "/echo_params", "", `{"a":1}x`, 400, "", "invalid request body"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			res, err := c.Do(ctx, http.MethodPost, tc.path, tc.ctype, []byte(tc.body))
			require.NoError(t, err)
			require.Equal(t, tc.status, res.StatusCode, string(res.Body))
			if tc.status == 200 {
				assert.JSONEq(t, tc.params, echoed(t, res))
				return
			}
			require.NotNil(t, res.Response, string(res.Body))
			assert.Contains(t, res.Response.Message, tc.message)
		})
	}
}

// A path, method or header a client chose is echoed clipped, however long.
func TestHTTPErrorEchoesAreBounded(t *testing.T) {
	env := newEnv(t, ServerConfig{})
	ctx := testCtx(t)
	c := ob11test.NewHTTPClient(env.url, "", ob11test.AuthNone)
	long := strings.Repeat("a", 20000)
	for _, tc := range []struct{ path, ctype string }{
		{"/" + long + "/x", ""},
		{"/" + long, ""},
		{"/echo_params", "text/" + long},
	} {
		res, err := c.Do(ctx, http.MethodPost, tc.path, tc.ctype, []byte(`{"a":1}`))
		require.NoError(t, err)
		require.NotNil(t, res.Response, string(res.Body))
		assert.NotEqual(t, 200, res.StatusCode)
		assert.Less(t, len(res.Body), 1000, "reply %s", res.Body[:min(len(res.Body), 200)])
	}
}

// FuzzHTTPBody: any POST body with any (or no) Content-Type is either
// accepted as params that are a JSON object (or none) or refused with a
// short 4xx failure; never a panic.
func FuzzHTTPBody(f *testing.F) {
	for _, seed := range [][2]string{
		{"", `{"a":1}`}, {"", `null`}, {"", ``}, {"", `{"a":`}, {"", `[1]`}, {"", `a=1`},
		{"application/json", `{"action":"x","params":{"a":1}}`}, {"application/x-www-form-urlencoded", `a=1&b=%zz`},
		{"text/plain", ``}, {"application/json; charset=utf-8", ` {"a":"\u00e9"} `},
	} {
		f.Add(seed[0], seed[1], false)
		f.Add(seed[0], seed[1], true)
	}
	s := NewServer(ServerConfig{Logger: slog.New(slog.NewTextHandler(io.Discard, nil))}, newFakeBackend())
	f.Fuzz(func(t *testing.T, ctype, body string, envelope bool) {
		path := "/echo_params"
		if envelope {
			path = "/"
		}
		req, status, fail := s.readHTTPRequest(httpInput{post: true, path: path, contentType: ctype, body: []byte(body)})
		if fail != nil {
			if status < 400 || status > 499 || len(fail.Message) > 400 {
				t.Fatalf("status %d, message %q", status, fail.Message)
			}
			return
		}
		if p := bytes.TrimSpace(req.Params); len(p) > 0 && !bytes.Equal(p, []byte("null")) && (p[0] != '{' || !json.Valid(p)) && !envelope {
			t.Fatalf("accepted params %q", p)
		}
	})
}
