package server

import (
	"context"
	"net/http"
	"net/http/httptest"
	"sync/atomic"
	"testing"

	"github.com/stretchr/testify/assert"
)

// A webhook URL that redirects must not turn the event POST into a GET
// (which would deliver nothing): the redirect is not followed.
func TestWebhookDoesNotFollowRedirects(t *testing.T) {
	var gets, posts atomic.Int32
	target := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.Method == http.MethodGet {
			gets.Add(1)
		} else {
			posts.Add(1)
		}
	}))
	defer target.Close()
	var redirects atomic.Int32
	redir := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		redirects.Add(1)
		http.Redirect(w, r, target.URL, http.StatusFound)
	}))
	defer redir.Close()

	s := &Server{}
	wt := newWebhookTarget(s, redir.URL)
	req, _ := http.NewRequestWithContext(context.Background(), http.MethodPost, redir.URL, nil)
	resp, err := wt.client.Do(req)
	if assert.NoError(t, err) {
		_ = resp.Body.Close()
		assert.Equal(t, http.StatusFound, resp.StatusCode)
	}
	assert.Equal(t, int32(1), redirects.Load())
	assert.Zero(t, gets.Load(), "the POST must not become a GET")
	assert.Zero(t, posts.Load())
}
