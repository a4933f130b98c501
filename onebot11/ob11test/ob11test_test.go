package ob11test

import (
	"context"
	"crypto/hmac"
	"crypto/sha1"
	"encoding/hex"
	"net/http"
	"net/http/httptest"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func TestPipeKeepsOrderAndNeverBlocks(t *testing.T) {
	p := newPipe[int]()
	for i := range 10000 {
		p.put(i) // nobody reads yet: must not block
	}
	p.close()
	i := 0
	for v := range p.out {
		require.Equal(t, i, v)
		i++
	}
	assert.Equal(t, 10000, i)
}

func TestPipeStopDiscards(t *testing.T) {
	p := newPipe[int]()
	p.put(1)
	p.stop()
	for range p.out {
	}
}

func TestValidSignature(t *testing.T) {
	body := []byte(`{"message":"你好\u2028"}`)
	m := hmac.New(sha1.New, []byte("k"))
	m.Write(body)
	sig := "sha1=" + hex.EncodeToString(m.Sum(nil))
	assert.True(t, ValidSignature("k", body, sig))
	assert.False(t, ValidSignature("k2", body, sig))
	assert.False(t, ValidSignature("k", append(body, ' '), sig))
	assert.False(t, ValidSignature("k", body, sig[5:]), "prefix required")
	assert.False(t, ValidSignature("k", body, ""))
}

func TestPresentedToken(t *testing.T) {
	for _, tc := range []struct {
		header, query, tok string
		ok                 bool
	}{
		{"Bearer a", "", "a", true},
		{"Token a", "", "a", true},
		{"bearer a", "", "a", true},
		{"Basic a", "", "", false},
		{"", "q", "q", true},
		{"", "", "", false},
	} {
		r := httptest.NewRequest(http.MethodGet, "/?access_token="+tc.query, nil)
		if tc.header != "" {
			r.Header.Set("Authorization", tc.header)
		}
		tok, ok := presentedToken(r)
		assert.Equal(t, tc.tok, tok, tc.header)
		assert.Equal(t, tc.ok, ok, tc.header)
	}
}

func TestReverseServerRefusesBadHandshakes(t *testing.T) {
	rs := NewReverseServer("tok", ExpectSelfID(7))
	t.Cleanup(rs.Close)
	httpURL := "http" + rs.URL[len("ws"):]
	for _, tc := range []struct {
		name   string
		header map[string]string
		status int
	}{
		{"no token", map[string]string{"X-Self-ID": "7", "X-Client-Role": "Universal"}, 401},
		{"wrong token", map[string]string{"Authorization": "Bearer x", "X-Self-ID": "7", "X-Client-Role": "Universal"}, 403},
		{"no role", map[string]string{"Authorization": "Bearer tok", "X-Self-ID": "7"}, 400},
		{"self id 0", map[string]string{"Authorization": "Bearer tok", "X-Self-ID": "0", "X-Client-Role": "Universal"}, 400},
		{"other self id", map[string]string{"Authorization": "Token tok", "X-Self-ID": "8", "X-Client-Role": "Universal"}, 403},
	} {
		req, err := http.NewRequest(http.MethodGet, httpURL, nil)
		require.NoError(t, err)
		for k, v := range tc.header {
			req.Header.Set(k, v)
		}
		resp, err := http.DefaultClient.Do(req)
		require.NoError(t, err)
		resp.Body.Close()
		assert.Equal(t, tc.status, resp.StatusCode, tc.name)
	}
	assert.Len(t, rs.Rejections(), 5)
	ctx, cancel := context.WithTimeout(context.Background(), 50*time.Millisecond)
	defer cancel()
	_, err := rs.Accept(ctx)
	assert.Error(t, err)
}
