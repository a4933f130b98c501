package ob11test

import (
	"bytes"
	"context"
	"crypto/subtle"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strings"
	"time"

	"github.com/goccy/go-json"
)

// HTTPClient calls actions over the gateway's HTTP API.
type HTTPClient struct {
	BaseURL string // http://host:port
	Token   string
	Auth    AuthMode
	Client  *http.Client
}

// HTTPResult is one HTTP exchange. Response is nil when the body is not a
// JSON envelope.
type HTTPResult struct {
	StatusCode int
	Header     http.Header
	Body       []byte
	Response   *Response
}

// NewHTTPClient returns a client for baseURL presenting token per mode.
func NewHTTPClient(baseURL, token string, mode AuthMode) *HTTPClient {
	return &HTTPClient{
		BaseURL: strings.TrimRight(baseURL, "/"),
		Token:   token,
		Auth:    mode,
		Client:  &http.Client{Timeout: 30 * time.Second},
	}
}

// Get calls GET /ACTION?k=v.
func (c *HTTPClient) Get(ctx context.Context, action string, query map[string]string) (*HTTPResult, error) {
	q := url.Values{}
	for k, v := range query {
		q.Set(k, v)
	}
	path := "/" + action
	if len(q) > 0 {
		path += "?" + q.Encode()
	}
	return c.Do(ctx, http.MethodGet, path, "", nil)
}

// PostJSON calls POST /ACTION with params as the JSON body (nil: {}).
func (c *HTTPClient) PostJSON(ctx context.Context, action string, params any) (*HTTPResult, error) {
	body, err := encodeParams(params)
	if err != nil {
		return nil, err
	}
	return c.Do(ctx, http.MethodPost, "/"+action, "application/json", body)
}

// PostForm calls POST /ACTION with an application/x-www-form-urlencoded body.
func (c *HTTPClient) PostForm(ctx context.Context, action string, form map[string]string) (*HTTPResult, error) {
	v := url.Values{}
	for k, s := range form {
		v.Set(k, s)
	}
	return c.Do(ctx, http.MethodPost, "/"+action, "application/x-www-form-urlencoded", []byte(v.Encode()))
}

// PostEnvelope calls POST / with {"action": action, "params": params}.
func (c *HTTPClient) PostEnvelope(ctx context.Context, action string, params any) (*HTTPResult, error) {
	p, err := encodeParams(params)
	if err != nil {
		return nil, err
	}
	a, _ := json.Marshal(action)
	body := []byte(`{"action":` + string(a) + `,"params":` + string(p) + `}`)
	return c.Do(ctx, http.MethodPost, "/", "application/json", body)
}

// Do sends a raw request to path (which may carry a query) with the
// client's token, for cases the helpers do not cover.
func (c *HTTPClient) Do(ctx context.Context, method, path, contentType string, body []byte) (*HTTPResult, error) {
	u, err := url.Parse(c.BaseURL + path)
	if err != nil {
		return nil, err
	}
	if c.Token != "" && c.Auth == AuthQuery {
		q := u.Query()
		q.Set("access_token", c.Token)
		u.RawQuery = q.Encode()
	}
	var rd io.Reader
	if body != nil {
		rd = bytes.NewReader(body)
	}
	req, err := http.NewRequestWithContext(ctx, method, u.String(), rd)
	if err != nil {
		return nil, err
	}
	if contentType != "" {
		req.Header.Set("Content-Type", contentType)
	}
	if c.Token != "" {
		switch c.Auth {
		case AuthBearer:
			req.Header.Set("Authorization", "Bearer "+c.Token)
		case AuthToken:
			req.Header.Set("Authorization", "Token "+c.Token)
		}
	}
	resp, err := c.Client.Do(req)
	if err != nil {
		return nil, err
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	if err != nil {
		return nil, fmt.Errorf("read response: %w", err)
	}
	res := &HTTPResult{StatusCode: resp.StatusCode, Header: resp.Header, Body: b}
	if r, err := decodeResponse(b); err == nil && r.Status != "" {
		res.Response = r
	}
	return res, nil
}

func encodeParams(params any) ([]byte, error) {
	switch v := params.(type) {
	case nil:
		return []byte("{}"), nil
	case json.RawMessage:
		return v, nil
	case []byte:
		return v, nil
	}
	b, err := json.Marshal(params)
	if err != nil {
		return nil, fmt.Errorf("encode params: %w", err)
	}
	return b, nil
}

// presentedToken is how OneBot receivers read a token: "Bearer T" or
// "Token T" in Authorization, else ?access_token=.
func presentedToken(r *http.Request) (string, bool) {
	if h := r.Header.Get("Authorization"); h != "" {
		scheme, tok, ok := strings.Cut(strings.TrimSpace(h), " ")
		if ok && (strings.EqualFold(scheme, "Bearer") || strings.EqualFold(scheme, "Token")) {
			tok = strings.TrimSpace(tok)
			return tok, tok != ""
		}
		return "", false
	}
	tok := r.URL.Query().Get("access_token")
	return tok, tok != ""
}

func equalToken(a, b string) bool {
	return subtle.ConstantTimeCompare([]byte(a), []byte(b)) == 1
}
