package client

import (
	"context"
	"errors"
	"fmt"
	"net"
	"net/url"
	"strings"
	"time"

	"github.com/qqbridge/gateway/onebot11"
	"github.com/qqbridge/gateway/transport"
	"github.com/valyala/fasthttp"
)

// HTTP API: every call is POST URL/ACTION with a JSON object body, over a
// pooled keep-alive fasthttp client. Statuses map to errors as OneBot 11
// defines them: 401/403 (token), 404 (no such action), 400/406 (bad
// request) are ActionErrors carrying HTTPStatus; 502/503/504 (a proxy
// without its backend) and transport failures are UnavailableErrors.

const maxErrorBody = 512

func (c *Client) initHTTP() {
	u, _ := url.Parse(c.cfg.URL) // validated
	c.apiBase = strings.TrimRight(u.String(), "/") + "/"
	dialTimeout := c.cfg.DialTimeout
	c.hc = &fasthttp.Client{
		Name:                          "qqbridge-gateway",
		MaxConnsPerHost:               128,
		MaxIdleConnDuration:           60 * time.Second,
		MaxResponseBodySize:           c.cfg.MaxFrameBytes,
		DisableHeaderNamesNormalizing: false,
		DisablePathNormalizing:        true,
		Dial: func(addr string) (net.Conn, error) {
			return fasthttp.DialTimeout(addr, dialTimeout)
		},
	}
	c.posts = make(chan *postItem, postQueueLen)
}

func (c *Client) callHTTP(ctx context.Context, action string, params any, resp any) error {
	body, err := marshalParams(action, params)
	if err != nil {
		return err
	}
	if err := ctx.Err(); err != nil {
		return &onebot11.UnavailableError{Action: action, Err: err}
	}
	c.mu.Lock()
	closed := c.closed
	c.mu.Unlock()
	if closed {
		return &onebot11.UnavailableError{Action: action, Err: errClosed}
	}
	deadline := time.Now().Add(c.cfg.Timeout)
	callerDeadline := false
	if d, ok := ctx.Deadline(); ok && d.Before(deadline) {
		deadline, callerDeadline = d, true
	}
	req := fasthttp.AcquireRequest()
	res := fasthttp.AcquireResponse()
	defer fasthttp.ReleaseRequest(req)
	defer fasthttp.ReleaseResponse(res)
	uri := req.URI()
	_ = uri.Parse(nil, []byte(c.apiBase))
	uri.SetPathBytes(append(uri.Path(), action...))
	req.Header.SetMethod(fasthttp.MethodPost)
	req.Header.SetContentType("application/json")
	if c.cfg.Token != "" {
		req.Header.Set("Authorization", "Bearer "+c.cfg.Token)
	}
	req.SetBodyRaw(body)
	if err := c.hc.DoDeadline(req, res, deadline); err != nil {
		switch {
		case errors.Is(err, fasthttp.ErrTimeout) && callerDeadline:
			err = fmt.Errorf("no reply before the caller's deadline: %w", context.DeadlineExceeded)
		case errors.Is(err, fasthttp.ErrTimeout):
			err = fmt.Errorf("no reply within %v: %w", c.cfg.Timeout, err)
		case errors.Is(err, fasthttp.ErrBodyTooLarge):
			err = fmt.Errorf("response body exceeds %d bytes", c.cfg.MaxFrameBytes)
		}
		return &onebot11.UnavailableError{Action: action, Err: err}
	}
	status := res.StatusCode()
	raw := res.Body()
	switch {
	case status == fasthttp.StatusUnauthorized || status == fasthttp.StatusForbidden:
		return &onebot11.ActionError{Action: action, HTTPStatus: status, Message: errAuthHint}
	case status == fasthttp.StatusBadGateway || status == fasthttp.StatusServiceUnavailable || status == fasthttp.StatusGatewayTimeout:
		return &onebot11.UnavailableError{Action: action, Err: fmt.Errorf("HTTP %d: %s", status, errorBody(status, raw))}
	case status != fasthttp.StatusOK:
		return &onebot11.ActionError{Action: action, HTTPStatus: status, Message: errorBody(status, raw)}
	}
	var f frame
	kind, err := classify(raw, &f)
	if err != nil || kind != kindResponse {
		if err == nil {
			err = errors.New("an event, not a response")
		}
		return &onebot11.UnavailableError{Action: action, Err: fmt.Errorf("bad response envelope: %v", err)}
	}
	data, err := f.outcome(action)
	if err != nil {
		return err
	}
	return decodeData(action, data, resp)
}

// errorBody turns a non-200 body into a message: the envelope's message if
// it is one, else its bounded text, else the status text.
func errorBody(status int, body []byte) string {
	var f frame
	if _, err := classify(body, &f); err == nil {
		if m := f.message(); m != "" {
			return m
		}
	}
	if s := strings.TrimSpace(clip(body, maxErrorBody)); s != "" {
		return s
	}
	return fasthttp.StatusMessage(status)
}

// httpProbeLoop keeps HTTP mode's view of the upstream current: it fetches
// the account info (retrying with back-off until it succeeds, and again
// after a lifecycle connect), and calls get_status when nothing was heard
// for a third of the alive window, so an idle healthy upstream stays ready.
func (c *Client) httpProbeLoop() {
	defer c.wg.Done()
	bo := transport.Backoff{Min: c.cfg.MinBackoff, Max: c.cfg.MaxBackoff, Rand: c.rand}
	for c.base.Err() == nil {
		wait := c.aliveWindow() / 3
		if !c.infoReady.Load() {
			ctx, cancel := context.WithTimeout(c.base, c.cfg.Timeout)
			err := c.fetchInfo(ctx)
			cancel()
			if err != nil {
				wait = bo.Next()
				if c.base.Err() == nil {
					c.log.Warn("onebot11 upstream account info not available yet", "err", err, "retry_in", wait.Round(time.Millisecond))
				}
			} else {
				bo.Reset()
			}
		} else if idle := time.Since(time.Unix(0, c.lastAlive.Load())); idle >= wait {
			ctx, cancel := context.WithTimeout(c.base, c.cfg.Timeout)
			err := c.Call(ctx, "get_status", nil, nil)
			cancel()
			if err != nil && c.base.Err() == nil {
				c.log.Warn("onebot11 upstream get_status probe failed", "err", err)
			}
		}
		t := time.NewTimer(wait)
		select {
		case <-c.base.Done():
			t.Stop()
			return
		case <-c.kick:
			t.Stop()
		case <-t.C:
		}
	}
}
