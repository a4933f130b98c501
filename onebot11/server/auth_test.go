package server

import (
	"errors"
	"net/http"
	"testing"

	"github.com/qqbridge/gateway/onebot11/ob11test"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func TestAuthMatrix(t *testing.T) {
	const token = "s3cret-Tok"
	env := newEnv(t, ServerConfig{AccessToken: token})
	ctx := testCtx(t)

	type row struct {
		mode ob11test.AuthMode
		tok  string
		want int
	}
	var rows []row
	for _, m := range []ob11test.AuthMode{ob11test.AuthBearer, ob11test.AuthToken, ob11test.AuthQuery} {
		rows = append(rows,
			row{m, "", http.StatusUnauthorized},
			row{m, "wrong", http.StatusForbidden},
			row{m, token + "x", http.StatusForbidden},
			row{m, token, http.StatusOK},
		)
	}
	for _, transport := range []string{"http", "ws"} {
		for _, r := range rows {
			name := transport + "/" + r.mode.String() + "/" + map[int]string{200: "right", 401: "missing", 403: "wrong"}[r.want]
			if r.tok != "" && r.tok != token {
				name += "/" + r.tok
			}
			t.Run(name, func(t *testing.T) {
				before := env.b.calls.Load()
				var got int
				if transport == "http" {
					res, err := ob11test.NewHTTPClient(env.url, r.tok, r.mode).Get(ctx, "echo_params", map[string]string{"a": "1"})
					require.NoError(t, err)
					got = res.StatusCode
					if got != http.StatusOK {
						require.NotNil(t, res.Response, string(res.Body))
						assert.Equal(t, map[int]int{401: 1401, 403: 1403}[got], res.Response.Retcode)
					}
				} else {
					cl, err := ob11test.DialForward(ctx, env.ws("/"), r.tok, ob11test.WithAuth(r.mode))
					var de *ob11test.DialError
					switch {
					case err == nil:
						got = http.StatusOK
						resp, err := cl.Call(ctx, "echo_params", nil)
						require.NoError(t, err)
						assert.Equal(t, "ok", resp.Status)
						_ = cl.Close()
					case errors.As(err, &de):
						got = de.StatusCode
					default:
						t.Fatalf("dial: %v", err)
					}
				}
				assert.Equal(t, r.want, got)
				if r.want != http.StatusOK {
					assert.Equal(t, before, env.b.calls.Load(), "a refused request must not reach the backend")
				}
			})
		}
	}

	// Header variants a bot may send.
	for _, tc := range []struct {
		name, header, query string
		want                int
	}{
		{"lowercase scheme", "bearer " + token, "", 200},
		{"bare token", token, "", 200},
		{"scheme only", "Bearer", "", 401},
		{"scheme and spaces", "Token   ", "", 401},
		{"wrong header, right query", "Bearer nope", token, 200},
		{"right header, wrong query", "Bearer " + token, "nope", 200},
		{"both wrong", "Bearer nope", "nope", 403},
		{"empty query", "", "", 401},
	} {
		t.Run("variant/"+tc.name, func(t *testing.T) {
			path := "/echo_params"
			if tc.query != "" {
				path += "?access_token=" + tc.query
			}
			c := ob11test.NewHTTPClient(env.url, "", ob11test.AuthNone)
			req, err := http.NewRequestWithContext(ctx, http.MethodGet, env.url+path, nil)
			require.NoError(t, err)
			if tc.header != "" {
				req.Header.Set("Authorization", tc.header)
			}
			resp, err := c.Client.Do(req)
			require.NoError(t, err)
			resp.Body.Close()
			assert.Equal(t, tc.want, resp.StatusCode)
		})
	}
}

func TestAuthOpenWhenNoToken(t *testing.T) {
	env := newEnv(t, ServerConfig{})
	ctx := testCtx(t)
	for _, tok := range []string{"", "anything"} {
		for _, m := range []ob11test.AuthMode{ob11test.AuthBearer, ob11test.AuthToken, ob11test.AuthQuery} {
			res, err := ob11test.NewHTTPClient(env.url, tok, m).Get(ctx, "echo_params", nil)
			require.NoError(t, err)
			assert.Equal(t, http.StatusOK, res.StatusCode)
			cl, err := ob11test.DialForward(ctx, env.ws("/"), tok, ob11test.WithAuth(m))
			require.NoError(t, err)
			_ = cl.Close()
		}
	}
}
