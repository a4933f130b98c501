package milkytest

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"net/http"
	"strings"
	"time"

	"github.com/goccy/go-json"
)

// Client calls a Milky implementation's /api like a bot: POST
// BASE/api/NAME, JSON body, "Authorization: Bearer TOKEN" when Token is
// set.
type Client struct {
	Base  string // http://host:port
	Token string
	HTTP  *http.Client
}

// NewClient returns a client of base (http://host:port) with token ("" for
// none).
func NewClient(base, token string) *Client {
	return &Client{Base: strings.TrimSuffix(base, "/"), Token: token, HTTP: &http.Client{Timeout: 30 * time.Second}}
}

// Call runs api with params: nil is {}, []byte and json.RawMessage are sent
// as they are, anything else is encoded as JSON. Only transport failures
// are errors: a non-200 status or a failed envelope is in the Response.
func (c *Client) Call(ctx context.Context, api string, params any) (*Response, error) {
	var body []byte
	switch p := params.(type) {
	case nil:
		body = []byte("{}")
	case []byte:
		body = p
	case json.RawMessage:
		body = p
	default:
		b, err := json.Marshal(params)
		if err != nil {
			return nil, fmt.Errorf("encode %s params: %w", api, err)
		}
		body = b
	}
	return c.Post(ctx, api, "application/json", body)
}

// Post sends body to /api/NAME with contentType ("" for none), for tests of
// what the server refuses.
func (c *Client) Post(ctx context.Context, api, contentType string, body []byte) (*Response, error) {
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, c.Base+"/api/"+api, bytes.NewReader(body))
	if err != nil {
		return nil, err
	}
	if contentType != "" {
		req.Header.Set("Content-Type", contentType)
	}
	if c.Token != "" {
		req.Header.Set("Authorization", "Bearer "+c.Token)
	}
	resp, err := c.HTTP.Do(req)
	if err != nil {
		return nil, err
	}
	defer resp.Body.Close()
	raw, err := io.ReadAll(io.LimitReader(resp.Body, 64<<20))
	if err != nil {
		return nil, fmt.Errorf("%s: read reply: %w", api, err)
	}
	r := &Response{HTTPStatus: resp.StatusCode, Raw: raw}
	if resp.StatusCode == http.StatusOK {
		if err := json.Unmarshal(raw, r); err != nil {
			return nil, fmt.Errorf("%s: decode reply %q: %w", api, clip(raw), err)
		}
		if r.Status != "ok" && r.Status != "failed" {
			return nil, fmt.Errorf("%s: reply status %q is neither ok nor failed: %s", api, r.Status, clip(raw))
		}
	}
	return r, nil
}

// Must runs api and returns its data, or an error naming the api and the
// reply when the call did not succeed.
func (c *Client) Must(ctx context.Context, api string, params, out any) error {
	r, err := c.Call(ctx, api, params)
	if err != nil {
		return err
	}
	if !r.OK() {
		return fmt.Errorf("%s: HTTP %d: %s", api, r.HTTPStatus, clip(r.Raw))
	}
	if out == nil {
		return nil
	}
	return r.DecodeData(out)
}
