package main

import (
	"context"
	"io"
	"log/slog"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/goccy/go-json"
	"github.com/stretchr/testify/require"

	"github.com/qqbridge/gateway/milky/milkytest"
	"github.com/qqbridge/gateway/onebot11/ob11test"
)

// The simulator's download links point where it is served.
func TestMilkySimLinksPointAtItself(t *testing.T) {
	for _, listen := range []string{"127.0.0.1:0", "0.0.0.0:0"} {
		s, err := startMilkySim(listen, "", slog.New(slog.NewTextHandler(io.Discard, nil)))
		require.NoError(t, err)
		group := s.sim.Groups()[0].GroupID
		member := s.sim.Members(group)[1].UserID
		fileID := s.sim.GroupFileUpload(group, member, "a.txt", 12)
		body, _ := json.Marshal(map[string]any{"group_id": group, "file_id": fileID})
		out, err := s.sim.HandleAPI(context.Background(), "get_group_file_download_url", body)
		require.NoError(t, err)
		b, _ := json.Marshal(out)
		var u struct {
			URL string `json:"download_url"`
		}
		require.NoError(t, json.Unmarshal(b, &u))
		require.True(t, strings.HasPrefix(u.URL, "http://127.0.0.1:"), "%s (listen %s)", u.URL, listen)
		resp, err := http.Get(u.URL)
		require.NoError(t, err)
		resp.Body.Close()
		require.Equal(t, http.StatusOK, resp.StatusCode, "%s", u.URL)
		s.stop()
	}
}

// Each simulator takes a client's first dial as soon as its start function
// returns, as the gateway started right after it needs: a refused first
// dial had the gateway answer bots "upstream unreachable" until its redial
// backoff ended. The OneBot 11 simulator refuses an event socket (HTTP 503)
// until its runtime knows the account, so its start must wait for that.
func TestSimsTakeTheFirstDial(t *testing.T) {
	log := slog.New(slog.NewTextHandler(io.Discard, nil))
	ctx, cancel := context.WithTimeout(context.Background(), 15*time.Second)
	defer cancel()

	t.Run("milky", func(t *testing.T) {
		s, err := startMilkySim("127.0.0.1:0", "", log)
		require.NoError(t, err)
		defer s.stop()
		stream, err := milkytest.DialWS(ctx, s.url, "", milkytest.AuthNone)
		require.NoError(t, err, "the event stream's first dial")
		defer stream.Close()
		r, err := milkytest.NewClient(s.url, "").Call(ctx, "get_login_info", nil)
		require.NoError(t, err)
		require.True(t, r.OK(), "get_login_info: %+v", r)
	})
	t.Run("onebot11", func(t *testing.T) {
		s, err := startOneBotSim(ctx, "127.0.0.1:0", "", log)
		require.NoError(t, err)
		defer s.stop()
		bot, err := ob11test.DialForward(ctx, "ws://"+s.rt.Addr()+"/", "")
		require.NoError(t, err, "the universal socket's first dial")
		defer bot.Close()
		require.Equal(t, s.milky.sim.SelfID(), bot.SelfID, "the lifecycle frame names the account")
		r, err := bot.Call(ctx, "get_login_info", nil)
		require.NoError(t, err)
		require.Equal(t, "ok", r.Status, "get_login_info: %+v", r)
	})
}
