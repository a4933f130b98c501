package client

import (
	"bytes"
	"crypto/sha256"
	"crypto/subtle"
	"fmt"
	"net"
	"strings"

	fws "github.com/fasthttp/websocket"
	"github.com/valyala/fasthttp"
)

// Reverse universal WebSocket: the implementation dials our Listen address
// (any path). A connection's role comes from X-Client-Role: Universal (or
// none) carries calls and events, API only calls, Event only events, so
// both the universal style and a split API + Event pair work. A new
// connection for a role replaces the old one: the old socket is closed and
// its reader has returned before the new reader starts, so events are
// neither duplicated nor reordered across the switch.

func (c *Client) listenReverse() error {
	ln, err := net.Listen("tcp", c.cfg.Listen)
	if err != nil {
		return fmt.Errorf("onebot11 client: listen for the reverse WebSocket on %s: %w", c.cfg.Listen, err)
	}
	up := &fws.FastHTTPUpgrader{
		HandshakeTimeout: c.cfg.DialTimeout + handshakeExtra,
		ReadBufferSize:   32 << 10,
		WriteBufferSize:  8 << 10,
		// Implementations are not browsers; the token is the protection.
		CheckOrigin: func(*fasthttp.RequestCtx) bool { return true },
	}
	c.ln = ln
	c.srv = &fasthttp.Server{
		Handler:            func(ctx *fasthttp.RequestCtx) { c.serveReverse(ctx, up) },
		Name:               "qqbridge-gateway",
		ReadTimeout:        c.cfg.DialTimeout + handshakeExtra,
		MaxRequestBodySize: 4 << 10, // an upgrade request has no body
		NoDefaultDate:      true,
	}
	c.wg.Add(1)
	go func() {
		defer c.wg.Done()
		if err := c.srv.Serve(ln); err != nil {
			c.log.Error("onebot11 reverse websocket listener stopped", "addr", c.cfg.Listen, "err", err)
		}
	}()
	c.log.Info("onebot11 reverse websocket listening", "addr", ln.Addr().String())
	return nil
}

// Addr is the reverse WebSocket listener's address (nil in other modes),
// useful when Listen asked for port 0.
func (c *Client) Addr() net.Addr {
	if c.ln == nil {
		return nil
	}
	return c.ln.Addr()
}

func (c *Client) serveReverse(ctx *fasthttp.RequestCtx, up *fws.FastHTTPUpgrader) {
	if st := c.checkToken(ctx); st != 0 {
		ctx.Error(fasthttp.StatusMessage(st)+": bad or missing access token", st)
		return
	}
	if !fws.FastHTTPIsWebSocketUpgrade(ctx) {
		ctx.Error("this port accepts the OneBot 11 reverse WebSocket (X-Client-Role: Universal) only", fasthttp.StatusBadRequest)
		return
	}
	var api, events bool
	role := string(ctx.Request.Header.Peek("X-Client-Role"))
	switch {
	case role == "" || strings.EqualFold(role, "Universal"):
		api, events = true, true
	case strings.EqualFold(role, "API"):
		api = true
	case strings.EqualFold(role, "Event"):
		events = true
	default:
		ctx.Error("X-Client-Role must be Universal, API or Event", fasthttp.StatusBadRequest)
		return
	}
	selfID := string(ctx.Request.Header.Peek("X-Self-ID"))
	remote := ctx.RemoteAddr().String()
	c.mu.Lock()
	if c.closed {
		c.mu.Unlock()
		ctx.Error("shutting down", fasthttp.StatusServiceUnavailable)
		return
	}
	c.wg.Add(1) // released by the hijacked handler, or below if the upgrade fails
	c.mu.Unlock()
	err := up.Upgrade(ctx, func(conn *fws.Conn) {
		defer c.wg.Done()
		l := newLink(c, conn, TransportWSReverse, api, events)
		if !c.install(l) {
			_ = conn.Close()
			return
		}
		c.runLink(l, fmt.Sprintf("%s (X-Self-ID %s, role %s)", remote, clip([]byte(selfID), 20), roleName(api, events)))
	})
	if err != nil {
		c.wg.Done()
	}
}

func roleName(api, events bool) string {
	switch {
	case api && events:
		return "Universal"
	case api:
		return "API"
	}
	return "Event"
}

// install makes l the link for its roles, closing the links it replaces and
// waiting for their readers to return (so their last events are delivered
// before l's first). False if the client is closed.
func (c *Client) install(l *link) bool {
	c.mu.Lock()
	if c.closed {
		c.mu.Unlock()
		return false
	}
	var old []*link
	if l.api && c.apiLink != nil {
		old = append(old, c.apiLink)
	}
	if l.events && c.evLink != nil && c.evLink != c.apiLink {
		old = append(old, c.evLink)
	}
	if l.api {
		c.apiLink = l
	}
	if l.events {
		c.evLink = l
		c.resetStream()
	}
	c.mu.Unlock()
	for _, o := range old {
		c.log.Info("onebot11 reverse websocket replaced by a new connection", "role", roleName(o.api, o.events))
		o.retire(fmt.Errorf("replaced by a new connection"))
		<-o.done
	}
	return true
}

// checkToken returns 0 when the request may proceed, else 401 (no token
// presented) or 403 (wrong token). Accepted forms: Authorization with the
// Bearer or Token scheme (or none), and ?access_token=. Compared as SHA-256
// digests in constant time.
func (c *Client) checkToken(ctx *fasthttp.RequestCtx) int {
	if c.cfg.Token == "" {
		return 0
	}
	want := sha256.Sum256([]byte(c.cfg.Token))
	match := func(tok []byte) bool {
		got := sha256.Sum256(tok)
		return subtle.ConstantTimeCompare(got[:], want[:]) == 1
	}
	presented := false
	if h := bytes.TrimSpace(ctx.Request.Header.Peek("Authorization")); len(h) > 0 {
		tok := h
		if i := bytes.IndexAny(h, " \t"); i >= 0 {
			tok = bytes.TrimSpace(h[i+1:])
		} else if bytes.EqualFold(h, []byte("Bearer")) || bytes.EqualFold(h, []byte("Token")) {
			tok = nil
		}
		if len(tok) > 0 {
			presented = true
			if match(tok) {
				return 0
			}
		}
	}
	if q := ctx.QueryArgs().Peek("access_token"); len(q) > 0 {
		presented = true
		if match(q) {
			return 0
		}
	}
	if !presented {
		return fasthttp.StatusUnauthorized
	}
	return fasthttp.StatusForbidden
}
