package client

import (
	"bytes"
	"context"
	"crypto/tls"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"net/http"
	"net/url"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/qqbridge/gateway/internal/conformance"

	"github.com/goccy/go-json"
	"github.com/valyala/fasthttp"
	"github.com/valyala/fasthttp/fasthttpproxy"

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
	// HTTPClient replaces the built-in net/http client of the SSE event
	// stream (optional); its transport's TLS settings also apply to the
	// WebSocket stream and to API calls, which go over fasthttp.
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
	// idleConnLifetime: a pooled API connection idle this long is closed.
	// Below Node's 5s keep-alive default, so the client does not reuse a
	// connection the upstream is closing (fasthttp cannot see that).
	idleConnLifetime = 4 * time.Second
)

// Client calls a Milky implementation's /api and follows its /event stream.
// It is safe for concurrent use; run at most one RunEvents at a time.
type Client struct {
	cfg      ClientConfig
	apiBase  string           // BaseURL + "/api/"
	apiURIs  sync.Map         // api name → apiBase + name, built once per API
	auth     string           // "Bearer " + Token, or ""
	eventURL string           // BaseURL + "/event" (no token: safe to log)
	fc       *fasthttp.Client // API calls
	hc       *http.Client     // the SSE stream's client (see streamHC)
	streamHC *http.Client     // hc without a whole-request timeout, for SSE
	wsTLS    *tls.Config      // TLS settings for the WebSocket dialer, taken once at NewClient
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
	auth := ""
	if cfg.Token != "" {
		auth = "Bearer " + cfg.Token
	}
	c := &Client{
		auth:     auth,
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

	// API calls: fasthttp, dialling like net/http did (proxy from the
	// environment, both IP families, DialTimeout so a dead host fails fast).
	pd := &fasthttpproxy.Dialer{Timeout: cfg.DialTimeout, DialDualStack: true}
	dial, err := pd.GetDialFuncForTLS(true, u.Scheme == "https")
	if err != nil {
		return nil, fmt.Errorf("milky client: proxy settings: %v", err)
	}
	c.fc = &fasthttp.Client{
		Dial:                          dial,
		TLSConfig:                     c.wsTLS.Clone(),
		MaxConnsPerHost:               1024,
		MaxConnWaitTimeout:            cfg.Timeout,
		MaxIdleConnDuration:           idleConnLifetime,
		MaxResponseBodySize:           maxResponseBytes,
		DisableHeaderNamesNormalizing: true,
		DisablePathNormalizing:        true,
		NoDefaultUserAgentHeader:      true,
		// An upstream that closed a pooled connection before answering did
		// not process the request: one retry on a fresh connection, as
		// net/http retries a request on a connection closed while idle.
		RetryIfErr: func(_ *fasthttp.Request, attempts int, err error) (bool, bool) {
			return false, attempts < 2 && errors.Is(err, fasthttp.ErrConnectionClosed)
		},
		MaxIdemponentCallAttempts: 2,
	}
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

	hreq := fasthttp.AcquireRequest()
	hresp := fasthttp.AcquireResponse()
	hreq.Header.SetMethod(fasthttp.MethodPost)
	hreq.SetRequestURI(c.apiURI(api))
	hreq.Header.SetContentType("application/json")
	hreq.Header.Set("Accept", "application/json")
	if c.auth != "" {
		hreq.Header.Set("Authorization", c.auth)
	}
	hreq.SetBodyRaw(body)
	err := c.do(ctx, hreq, hresp)
	if err != nil {
		// do released them, or left them to the call it abandoned.
		return &milky.UnavailableError{API: api, Err: err}
	}
	defer func() {
		fasthttp.ReleaseRequest(hreq)
		fasthttp.ReleaseResponse(hresp)
	}()
	return decodeReply(api, hresp, resp)
}

// EndsAtDeadline marks ctx as one that ends at its deadline and not
// before (no cancel while a call is in flight). Call then hands the
// deadline to fasthttp and waits on the calling goroutine, instead of
// running the exchange on a second goroutine so that an early cancel can
// be seen: one goroutine and two switches fewer per call. A ctx marked
// wrongly only loses that: a cancel is then noticed at the answer or the
// deadline, whichever comes first.
func EndsAtDeadline(ctx context.Context) context.Context {
	return context.WithValue(ctx, endsAtDeadlineKey{}, true)
}

type endsAtDeadlineKey struct{}

func endsAtDeadline(ctx context.Context) bool {
	v, _ := ctx.Value(endsAtDeadlineKey{}).(bool)
	return v
}

// apiURI is BaseURL/api/<api>, concatenated once per API name (the names
// are the gateway's own, a bounded set).
func (c *Client) apiURI(api string) string {
	if u, ok := c.apiURIs.Load(api); ok {
		return u.(string)
	}
	u := c.apiBase + api
	c.apiURIs.Store(api, u)
	return u
}

// do runs one exchange within the call timeout and ctx. fasthttp knows no
// contexts: a ctx that can end before the deadline gets a watcher, and an
// abandoned exchange finishes (bounded by the deadline) in the background,
// releasing hreq and hresp itself. On error, hreq and hresp are no longer
// the caller's.
func (c *Client) do(ctx context.Context, hreq *fasthttp.Request, hresp *fasthttp.Response) error {
	deadline := time.Now().Add(c.cfg.Timeout)
	ctxBound := false
	if d, ok := ctx.Deadline(); ok && d.Before(deadline) {
		deadline, ctxBound = d, true
	}
	timeoutErr := func() error {
		if ctxBound {
			if err := ctx.Err(); err != nil {
				return err
			}
			// fasthttp's clock ran out a moment before ctx's timer fired.
			return context.DeadlineExceeded
		}
		return fmt.Errorf("no answer within %v: %w", c.cfg.Timeout, context.DeadlineExceeded)
	}
	if err := ctx.Err(); err != nil {
		release(hreq, hresp)
		return err
	}
	// endsAtDeadline first: Done would make a timer context build its
	// channel, an allocation per call for nothing.
	if endsAtDeadline(ctx) || ctx.Done() == nil {
		err := c.fc.DoDeadline(hreq, hresp, deadline)
		if err != nil {
			release(hreq, hresp)
			if errors.Is(err, fasthttp.ErrTimeout) {
				return timeoutErr()
			}
		}
		return err
	}
	done := make(chan error, 1)
	go func() { done <- c.fc.DoDeadline(hreq, hresp, deadline) }()
	select {
	case err := <-done:
		if err != nil {
			release(hreq, hresp)
			if errors.Is(err, fasthttp.ErrTimeout) {
				return timeoutErr()
			}
		}
		return err
	case <-ctx.Done():
		go func() {
			<-done
			release(hreq, hresp)
		}()
		return ctx.Err()
	}
}

func release(hreq *fasthttp.Request, hresp *fasthttp.Response) {
	fasthttp.ReleaseRequest(hreq)
	fasthttp.ReleaseResponse(hresp)
}

// decodeReply turns the upstream's answer into resp or the typed error.
func decodeReply(api string, hresp *fasthttp.Response, resp any) error {
	if status := hresp.StatusCode(); status != fasthttp.StatusOK {
		msg := hresp.Body()
		if len(msg) > maxErrorBodyBytes {
			msg = msg[:maxErrorBodyBytes]
		}
		return &milky.APIError{API: api, HTTPStatus: status, Message: errorBodyMessage(status, msg)}
	}
	var env envelope
	if err := json.Unmarshal(hresp.Body(), &env); err != nil {
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
