package client

import (
	"bytes"
	"context"
	"crypto/tls"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"net/url"
	"strings"
	"sync/atomic"
	"time"

	"github.com/qqbridge/gateway/internal/conformance"

	"github.com/goccy/go-json"
	"github.com/qqbridge/gateway/milky"
)

// ClientConfig configures the client of a Milky implementation.
type ClientConfig struct {
	// BaseURL is the implementation's HTTP root, e.g. http://127.0.0.1:3000;
	// APIs are at BaseURL/api/NAME and events at BaseURL/event.
	BaseURL string
	// Token is sent as Authorization: Bearer on /api and /event, and as
	// ?access_token= on /event.
	Token string
	// Timeout bounds one API call; default 30s.
	Timeout time.Duration
	// DialTimeout bounds the TCP connect; default 2s.
	DialTimeout time.Duration
	// HTTPClient replaces the built-in keep-alive client (optional).
	HTTPClient *http.Client
	Logger     *slog.Logger
	Observer   Observer // may be nil
}

const (
	defaultCallTimeout = 30 * time.Second
	defaultDialTimeout = 2 * time.Second
	// maxResponseBytes bounds an API response body (history or member lists
	// of big groups are large, but never this large).
	maxResponseBytes = 64 << 20
	// maxErrorBodyBytes bounds how much of a non-200 body becomes the message.
	maxErrorBodyBytes = 512
)

// Client calls a Milky implementation's /api and follows its /event stream.
// It is safe for concurrent use; run at most one RunEvents at a time.
type Client struct {
	cfg      ClientConfig
	apiBase  string // BaseURL + "/api/"
	eventURL string // BaseURL + "/event" (no token: safe to log)
	hc       *http.Client
	streamHC *http.Client // hc without a whole-request timeout, for SSE
	wsTLS    *tls.Config  // TLS settings for the WebSocket dialer, taken once at NewClient
	log      *slog.Logger

	connected atomic.Bool
	// epoch is the monotonic origin of waitingSince and call start times.
	epoch time.Time
	// waitingSince is when RunEvents began a wakeable reconnect wait
	// (since epoch; 0: not waiting); wake (capacity 1) ends that wait.
	waitingSince atomic.Int64
	wake         chan struct{}

	// rand is the backoff jitter source; nil means math/rand. Tests pin it.
	rand func() float64
}

// sinceEpoch is a monotonic timestamp, never 0.
func (c *Client) sinceEpoch() int64 { return int64(time.Since(c.epoch)) + 1 }

var _ milky.Caller = (*Client)(nil)

// NewClient validates cfg and builds a client. It does not connect.
func NewClient(cfg ClientConfig) (*Client, error) {
	base := strings.TrimSpace(cfg.BaseURL)
	if base == "" {
		return nil, errors.New("milky client: BaseURL is required (e.g. http://127.0.0.1:3000)")
	}
	u, err := url.Parse(base)
	if err != nil {
		return nil, fmt.Errorf("milky client: BaseURL %q: %v", base, err)
	}
	if u.Scheme != "http" && u.Scheme != "https" {
		return nil, fmt.Errorf("milky client: BaseURL %q: scheme must be http or https", base)
	}
	if u.Host == "" {
		return nil, fmt.Errorf("milky client: BaseURL %q: missing host", base)
	}
	if u.RawQuery != "" || u.Fragment != "" || u.User != nil {
		return nil, fmt.Errorf("milky client: BaseURL %q: must not carry a query, fragment or user info", base)
	}
	if cfg.Timeout < 0 || cfg.DialTimeout < 0 {
		return nil, errors.New("milky client: Timeout and DialTimeout must not be negative")
	}
	if cfg.Timeout == 0 {
		cfg.Timeout = defaultCallTimeout
	}
	if cfg.DialTimeout == 0 {
		cfg.DialTimeout = defaultDialTimeout
	}
	log := cfg.Logger
	if log == nil {
		log = slog.Default()
	}
	root := strings.TrimRight(u.String(), "/")
	c := &Client{
		cfg:      cfg,
		apiBase:  root + "/api/",
		eventURL: root + "/event",
		log:      log.With("component", "milky-client"),
		epoch:    time.Now(),
		wake:     make(chan struct{}, 1),
	}
	if cfg.HTTPClient != nil {
		c.hc = cfg.HTTPClient
	} else {
		c.hc = &http.Client{Transport: newTransport(cfg.DialTimeout)}
	}
	// Copied now: net/http rewrites a transport's TLS config lazily on its
	// first request, so reading it later from the stream goroutine races.
	if t, ok := c.hc.Transport.(*http.Transport); ok && t.TLSClientConfig != nil {
		c.wsTLS = t.TLSClientConfig.Clone()
	}
	// The event stream lives for hours: a whole-request timeout would cut it.
	sc := *c.hc
	sc.Timeout = 0
	c.streamHC = &sc
	return c, nil
}

func newTransport(dialTimeout time.Duration) *http.Transport {
	d := &net.Dialer{Timeout: dialTimeout, KeepAlive: 30 * time.Second}
	return &http.Transport{
		Proxy:                 http.ProxyFromEnvironment,
		DialContext:           d.DialContext,
		ForceAttemptHTTP2:     true,
		MaxIdleConns:          64,
		MaxIdleConnsPerHost:   32, // the gateway talks to one host, in parallel
		IdleConnTimeout:       90 * time.Second,
		TLSHandshakeTimeout:   10 * time.Second,
		ExpectContinueTimeout: time.Second,
	}
}

// envelope is the response body of every 200 /api reply.
type envelope struct {
	Status  string          `json:"status"`
	Retcode int             `json:"retcode"`
	Data    json.RawMessage `json:"data"`
	Message string          `json:"message"`
}

var emptyObject = []byte("{}")

// Call implements Caller: POST BaseURL/api/<api> with req as the JSON body
// (nil → {}), decoding the envelope's data into resp (nil discards it).
// Errors are *APIError (the implementation answered no) or *UnavailableError
// (no usable answer: refused, timeout, reset, garbled body).
//
// A call the implementation answers (success or a retcode) while the event
// stream waits to reconnect wakes the stream at once: the upstream is back.
func (c *Client) Call(ctx context.Context, api string, req any, resp any) error {
	start := time.Now()
	started := c.sinceEpoch()
	err := c.call(ctx, api, req, resp)
	if o := c.cfg.Observer; o != nil {
		o.APICall(api, time.Since(start).Seconds(), err)
	}
	if answered(err) {
		c.wakeStream(started)
	}
	return err
}

// answered: the implementation replied with an envelope, so it is up.
// An HTTP-level refusal (401, 404) is left out: a proxy in front of a
// stopped implementation may give it.
func answered(err error) bool {
	if err == nil {
		return true
	}
	var ae *milky.APIError
	return errors.As(err, &ae) && ae.HTTPStatus == 0
}

func (c *Client) call(ctx context.Context, api string, req any, resp any) error {
	body := emptyObject
	if req != nil {
		b, err := json.Marshal(req)
		if err != nil {
			return fmt.Errorf("milky %s: encode request: %w", api, err)
		}
		if !bytes.Equal(b, []byte("null")) {
			body = b
		}
	}
	conformance.Log(conformance.Request, api, body)
	ctx, cancel := context.WithTimeout(ctx, c.cfg.Timeout)
	defer cancel()
	hreq, err := http.NewRequestWithContext(ctx, http.MethodPost, c.apiBase+api, bytes.NewReader(body))
	if err != nil {
		return fmt.Errorf("milky %s: build request: %w", api, err)
	}
	hreq.Header.Set("Content-Type", "application/json")
	hreq.Header.Set("Accept", "application/json")
	if c.cfg.Token != "" {
		hreq.Header.Set("Authorization", "Bearer "+c.cfg.Token)
	}
	hresp, err := c.hc.Do(hreq)
	if err != nil {
		return &milky.UnavailableError{API: api, Err: err}
	}
	defer func() {
		// Drain a little so the connection can be reused.
		_, _ = io.CopyN(io.Discard, hresp.Body, 4096)
		_ = hresp.Body.Close()
	}()

	if hresp.StatusCode != http.StatusOK {
		msg, _ := io.ReadAll(io.LimitReader(hresp.Body, maxErrorBodyBytes))
		return &milky.APIError{API: api, HTTPStatus: hresp.StatusCode, Message: errorBodyMessage(hresp.StatusCode, msg)}
	}
	raw, err := io.ReadAll(io.LimitReader(hresp.Body, maxResponseBytes+1))
	if err != nil {
		return &milky.UnavailableError{API: api, Err: fmt.Errorf("read response: %w", err)}
	}
	if len(raw) > maxResponseBytes {
		return &milky.UnavailableError{API: api, Err: fmt.Errorf("response body exceeds %d bytes", maxResponseBytes)}
	}
	var env envelope
	if err := json.Unmarshal(raw, &env); err != nil {
		return &milky.UnavailableError{API: api, Err: fmt.Errorf("bad response envelope: %w", err)}
	}
	if env.Status != "ok" || env.Retcode != 0 {
		if env.Status != "failed" && env.Status != "ok" {
			return &milky.UnavailableError{API: api, Err: fmt.Errorf("bad response envelope: status %q", env.Status)}
		}
		return &milky.APIError{API: api, Retcode: env.Retcode, Message: env.Message}
	}
	if resp == nil || len(env.Data) == 0 || bytes.Equal(env.Data, []byte("null")) {
		return nil
	}
	if err := json.Unmarshal(env.Data, resp); err != nil {
		return &milky.UnavailableError{API: api, Err: fmt.Errorf("bad response data: %w", err)}
	}
	return nil
}

// errorBodyMessage turns a non-200 body into a message: the envelope's
// message if it is one, else the trimmed text, else the status text.
func errorBodyMessage(status int, body []byte) string {
	var env envelope
	if json.Unmarshal(body, &env) == nil && env.Message != "" {
		return env.Message
	}
	if s := strings.TrimSpace(strings.ToValidUTF8(string(body), "?")); s != "" {
		return s
	}
	return http.StatusText(status)
}
