package simulator

import (
	"bytes"
	"context"
	"fmt"
	"image/png"
	"io"
	"net/http"
	"strings"
	"testing"
	"time"

	milkyclient "github.com/qqbridge/gateway/milky/client"

	"github.com/goccy/go-json"
	"github.com/gorilla/websocket"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/qqbridge/gateway/milky"
)

const testToken = "s3cret"

// startHTTP serves a simulator on loopback; it returns the base URL.
func startHTTP(t *testing.T, opts Options) (*Sim, string) {
	t.Helper()
	if opts.Now == nil {
		opts.Now = func() time.Time { return testNow }
	}
	opts.Token = testToken
	s := New(opts)
	t.Cleanup(s.Close)
	base, err := s.Listen("127.0.0.1:0")
	require.NoError(t, err)
	return s, base
}

func postAPI(t *testing.T, base, token, api, body string) (int, map[string]any) {
	t.Helper()
	req, err := http.NewRequest(http.MethodPost, base+"/api/"+api, strings.NewReader(body))
	require.NoError(t, err)
	req.Header.Set("Content-Type", "application/json")
	if token != "" {
		req.Header.Set("Authorization", "Bearer "+token)
	}
	resp, err := http.DefaultClient.Do(req)
	require.NoError(t, err)
	defer resp.Body.Close()
	raw, err := io.ReadAll(resp.Body)
	require.NoError(t, err)
	var env map[string]any
	if resp.StatusCode == http.StatusOK {
		require.NoError(t, json.Unmarshal(raw, &env), string(raw))
	}
	return resp.StatusCode, env
}

func waitSubscribers(t *testing.T, s *Sim, n int) {
	t.Helper()
	deadline := time.Now().Add(10 * time.Second)
	for s.Subscribers() != n {
		require.True(t, time.Now().Before(deadline), "want %d /event subscribers, have %d", n, s.Subscribers())
		time.Sleep(5 * time.Millisecond)
	}
}

func TestHTTPAPI(t *testing.T) {
	s, base := startHTTP(t, Options{})

	code, env := postAPI(t, base, testToken, "get_login_info", `{}`)
	require.Equal(t, http.StatusOK, code)
	assert.Equal(t, "ok", env["status"])
	assert.Equal(t, float64(0), env["retcode"])
	assert.Equal(t, map[string]any{"uin": float64(s.SelfID()), "nickname": DefaultNickname}, env["data"])

	code, env = postAPI(t, base, testToken, "set_bio", `{"new_bio": "x"}`)
	require.Equal(t, http.StatusOK, code)
	assert.Equal(t, map[string]any{}, env["data"], "APIs without output answer data {}")

	code, env = postAPI(t, base, testToken, "get_user_profile", `{"user_id": -1}`)
	require.Equal(t, http.StatusOK, code)
	assert.Equal(t, "failed", env["status"])
	assert.Equal(t, float64(-400), env["retcode"])
	assert.Contains(t, env["message"], "user_id")

	code, _ = postAPI(t, base, testToken, "no_such_api", `{}`)
	assert.Equal(t, http.StatusNotFound, code)
	code, _ = postAPI(t, base, "wrong", "get_login_info", `{}`)
	assert.Equal(t, http.StatusUnauthorized, code)
	code, _ = postAPI(t, base, "", "get_login_info", `{}`)
	assert.Equal(t, http.StatusUnauthorized, code)

	calls := s.Calls()
	require.Len(t, calls, 4, "calls reaching the handler are recorded (auth failures never do)")
	assert.Equal(t, "get_login_info", calls[0].API)
	assert.Equal(t, "no_such_api", calls[3].API)
}

func TestHTTPWebSocketEvents(t *testing.T) {
	s, base := startHTTP(t, Options{})
	wsURL := "ws" + strings.TrimPrefix(base, "http") + "/event"

	_, resp, err := websocket.DefaultDialer.Dial(wsURL, nil)
	require.Error(t, err)
	require.NotNil(t, resp)
	assert.Equal(t, http.StatusUnauthorized, resp.StatusCode)

	conn, _, err := websocket.DefaultDialer.Dial(wsURL+"?access_token="+testToken, nil)
	require.NoError(t, err)
	defer conn.Close()
	waitSubscribers(t, s, 1)

	read := func() milky.Event {
		t.Helper()
		require.NoError(t, conn.SetReadDeadline(time.Now().Add(10*time.Second)))
		typ, raw, err := conn.ReadMessage()
		require.NoError(t, err)
		assert.Equal(t, websocket.TextMessage, typ)
		var ev milky.Event
		require.NoError(t, json.Unmarshal(raw, &ev))
		return ev
	}

	g := s.Groups()[0].GroupID
	m := s.ReceiveGroupMessage(g, s.Members(g)[1].UserID, textSegs("来自群友"))
	ev := read()
	assert.Equal(t, milky.EventMessageReceive, ev.EventType)
	assert.Equal(t, s.SelfID(), ev.SelfID)
	assert.Equal(t, testNow.Unix(), ev.Time)
	want, _ := json.Marshal(m)
	assert.JSONEq(t, string(want), string(ev.Data))

	// An API call over HTTP produces its events on the stream.
	code, env := postAPI(t, base, testToken, "send_group_message",
		fmt.Sprintf(`{"group_id": %d, "message": [{"type": "text", "data": {"text": "bot says"}}]}`, g))
	require.Equal(t, http.StatusOK, code)
	require.Equal(t, "ok", env["status"], env)
	ev = read()
	var own milky.IncomingMessage
	require.NoError(t, json.Unmarshal(ev.Data, &own))
	assert.Equal(t, s.SelfID(), own.SenderID)
	assert.Equal(t, env["data"].(map[string]any)["message_seq"], float64(own.MessageSeq))

	code, _ = postAPI(t, base, testToken, "set_group_member_mute",
		fmt.Sprintf(`{"group_id": %d, "user_id": %d, "duration": 60}`, g, s.Members(g)[4].UserID))
	require.Equal(t, http.StatusOK, code)
	assert.Equal(t, milky.EventGroupMute, read().EventType)

	// DropStreams closes the connection.
	s.DropStreams()
	require.NoError(t, conn.SetReadDeadline(time.Now().Add(10*time.Second)))
	_, _, err = conn.ReadMessage()
	assert.Error(t, err)
	waitSubscribers(t, s, 0)
}

// TestHTTPWithMilkyClient runs the gateway's own Milky client against the
// simulator over SSE: the path the gateway takes when no upstream is set.
func TestHTTPWithMilkyClient(t *testing.T) {
	s, base := startHTTP(t, Options{})
	c, err := milkyclient.NewClient(milkyclient.ClientConfig{BaseURL: base, Token: testToken})
	require.NoError(t, err)

	var info milky.GetImplInfoOutput
	require.NoError(t, c.Call(context.Background(), milky.APIGetImplInfo, nil, &info))
	assert.Equal(t, milky.Version, info.MilkyVersion)

	var members milky.GetGroupMemberListOutput
	g := s.Groups()[1].GroupID
	require.NoError(t, c.Call(context.Background(), milky.APIGetGroupMemberList, milky.GetGroupMemberListInput{GroupID: g}, &members))
	assert.Equal(t, s.Members(g), members.Members)

	err = c.Call(context.Background(), milky.APIGetFriendInfo, milky.GetFriendInfoInput{UserID: 10001}, nil)
	var ae *milky.APIError
	require.ErrorAs(t, err, &ae)
	assert.Equal(t, milky.RetcodeNotFound, ae.Retcode)

	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	events := make(chan *milky.Event, 16)
	done := make(chan struct{})
	go func() {
		defer close(done)
		_ = c.RunEvents(ctx, milkyclient.StreamConfig{Transport: milky.TransportSSE}, func(ev *milky.Event) { events <- ev })
	}()
	waitSubscribers(t, s, 1)
	seq := s.GroupJoinRequest(g, 12345678, "hi", false)
	select {
	case ev := <-events:
		assert.Equal(t, milky.EventGroupJoinRequest, ev.EventType)
		var d milky.GroupJoinRequestData
		require.NoError(t, json.Unmarshal(ev.Data, &d))
		assert.Equal(t, seq, d.NotificationSeq)
	case <-time.After(10 * time.Second):
		t.Fatal("no event over SSE")
	}
	cancel()
	<-done
}

func TestHTTPMedia(t *testing.T) {
	s, base := startHTTP(t, Options{PublicURL: "http://placeholder"})
	f := s.Friends()[0].UserID

	// A sent base64 image comes back byte for byte.
	pngData := []byte("\x89PNG\r\n\x1a\nnot-really")
	body := fmt.Sprintf(`{"user_id": %d, "message": [{"type": "image", "data": {"uri": "base64://%s"}}]}`, f, encodeB64(pngData))
	code, env := postAPI(t, base, testToken, "send_private_message", body)
	require.Equal(t, http.StatusOK, code)
	seq := int64(env["data"].(map[string]any)["message_seq"].(float64))
	h := s.History(milky.SceneFriend, f)
	img := h[len(h)-1].Segments[0].Data
	require.Equal(t, seq, h[len(h)-1].MessageSeq)
	assert.Equal(t, "http://placeholder/sim/res/"+img.ResourceID, img.TempURL, "temp URLs use PublicURL")

	get := func(path string) (*http.Response, []byte) {
		resp, err := http.Get(base + path)
		require.NoError(t, err)
		defer resp.Body.Close()
		b, err := io.ReadAll(resp.Body)
		require.NoError(t, err)
		return resp, b
	}
	resp, b := get("/sim/res/" + img.ResourceID)
	assert.Equal(t, http.StatusOK, resp.StatusCode)
	assert.Equal(t, pngData, b)

	// World images are generated PNGs of the advertised size.
	resp, b = get("/sim/res/sim-image-1")
	require.Equal(t, http.StatusOK, resp.StatusCode)
	cfg, err := png.DecodeConfig(bytes.NewReader(b))
	require.NoError(t, err)
	assert.Equal(t, 256, cfg.Width) // 800x600 capped at 256 a side
	resp, _ = get("/sim/res/nope")
	assert.Equal(t, http.StatusNotFound, resp.StatusCode)

	// Private files uploaded as base64 download as sent.
	code, env = postAPI(t, base, testToken, "upload_private_file",
		fmt.Sprintf(`{"user_id": %d, "file_uri": "base64://%s", "file_name": "a b.txt"}`, f, encodeB64([]byte("file body"))))
	require.Equal(t, http.StatusOK, code)
	fileID := env["data"].(map[string]any)["file_id"].(string)
	var hash string
	for _, ev := range s.Events() {
		if ev.EventType == milky.EventFriendFileUpload {
			var d milky.FriendFileUploadData
			require.NoError(t, json.Unmarshal(ev.Data, &d))
			hash = d.FileHash
		}
	}
	out := mustCall[milky.DownloadURLOutput](t, s, "get_private_file_download_url", `{"user_id": %d, "file_id": %q, "file_hash": %q}`, f, fileID, hash)
	path := strings.TrimPrefix(out.DownloadURL, "http://placeholder")
	resp, b = get(path)
	assert.Equal(t, http.StatusOK, resp.StatusCode)
	assert.Equal(t, "file body", string(b))
	assert.Contains(t, resp.Header.Get("Content-Disposition"), "a%20b.txt")

	req, _ := http.NewRequest(http.MethodPost, base+"/sim/res/sim-image-1", nil)
	r2, err := http.DefaultClient.Do(req)
	require.NoError(t, err)
	r2.Body.Close()
	assert.Equal(t, http.StatusMethodNotAllowed, r2.StatusCode)
}
