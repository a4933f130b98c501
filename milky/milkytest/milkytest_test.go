package milkytest

import (
	"bytes"
	"context"
	"net/http"
	"net/http/httptest"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
)

func testCtx(t *testing.T) context.Context {
	c, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	t.Cleanup(cancel)
	return c
}

// The SSE reader follows the format: comments skipped, data lines joined
// by "\n", CRLF accepted, a blank line ends a message.
func TestSSEParsing(t *testing.T) {
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.Header.Get("Authorization") != "Bearer tok" {
			http.Error(w, "token", http.StatusUnauthorized)
			return
		}
		w.Header().Set("Content-Type", "text/event-stream")
		_, _ = w.Write([]byte(": keep-alive\n\nevent: milky_event\ndata: {\"time\":1,\"self_id\":2,\r\ndata: \"event_type\":\"bot_offline\",\"data\":{\"reason\":\"x\"}}\r\n\r\n" +
			"event: milky_event\ndata:{\"time\":3,\"self_id\":2,\"event_type\":\"x\",\"data\":{}}\n\n"))
	}))
	defer srv.Close()
	s, err := OpenSSE(testCtx(t), srv.URL, "tok", AuthBearer)
	require.NoError(t, err)
	defer s.Close()
	e, err := s.Next(testCtx(t))
	require.NoError(t, err)
	require.Equal(t, "bot_offline", e.EventType)
	require.Equal(t, int64(1), e.Time)
	e, err = s.NextOfType(testCtx(t), "x")
	require.NoError(t, err)
	require.Equal(t, int64(3), e.Time)
	_, err = s.Next(testCtx(t))
	require.Error(t, err, "the stream ended")
}

func TestOpenSSERefused(t *testing.T) {
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		status := http.StatusBadRequest // the token was not in the query
		if r.URL.Query().Get("access_token") == "tok" {
			status = http.StatusForbidden
		}
		http.Error(w, "no", status)
	}))
	defer srv.Close()
	_, err := OpenSSE(testCtx(t), srv.URL, "tok", AuthQuery)
	var se *StatusError
	require.ErrorAs(t, err, &se)
	require.Equal(t, http.StatusForbidden, se.Status)
}

func TestWebhookReceiver(t *testing.T) {
	w, err := NewWebhookReceiver("tok")
	require.NoError(t, err)
	defer w.Close()
	post := func(auth string) int {
		req, _ := http.NewRequest(http.MethodPost, w.URL, bytes.NewReader([]byte(`{"time":1,"self_id":2,"event_type":"x","data":{}}`)))
		req.Header.Set("Authorization", auth)
		resp, err := http.DefaultClient.Do(req)
		require.NoError(t, err)
		resp.Body.Close()
		return resp.StatusCode
	}
	require.Equal(t, http.StatusUnauthorized, post("Bearer nope"))
	w.FailNext(1, http.StatusServiceUnavailable)
	require.Equal(t, http.StatusServiceUnavailable, post("Bearer tok"))
	require.Equal(t, http.StatusNoContent, post("Bearer tok"))
	e, err := w.NextOfType(testCtx(t), "x")
	require.NoError(t, err)
	require.Equal(t, int64(2), e.SelfID)
	require.Equal(t, 3, w.Attempts())
	require.Equal(t, 1, w.Refused())
}

func TestClientStatuses(t *testing.T) {
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Path != "/api/get_login_info" {
			http.NotFound(w, r)
			return
		}
		if r.Header.Get("Authorization") != "Bearer tok" {
			w.WriteHeader(http.StatusUnauthorized)
			return
		}
		_, _ = w.Write([]byte(`{"status":"ok","retcode":0,"data":{"uin":1,"nickname":"n"}}`))
	}))
	defer srv.Close()
	r, err := NewClient(srv.URL, "bad").Call(testCtx(t), "get_login_info", nil)
	require.NoError(t, err)
	require.Equal(t, http.StatusUnauthorized, r.HTTPStatus)
	var out struct {
		Uin int64 `json:"uin"`
	}
	require.NoError(t, NewClient(srv.URL, "tok").Must(testCtx(t), "get_login_info", nil, &out))
	require.Equal(t, int64(1), out.Uin)
}
