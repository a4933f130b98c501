package client

import (
	"context"
	"net"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/goccy/go-json"
	"github.com/qqbridge/gateway/onebot11"
	"github.com/qqbridge/gateway/onebot11/ob11fake"
	"github.com/stretchr/testify/require"
	"github.com/valyala/fasthttp"
)

// servePost mounts c.PostHandler at /onebot/v11/post on a loopback
// fasthttp server, as the gateway mounts it on its downstream port, and
// returns the POST URL.
func servePost(t *testing.T, c *Client) string {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	require.NoError(t, err)
	h := c.PostHandler()
	srv := &fasthttp.Server{Handler: func(ctx *fasthttp.RequestCtx) {
		if string(ctx.Path()) == "/onebot/v11/post" {
			h(ctx)
			return
		}
		ctx.NotFound()
	}}
	go func() { _ = srv.Serve(ln) }()
	t.Cleanup(func() { _ = srv.Shutdown() })
	return "http://" + ln.Addr().String() + "/onebot/v11/post"
}

func TestHTTPCalls(t *testing.T) {
	f := newFake(t, ob11fake.Options{Token: "tok"})
	f.Handle("get_group_info", func(p json.RawMessage) ob11fake.Reply {
		var in struct {
			GroupID int64 `json:"group_id"`
		}
		_ = json.Unmarshal(p, &in)
		return ob11fake.Reply{Data: map[string]any{"group_id": in.GroupID, "group_name": "g"}}
	})
	f.Handle("failed_env", func(json.RawMessage) ob11fake.Reply {
		return ob11fake.Reply{Retcode: 100, Message: "no such group"}
	})
	f.Handle("bad_request", func(json.RawMessage) ob11fake.Reply {
		return ob11fake.Reply{HTTPStatus: 400, Raw: []byte("missing group_id")}
	})
	f.Handle("proxy_down", func(json.RawMessage) ob11fake.Reply {
		return ob11fake.Reply{HTTPStatus: 502, Raw: []byte("bad gateway")}
	})
	f.Handle("garbage", func(json.RawMessage) ob11fake.Reply { return ob11fake.Reply{Raw: []byte("<html>")} })
	f.Handle("slow", func(json.RawMessage) ob11fake.Reply { return ob11fake.Reply{Delay: 500 * time.Millisecond} })
	url, err := f.ListenHTTP("127.0.0.1:0")
	require.NoError(t, err)
	c := start(t, Config{URL: url + "/", Token: "tok", Timeout: 100 * time.Millisecond})

	var out struct {
		GroupID   int64  `json:"group_id"`
		GroupName string `json:"group_name"`
	}
	require.NoError(t, c.Call(ctxT(t), "get_group_info", map[string]any{"group_id": 3328144510}, &out))
	require.Equal(t, int64(3328144510), out.GroupID)
	require.Equal(t, "g", out.GroupName)
	calls := f.CallsOf("get_group_info")
	require.Len(t, calls, 1)
	require.Equal(t, "Bearer tok", calls[0].Auth)
	require.JSONEq(t, `{"group_id":3328144510}`, string(calls[0].Params))

	var ae *onebot11.ActionError
	var ue *onebot11.UnavailableError
	require.ErrorAs(t, c.Call(ctxT(t), "failed_env", nil, nil), &ae)
	require.Equal(t, 100, ae.Retcode)
	require.Equal(t, "no such group", ae.Message)
	require.ErrorAs(t, c.Call(ctxT(t), "nope", nil, nil), &ae)
	require.Equal(t, 404, ae.HTTPStatus)
	require.ErrorAs(t, c.Call(ctxT(t), "bad_request", nil, nil), &ae)
	require.Equal(t, 400, ae.HTTPStatus)
	require.Equal(t, "missing group_id", ae.Message)
	require.ErrorAs(t, c.Call(ctxT(t), "proxy_down", nil, nil), &ue)
	require.ErrorAs(t, c.Call(ctxT(t), "garbage", nil, nil), &ue)
	require.ErrorAs(t, c.Call(ctxT(t), "slow", nil, nil), &ue)
	require.Contains(t, ue.Error(), "no reply within 100ms")
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Millisecond)
	defer cancel()
	require.ErrorAs(t, c.Call(ctx, "slow", nil, nil), &ue)
	require.ErrorIs(t, ue, context.DeadlineExceeded)

	bad := start(t, Config{URL: url, Token: "wrong"})
	err = bad.Call(ctxT(t), "get_status", nil, nil)
	require.ErrorAs(t, err, &ae)
	require.Equal(t, 403, ae.HTTPStatus)
	require.Contains(t, err.Error(), "check --upstream-token")
	none := start(t, Config{URL: url})
	require.ErrorAs(t, none.Call(ctxT(t), "get_status", nil, nil), &ae)
	require.Equal(t, 401, ae.HTTPStatus)
}

func TestHTTPUpstreamDown(t *testing.T) {
	f := newFake(t, ob11fake.Options{})
	url, err := f.ListenHTTP("127.0.0.1:0")
	require.NoError(t, err)
	f.StopListening()
	c := start(t, Config{URL: url})
	var ue *onebot11.UnavailableError
	require.ErrorAs(t, c.Call(ctxT(t), "get_status", nil, nil), &ue)
	require.False(t, c.Ready())
}

func TestHTTPPostEventsAndReadiness(t *testing.T) {
	f := newFake(t, ob11fake.Options{Secret: "s3cret"})
	url, err := f.ListenHTTP("127.0.0.1:0")
	require.NoError(t, err)
	col := newCollector()
	obs := newObserver()
	c := start(t, Config{URL: url, Secret: "s3cret", Handler: col, Observer: obs, StaleAfter: time.Hour})
	post := servePost(t, c)
	f.PostTo(post)
	waitReady(t, c)
	info, ok := c.Info()
	require.True(t, ok)
	require.Equal(t, f.SelfID(), info.SelfID)

	for i := 1; i <= 50; i++ {
		require.NoError(t, f.Emit(ob11fake.PrivateMessage(f.SelfID(), i, "x")))
	}
	require.Equal(t, seq(1, 50), col.waitEvents(t, 50))

	body := []byte(`{"post_type":"message","message_id":99}`)
	st, _ := f.Post(post, body, "-")
	require.Equal(t, http.StatusForbidden, st, "missing signature")
	st, _ = f.Post(post, body, "sha1=0000000000000000000000000000000000000000")
	require.Equal(t, http.StatusForbidden, st, "bad signature")
	st, _ = f.Post(post, body, ob11fake.Sign("other", body))
	require.Equal(t, http.StatusForbidden, st, "signed with another secret")
	require.Equal(t, 3, obs.droppedOf(DropBadSig))
	st, _ = f.Post(post, []byte(`[1]`), "")
	require.Equal(t, http.StatusBadRequest, st)
	st, _ = f.Post(post, []byte(`{"status":"ok","retcode":0}`), "")
	require.Equal(t, http.StatusBadRequest, st, "a response is not an event")
	st, err = f.Post(post, body, "")
	require.NoError(t, err)
	require.Equal(t, http.StatusNoContent, st)
	require.Equal(t, append(seq(1, 50), 99), col.waitEvents(t, 51))

	resp, err := http.Get(post)
	require.NoError(t, err)
	_ = resp.Body.Close()
	require.Equal(t, http.StatusMethodNotAllowed, resp.StatusCode)

	// The reply never carries a quick operation.
	resp, err = http.Post(post, "application/json", strings.NewReader(`{"post_type":"message"}`))
	require.NoError(t, err)
	_ = resp.Body.Close()
	require.Equal(t, http.StatusForbidden, resp.StatusCode) // unsigned
	// Heartbeats drive readiness in HTTP mode too.
	require.NoError(t, f.Emit(ob11fake.Lifecycle(f.SelfID(), "disable")))
	require.Eventually(t, func() bool { return !c.Ready() }, 5*time.Second, time.Millisecond)
	require.NoError(t, f.Emit(ob11fake.Heartbeat(f.SelfID(), 60_000, true)))
	require.NoError(t, f.Emit(ob11fake.Lifecycle(f.SelfID(), "enable")))
	waitReady(t, c)
	col.mu.Lock()
	require.Len(t, col.events, 51, "meta events are not passed to OnEvent")
	col.mu.Unlock()
}

func TestHTTPReadinessProbes(t *testing.T) {
	f := newFake(t, ob11fake.Options{})
	url, err := f.ListenHTTP("127.0.0.1:0")
	require.NoError(t, err)
	addr := strings.TrimPrefix(url, "http://")
	c := start(t, Config{URL: url, StaleAfter: 150 * time.Millisecond, Timeout: time.Second})
	waitReady(t, c)
	// No events at all: get_status probes keep an idle upstream ready.
	require.Eventually(t, func() bool { return len(f.CallsOf("get_status")) >= 2 }, 5*time.Second, 5*time.Millisecond)
	waitReady(t, c)
	f.StopListening()
	require.Eventually(t, func() bool { return !c.Ready() }, 5*time.Second, 5*time.Millisecond)
	_, err = f.ListenHTTP(addr)
	require.NoError(t, err)
	waitReady(t, c)
}

func TestPostHandlerRefusedInWSMode(t *testing.T) {
	c, err := New(Config{URL: "ws://127.0.0.1:1", Logger: quietLogger()})
	require.NoError(t, err)
	var ctx fasthttp.RequestCtx
	ctx.Request.Header.SetMethod("POST")
	ctx.Request.SetBodyString(`{"post_type":"message"}`)
	c.PostHandler()(&ctx)
	require.Equal(t, 404, ctx.Response.StatusCode())
}
