package client

import (
	"context"
	"net/http"
	"testing"
	"time"

	"github.com/goccy/go-json"
	"github.com/gorilla/websocket"
	"github.com/qqbridge/gateway/onebot11"
	"github.com/qqbridge/gateway/onebot11/ob11fake"
	"github.com/stretchr/testify/require"
)

func reverseURL(c *Client) string { return "ws://" + c.Addr().String() + "/onebot/v11/ws" }

func TestReverseUniversalReplacement(t *testing.T) {
	col := newCollector()
	c := start(t, Config{Listen: "127.0.0.1:0", Token: "tok", Handler: col})
	// Nobody connected: calls fail at once.
	var ue *onebot11.UnavailableError
	require.ErrorAs(t, c.Call(ctxT(t), "get_status", nil, nil), &ue)
	require.Contains(t, ue.Error(), "no implementation is connected")

	a := newFake(t, ob11fake.Options{Token: "tok", Nickname: "a"})
	require.NoError(t, a.DialReverse(ctxT(t), reverseURL(c), "Universal"))
	waitReady(t, c)
	info, _ := c.Info()
	require.Equal(t, "a", info.Nickname)
	for i := 1; i <= 20; i++ {
		require.NoError(t, a.Emit(ob11fake.PrivateMessage(a.SelfID(), i, "x")))
	}
	// The implementation restarts and reconnects while the old socket is
	// still open: the new one replaces it.
	b := newFake(t, ob11fake.Options{Token: "tok", Nickname: "b"})
	require.NoError(t, b.DialReverse(ctxT(t), reverseURL(c), "Universal"))
	require.NoError(t, a.WaitConns(ctxT(t), 0), "the replaced connection is closed")
	for i := 21; i <= 40; i++ {
		require.NoError(t, b.Emit(ob11fake.PrivateMessage(b.SelfID(), i, "x")))
	}
	require.Equal(t, seq(1, 40), col.waitEvents(t, 40))
	require.Eventually(t, func() bool { info, _ := c.Info(); return c.Ready() && info.Nickname == "b" }, 5*time.Second, time.Millisecond)
	n := len(b.CallsOf("get_status"))
	require.NoError(t, c.Call(ctxT(t), "get_status", nil, nil))
	require.Len(t, b.CallsOf("get_status"), n+1, "calls go over the new connection")
	require.Empty(t, a.CallsOf("get_status"))
}

func TestReverseSplitRoles(t *testing.T) {
	col := newCollector()
	c := start(t, Config{Listen: "127.0.0.1:0", Handler: col})
	f := newFake(t, ob11fake.Options{})
	require.NoError(t, f.DialReverse(ctxT(t), reverseURL(c)+"/event", "Event"))
	require.NoError(t, f.Emit(ob11fake.PrivateMessage(f.SelfID(), 1, "x")))
	require.Equal(t, []int{1}, col.waitEvents(t, 1))
	require.False(t, c.Ready(), "no API connection yet")
	require.NoError(t, f.DialReverse(ctxT(t), reverseURL(c)+"/api", "API"))
	waitReady(t, c)
	require.NoError(t, c.Call(ctxT(t), "get_status", nil, nil))
}

func TestReverseHandshakeChecks(t *testing.T) {
	c := start(t, Config{Listen: "127.0.0.1:0", Token: "tok"})
	dial := func(h http.Header, url string) int {
		ws, resp, err := websocket.DefaultDialer.DialContext(ctxT(t), url, h)
		if err == nil {
			_ = ws.Close()
			return 101
		}
		require.NotNil(t, resp, err)
		return resp.StatusCode
	}
	url := reverseURL(c)
	require.Equal(t, 401, dial(http.Header{}, url))
	require.Equal(t, 403, dial(http.Header{"Authorization": {"Bearer nope"}}, url))
	require.Equal(t, 400, dial(http.Header{"Authorization": {"Token tok"}, "X-Client-Role": {"Bogus"}}, url))
	require.Equal(t, 101, dial(http.Header{"Authorization": {"Token tok"}}, url))
	require.Equal(t, 101, dial(http.Header{}, url+"?access_token=tok"))
	resp, err := http.Get("http://" + c.Addr().String() + "/?access_token=tok")
	require.NoError(t, err)
	_ = resp.Body.Close()
	require.Equal(t, 400, resp.StatusCode, "not a WebSocket upgrade")
}

func TestReverseDropFailsPending(t *testing.T) {
	c := start(t, Config{Listen: "127.0.0.1:0"})
	f := newFake(t, ob11fake.Options{})
	f.Handle("hang", func(json.RawMessage) ob11fake.Reply { return ob11fake.Reply{NoReply: true} })
	require.NoError(t, f.DialReverse(ctxT(t), reverseURL(c), "Universal"))
	waitReady(t, c)
	done := make(chan error, 1)
	go func() { done <- c.Call(context.Background(), "hang", nil, nil) }()
	require.Eventually(t, func() bool { return len(f.CallsOf("hang")) == 1 }, 5*time.Second, time.Millisecond)
	f.Drop()
	var ue *onebot11.UnavailableError
	require.ErrorAs(t, <-done, &ue)
	require.Eventually(t, func() bool { return !c.Ready() }, 5*time.Second, time.Millisecond)
}
