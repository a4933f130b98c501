package client

import (
	"crypto/hmac"
	"crypto/sha1"
	"crypto/subtle"
	"encoding/hex"
	"sync"
	"time"

	"github.com/valyala/fasthttp"
)

// Events by HTTP POST (HTTP API mode): the implementation POSTs each event
// to the gateway, which mounts PostHandler at /onebot/v11/post. The handler
// verifies the signature and shape, queues a copy and answers 204 at once;
// one goroutine delivers the queue in arrival order. The reply body is
// always empty, so the implementation never reads a quick operation from
// us (the bots downstream speak Milky and have none).

const (
	postQueueLen = 1024
	// postQueueWait: how long a POST may wait for room in a full queue
	// (back-pressure on the implementation) before it is refused with 503.
	postQueueWait = 5 * time.Second
)

type postItem struct {
	body []byte
	kind frameKind
	f    frame
}

var postPool = sync.Pool{New: func() any { return new(postItem) }}

// PostHandler returns the handler for event POSTs. Mount it at
// /onebot/v11/post on the downstream port in HTTP API mode; in the
// WebSocket modes it answers 404 (events arrive over the socket). The
// answers: 204 accepted; 405 not a POST; 403 bad or missing X-Signature
// when Secret is set; 413 body over MaxFrameBytes; 400 not a JSON object
// with a post_type; 503 queue still full after 5s or client closed.
func (c *Client) PostHandler() fasthttp.RequestHandler {
	return c.servePost
}

func (c *Client) servePost(ctx *fasthttp.RequestCtx) {
	if c.mode != modeHTTP {
		ctx.Error("events arrive over the WebSocket in this mode", fasthttp.StatusNotFound)
		return
	}
	if !ctx.IsPost() {
		ctx.Response.Header.Set("Allow", "POST")
		ctx.Error("POST only", fasthttp.StatusMethodNotAllowed)
		return
	}
	body := ctx.PostBody()
	if len(body) > c.cfg.MaxFrameBytes {
		c.dropped(TransportHTTPPost, DropTooLarge)
		ctx.Error("event body too large", fasthttp.StatusRequestEntityTooLarge)
		return
	}
	if c.cfg.Secret != "" && !validSignature(c.cfg.Secret, body, ctx.Request.Header.Peek("X-Signature")) {
		c.log.Warn("onebot11 event POST refused: bad or missing X-Signature (check --secret)", "remote", ctx.RemoteAddr().String())
		c.dropped(TransportHTTPPost, DropBadSig)
		ctx.Error("bad or missing X-Signature", fasthttp.StatusForbidden)
		return
	}
	it := postPool.Get().(*postItem)
	// Copied first: the frame aliases the bytes it was classified from,
	// and postLoop reads it after this request's body is gone.
	it.body = append(it.body[:0], body...)
	kind, err := classify(it.body, &it.f)
	if err == nil && kind == kindResponse {
		err = errNotEvent
	}
	if err != nil {
		postPool.Put(it)
		c.log.Warn("onebot11 event POST skipped: malformed", "err", err, "bytes", len(body), "head", clip(body, 200))
		c.dropped(TransportHTTPPost, DropMalformed)
		ctx.Error("body must be a OneBot 11 event (a JSON object with post_type)", fasthttp.StatusBadRequest)
		return
	}
	it.kind = kind
	if !c.enqueuePost(it) {
		postPool.Put(it)
		c.dropped(TransportHTTPPost, DropQueueFull)
		ctx.Error("event queue full", fasthttp.StatusServiceUnavailable)
		return
	}
	ctx.SetStatusCode(fasthttp.StatusNoContent)
}

type constErr string

func (e constErr) Error() string { return string(e) }

const errNotEvent = constErr("a response envelope, not an event")

func (c *Client) enqueuePost(it *postItem) bool {
	if c.base.Err() != nil {
		return false
	}
	select {
	case c.posts <- it:
		return true
	default:
	}
	t := time.NewTimer(postQueueWait)
	defer t.Stop()
	select {
	case c.posts <- it:
		return true
	case <-t.C:
	case <-c.base.Done():
	}
	return false
}

// postLoop delivers POSTed events one at a time, in arrival order.
func (c *Client) postLoop() {
	defer c.wg.Done()
	for {
		select {
		case <-c.base.Done():
			return
		case it := <-c.posts:
			if it.kind == kindMeta {
				if c.onMeta(&it.f) {
					c.infoReady.Store(false)
					select {
					case c.kick <- struct{}{}: // the prober refetches the info now
					default:
					}
				}
			} else {
				c.lastAlive.Store(time.Now().UnixNano())
			}
			c.deliver(TransportHTTPPost, it.kind, it.body)
			if cap(it.body) > maxKeptBuffer {
				it.body = nil
			}
			postPool.Put(it)
		}
	}
}

// validSignature checks X-Signature: sha1=hex(HMAC-SHA1(secret, body)) in
// constant time.
func validSignature(secret string, body, got []byte) bool {
	m := hmac.New(sha1.New, []byte(secret))
	m.Write(body)
	var want [5 + 40]byte
	copy(want[:], "sha1=")
	hex.Encode(want[5:], m.Sum(nil))
	return subtle.ConstantTimeCompare(want[:], got) == 1
}
