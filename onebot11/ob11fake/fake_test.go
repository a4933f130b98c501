package ob11fake

import (
	"io"
	"net/http"
	"strings"
	"testing"

	"github.com/goccy/go-json"
	"github.com/stretchr/testify/require"
)

func TestHTTPAPIAndToken(t *testing.T) {
	f := New(Options{Token: "t"})
	defer f.Close()
	url, err := f.ListenHTTP("127.0.0.1:0")
	require.NoError(t, err)
	post := func(action, auth string) (int, string) {
		req, _ := http.NewRequest(http.MethodPost, url+"/"+action, strings.NewReader(`{}`))
		if auth != "" {
			req.Header.Set("Authorization", auth)
		}
		resp, err := http.DefaultClient.Do(req)
		require.NoError(t, err)
		defer resp.Body.Close()
		b, _ := io.ReadAll(resp.Body)
		return resp.StatusCode, string(b)
	}
	st, _ := post("get_status", "")
	require.Equal(t, 401, st)
	st, _ = post("get_status", "Bearer x")
	require.Equal(t, 403, st)
	st, body := post("get_login_info", "Bearer t")
	require.Equal(t, 200, st)
	var env struct {
		Status string `json:"status"`
		Data   struct {
			UserID int64 `json:"user_id"`
		} `json:"data"`
	}
	require.NoError(t, json.Unmarshal([]byte(body), &env))
	require.Equal(t, "ok", env.Status)
	require.Equal(t, int64(10001), env.Data.UserID)
	st, _ = post("unknown", "Token t")
	require.Equal(t, 404, st)
	require.Len(t, f.Calls(), 2, "refused requests are not recorded")
}

func TestSign(t *testing.T) {
	// HMAC-SHA1("key", "The quick brown fox jumps over the lazy dog")
	require.Equal(t, "sha1=de7c9b85b8b78aa6bc8a7a36f70a90701c9db4d9",
		Sign("key", []byte("The quick brown fox jumps over the lazy dog")))
}
