package client

import (
	"context"
	"errors"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/goccy/go-json"
	"github.com/qqbridge/gateway/internal/testkit"
	"github.com/qqbridge/gateway/milky"
	"github.com/qqbridge/gateway/milky/server"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// fakeObserver records what the client reports.
type fakeObserver struct {
	mu           sync.Mutex
	calls        []string
	callErrs     []error
	connected    int
	disconnected int
	reconnects   []int // attempt numbers
	delays       []float64
}

func (o *fakeObserver) APICall(api string, _ float64, err error) {
	o.mu.Lock()
	defer o.mu.Unlock()
	o.calls = append(o.calls, api)
	o.callErrs = append(o.callErrs, err)
}
func (o *fakeObserver) StreamConnected(string) { o.mu.Lock(); o.connected++; o.mu.Unlock() }
func (o *fakeObserver) StreamDisconnected(string, error) {
	o.mu.Lock()
	o.disconnected++
	o.mu.Unlock()
}
func (o *fakeObserver) StreamReconnect(_ string, attempt int, delay float64) {
	o.mu.Lock()
	defer o.mu.Unlock()
	o.reconnects = append(o.reconnects, attempt)
	o.delays = append(o.delays, delay)
}
func (o *fakeObserver) counts() (conn, disc, rec int) {
	o.mu.Lock()
	defer o.mu.Unlock()
	return o.connected, o.disconnected, len(o.reconnects)
}

func newTestClient(t *testing.T, base string, mod func(*ClientConfig)) *Client {
	t.Helper()
	cfg := ClientConfig{BaseURL: base, Timeout: 5 * time.Second}
	if mod != nil {
		mod(&cfg)
	}
	c, err := NewClient(cfg)
	require.NoError(t, err)
	t.Cleanup(c.hc.CloseIdleConnections)
	return c
}

func TestNewClientValidation(t *testing.T) {
	for _, bad := range []string{"", "   ", "127.0.0.1:3000", "ws://127.0.0.1:3000", "http://", "http://h/?a=1", "http://u:p@h/", "://x"} {
		_, err := NewClient(ClientConfig{BaseURL: bad})
		require.Error(t, err, "BaseURL %q", bad)
		assert.Contains(t, err.Error(), "BaseURL", "error names the field for %q", bad)
	}
	_, err := NewClient(ClientConfig{BaseURL: "http://h", Timeout: -1})
	assert.ErrorContains(t, err, "Timeout")

	c, err := NewClient(ClientConfig{BaseURL: "https://example.com/milky/"})
	require.NoError(t, err)
	assert.Equal(t, "https://example.com/milky/api/", c.apiBase)
	assert.Equal(t, "https://example.com/milky/event", c.eventURL)
	assert.Equal(t, 30*time.Second, c.cfg.Timeout)
	assert.Equal(t, 2*time.Second, c.cfg.DialTimeout)
	tr, ok := c.hc.Transport.(*http.Transport)
	require.True(t, ok)
	assert.GreaterOrEqual(t, tr.MaxIdleConnsPerHost, 8)
}

func TestCallSuccess(t *testing.T) {
	var got struct {
		method, path, ctype, auth string
		body                      []byte
	}
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		got.method, got.path, got.ctype, got.auth = r.Method, r.URL.Path, r.Header.Get("Content-Type"), r.Header.Get("Authorization")
		got.body, _ = io.ReadAll(r.Body)
		// Unknown fields anywhere must be ignored; missing ones stay zero.
		_, _ = io.WriteString(w, `{"status":"ok","retcode":0,"extra":1,"data":{"uin":10001,"nickname":"bot","future_field":[1,2]}}`)
	}))
	defer srv.Close()
	obs := &fakeObserver{}
	c := newTestClient(t, srv.URL, func(cfg *ClientConfig) { cfg.Token = "s3cret"; cfg.Observer = obs })

	var out milky.GetLoginInfoOutput
	require.NoError(t, c.Call(context.Background(), milky.APIGetLoginInfo, nil, &out))
	assert.Equal(t, milky.GetLoginInfoOutput{Uin: 10001, Nickname: "bot"}, out)
	assert.Equal(t, http.MethodPost, got.method)
	assert.Equal(t, "/api/get_login_info", got.path)
	assert.Equal(t, "application/json", got.ctype)
	assert.Equal(t, "Bearer s3cret", got.auth)
	assert.Equal(t, "{}", string(got.body), "nil request sends {}")

	require.NoError(t, c.Call(context.Background(), milky.APISendPrivateMessage,
		milky.SendPrivateMessageInput{UserID: 10002, Message: []milky.OutgoingSegment{{Type: milky.SegText, Data: milky.OutgoingText{Text: "hi"}}}}, nil))
	assert.JSONEq(t, `{"user_id":10002,"message":[{"type":"text","data":{"text":"hi"}}]}`, string(got.body))

	obs.mu.Lock()
	assert.Equal(t, []string{milky.APIGetLoginInfo, milky.APISendPrivateMessage}, obs.calls)
	assert.Equal(t, []error{nil, nil}, obs.callErrs)
	obs.mu.Unlock()
}

func TestCallNoTokenNoHeader(t *testing.T) {
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		assert.Empty(t, r.Header.Get("Authorization"))
		_, _ = io.WriteString(w, `{"status":"ok","retcode":0,"data":{}}`)
	}))
	defer srv.Close()
	require.NoError(t, newTestClient(t, srv.URL, nil).Call(context.Background(), "x", nil, nil))
}

func TestCallErrors(t *testing.T) {
	cases := []struct {
		name    string
		status  int
		body    string
		wantAPI *milky.APIError // nil: want *UnavailableError
	}{
		{"failed envelope", 200, `{"status":"failed","retcode":-403,"message":"未处于登录状态"}`,
			&milky.APIError{API: "get_friend_list", Retcode: -403, Message: "未处于登录状态"}},
		{"failed bad param", 200, `{"status":"failed","retcode":-400,"message":"user_id (-1) 不是一个合法的 QQ 号"}`,
			&milky.APIError{API: "get_friend_list", Retcode: -400, Message: "user_id (-1) 不是一个合法的 QQ 号"}},
		{"401", 401, "unauthorized\n", &milky.APIError{API: "get_friend_list", HTTPStatus: 401, Message: "unauthorized"}},
		{"404", 404, "", &milky.APIError{API: "get_friend_list", HTTPStatus: 404, Message: "Not Found"}},
		{"415", 415, `{"status":"failed","retcode":-415,"message":"bad content type"}`,
			&milky.APIError{API: "get_friend_list", HTTPStatus: 415, Message: "bad content type"}},
		{"500", 500, "boom", &milky.APIError{API: "get_friend_list", HTTPStatus: 500, Message: "boom"}},
		{"502", 502, "bad gateway", &milky.APIError{API: "get_friend_list", HTTPStatus: 502, Message: "bad gateway"}},
		{"not json", 200, "<html>hello</html>", nil},
		{"truncated json", 200, `{"status":"ok","retcode":0,"data":{"friends":[`, nil},
		{"unknown status", 200, `{"status":"weird","retcode":0,"data":{}}`, nil},
		{"data of the wrong shape", 200, `{"status":"ok","retcode":0,"data":{"friends":"nope"}}`, nil},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
				w.WriteHeader(tc.status)
				_, _ = io.WriteString(w, tc.body)
			}))
			defer srv.Close()
			var out milky.GetFriendListOutput
			err := newTestClient(t, srv.URL, nil).Call(context.Background(), milky.APIGetFriendList, nil, &out)
			require.Error(t, err)
			if tc.wantAPI != nil {
				var ae *milky.APIError
				require.ErrorAs(t, err, &ae)
				assert.Equal(t, tc.wantAPI, ae)
				return
			}
			var ue *milky.UnavailableError
			require.ErrorAs(t, err, &ue, "got %T %v", err, err)
			assert.Equal(t, milky.APIGetFriendList, ue.API)
		})
	}
}

func TestCallConnectionRefused(t *testing.T) {
	c := newTestClient(t, "http://"+testkit.FreeAddr(t), func(cfg *ClientConfig) { cfg.Timeout = 30 * time.Second })
	// The guard is far below the call timeout; it takes milliseconds.
	err := unavailableWithin(t, c, 5*time.Second, "a refused connection must fail fast, not wait for the call timeout")
	assert.Contains(t, err.Error(), "refused")
}

// unavailableWithin calls get_login_info and requires it to fail with a
// *milky.UnavailableError before guard (which only guards against hangs).
func unavailableWithin(t *testing.T, c *Client, guard time.Duration, hang string) error {
	t.Helper()
	done := make(chan error, 1)
	go func() { done <- c.Call(context.Background(), milky.APIGetLoginInfo, nil, nil) }()
	select {
	case err := <-done:
		var ue *milky.UnavailableError
		require.ErrorAs(t, err, &ue)
		return err
	case <-time.After(guard):
		t.Fatal(hang)
		return nil
	}
}

// hangingServer answers every request with head (if any) and then hangs
// until the client gives up or the test ends.
func hangingServer(t *testing.T, head string) string {
	release := make(chan struct{})
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if head != "" {
			_, _ = io.WriteString(w, head)
			w.(http.Flusher).Flush()
		}
		select {
		case <-release:
		case <-r.Context().Done():
		}
	}))
	t.Cleanup(srv.Close)
	t.Cleanup(func() { close(release) })
	return srv.URL
}

func TestCallTimeoutOnHangingServer(t *testing.T) {
	c := newTestClient(t, hangingServer(t, ""), func(cfg *ClientConfig) { cfg.Timeout = 200 * time.Millisecond })
	err := unavailableWithin(t, c, 10*time.Second, "call did not honour Timeout")
	assert.ErrorIs(t, err, context.DeadlineExceeded)
}

func TestCallHangingBodyTimesOut(t *testing.T) {
	c := newTestClient(t, hangingServer(t, `{"status":"ok",`), func(cfg *ClientConfig) { cfg.Timeout = 200 * time.Millisecond })
	err := c.Call(context.Background(), milky.APIGetLoginInfo, nil, nil)
	var ue *milky.UnavailableError
	require.ErrorAs(t, err, &ue)
}

func TestCallRespectsContext(t *testing.T) {
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		_, _ = io.ReadAll(r.Body) // the server notices the client leaving only after the body
		<-r.Context().Done()
	}))
	defer srv.Close()
	c := newTestClient(t, srv.URL, nil)
	ctx, cancel := context.WithCancel(context.Background())
	time.AfterFunc(50*time.Millisecond, cancel)
	err := c.Call(ctx, milky.APIGetLoginInfo, nil, nil)
	require.ErrorIs(t, err, context.Canceled)
}

func TestCallEncodeErrorNamesAPI(t *testing.T) {
	c := newTestClient(t, "http://127.0.0.1:1", nil)
	err := c.Call(context.Background(), "x", map[string]any{"f": func() {}}, nil)
	require.Error(t, err)
	assert.Contains(t, err.Error(), "milky x: encode request")
}

func TestCallReusesConnections(t *testing.T) {
	var newConns atomic.Int32
	srv := httptest.NewUnstartedServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		_, _ = io.WriteString(w, `{"status":"ok","retcode":0,"data":{}}`)
	}))
	srv.Config.ConnState = func(_ net.Conn, s http.ConnState) {
		if s == http.StateNew {
			newConns.Add(1)
		}
	}
	srv.Start()
	defer srv.Close()
	c := newTestClient(t, srv.URL, nil)
	for range 50 {
		require.NoError(t, c.Call(context.Background(), "x", nil, nil))
	}
	assert.Equal(t, int32(1), newConns.Load(), "sequential calls share one keep-alive connection")
}

// TestClientAgainstServer runs the client against this package's server.
func TestClientAgainstServer(t *testing.T) {
	h := apiFunc(func(_ context.Context, api string, body []byte) (any, error) {
		switch api {
		case milky.APIGetLoginInfo:
			return milky.GetLoginInfoOutput{Uin: 10001, Nickname: "bot"}, nil
		case milky.APIGetFriendInfo:
			var in milky.GetFriendInfoInput
			if err := json.Unmarshal(body, &in); err != nil {
				return nil, &milky.APIError{Retcode: milky.RetcodeBadParam, Message: "user_id: " + err.Error()}
			}
			return nil, &milky.APIError{Retcode: milky.RetcodeNotFound, Message: "user_id 对应的好友不存在"}
		case milky.APISetNickname:
			return nil, nil
		}
		return nil, milky.ErrUnknownAPI
	})
	_, base := servePeer(t, server.Config{Token: "tok", API: h})
	c := newTestClient(t, base, func(cfg *ClientConfig) { cfg.Token = "tok" })
	ctx := context.Background()

	var li milky.GetLoginInfoOutput
	require.NoError(t, c.Call(ctx, milky.APIGetLoginInfo, nil, &li))
	assert.Equal(t, int64(10001), li.Uin)
	require.NoError(t, c.Call(ctx, milky.APISetNickname, milky.SetNicknameInput{NewNickname: "x"}, nil))

	var ae *milky.APIError
	require.ErrorAs(t, c.Call(ctx, milky.APIGetFriendInfo, milky.GetFriendInfoInput{UserID: 10002}, nil), &ae)
	assert.Equal(t, &milky.APIError{API: milky.APIGetFriendInfo, Retcode: -404, Message: "user_id 对应的好友不存在"}, ae)

	require.ErrorAs(t, c.Call(ctx, "no_such_api", nil, nil), &ae)
	assert.Equal(t, 404, ae.HTTPStatus)

	bad := newTestClient(t, base, func(cfg *ClientConfig) { cfg.Token = "wrong" })
	require.ErrorAs(t, bad.Call(ctx, milky.APIGetLoginInfo, nil, nil), &ae)
	assert.Equal(t, 401, ae.HTTPStatus)
	assert.False(t, errors.As(bad.Call(ctx, milky.APIGetLoginInfo, nil, nil), new(*milky.UnavailableError)))
	assert.NotContains(t, ae.Error(), "wrong", "the token never shows up in errors")
}

func BenchmarkCall(b *testing.B) {
	_, base := servePeer(b, server.Config{Token: "tok", API: apiFunc(func(context.Context, string, []byte) (any, error) {
		return milky.SendMessageOutput{MessageSeq: 1, Time: 2}, nil
	})})
	c, err := NewClient(ClientConfig{BaseURL: base, Token: "tok"})
	require.NoError(b, err)
	in := milky.SendPrivateMessageInput{UserID: 10002, Message: []milky.OutgoingSegment{{Type: milky.SegText, Data: milky.OutgoingText{Text: "hello"}}}}
	b.ReportAllocs()
	b.RunParallel(func(pb *testing.PB) {
		var out milky.SendMessageOutput
		for pb.Next() {
			if err := c.Call(context.Background(), milky.APISendPrivateMessage, in, &out); err != nil {
				b.Error(err)
				return
			}
		}
	})
}
