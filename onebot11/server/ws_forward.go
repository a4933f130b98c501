package server

import (
	"fmt"
	"strings"

	"github.com/fasthttp/websocket"
	gorilla "github.com/gorilla/websocket"
	"github.com/valyala/fasthttp"

	"github.com/qqbridge/gateway/onebot11"
)

// Forward WebSocket: bots dial us. "/" is universal (events + API), "/event"
// also accepts API calls (NapCat clients send them there), "/api" gets no
// events, no lifecycle and no heartbeats. Any path ending in /api or /event
// selects that role, so /ws/api and /onebot/v11/ws/event work too; any other
// path is universal.
//
// The lifecycle frame carries Backend.SelfID() as it is at connect time (0
// if the bot account is not known yet); clients that need the id (ZeroBot)
// should connect once the upstream is up, which readyz reports.

func (s *Server) newUpgrader() websocket.FastHTTPUpgrader {
	return websocket.FastHTTPUpgrader{
		HandshakeTimeout: wsHandshakeTO,
		ReadBufferSize:   4096,
		WriteBufferSize:  4096,
		// Bots are not browsers, and browser-based clients (web QQ panels)
		// need cross-origin access; the access token is the protection.
		CheckOrigin: func(*fasthttp.RequestCtx) bool { return true },
	}
}

func (s *Server) serveForwardWS(ctx *fasthttp.RequestCtx) {
	// Refuse before the upgrade, with the HTTP status, so clients see 401/403.
	if st := s.authStatus(ctx); st != 0 {
		s.writeEnvelope(ctx, st, authFailure(st), nil)
		return
	}
	if !ctx.IsGet() {
		s.writeEnvelope(ctx, fasthttp.StatusMethodNotAllowed, onebot11.Failed(onebot11.RetcodeBadRequest, "websocket upgrade needs GET"), nil)
		return
	}
	if s.isClosing() {
		s.writeEnvelope(ctx, fasthttp.StatusServiceUnavailable, shuttingDownResponse(), nil)
		return
	}
	path := string(ctx.Path())
	api := isAPIPath(path)
	// An event socket's first frame tells the bot which account it serves;
	// bots (NoneBot, ZeroBot, Koishi) register themselves under that
	// self_id. While the account is unknown (the upstream has never
	// answered) there is nothing true to say, so the bot is asked to retry
	// rather than being registered as account 0. /api carries no events.
	if !api && s.backend.SelfID() == 0 {
		ctx.Response.Header.Set("Retry-After", "3")
		s.writeEnvelope(ctx, fasthttp.StatusServiceUnavailable,
			onebot11.Failed(onebot11.RetcodeUpstreamDown, "the QQ account behind the gateway is not known yet (its implementation has not answered); retry shortly"), nil)
		return
	}
	remote := ctx.RemoteAddr().String()
	// The hijack handler runs once the 101 is written, on fasthttp's
	// goroutine for the connection, which this socket then keeps.
	err := s.upgrader.Upgrade(ctx, func(conn *websocket.Conn) {
		// Nothing recovers on fasthttp's hijack goroutine (net/http did).
		defer func() {
			if p := recover(); p != nil {
				s.log.Error("forward websocket panicked", "remote", remote, "panic", onebot11.ClipTo(fmt.Sprint(p), onebot11.LogValueBytes))
				_ = conn.Close()
			}
		}()
		s.runForward(conn, remote, path, api)
	})
	if err != nil {
		s.log.Debug("forward websocket upgrade failed", "remote", remote, "err", err) // the upgrader answered 4xx
	}
}

func (s *Server) runForward(conn *websocket.Conn, remote, path string, api bool) {
	var events *outbox
	if !api {
		events = newOutbox(s, TransportWSForward, remote, false, nil)
	}
	c := newWSConn(s, conn, TransportWSForward, remote, events, false)
	s.obs.ConnOpened(TransportWSForward, remote)
	s.log.Info("forward websocket connected", "remote", remote, "path", onebot11.Clip(path))

	err := c.run(s.base, func() bool { return s.addForward(c) })
	s.removeForward(c)
	if events != nil {
		events.discard(DropConnClosed)
	}
	if isNormalClose(err) {
		err = nil
	}
	s.obs.ConnClosed(TransportWSForward, remote, err)
	s.log.Info("forward websocket closed", "remote", remote, "err", err)
}

// isNormalClose reports a peer's orderly close (or our shutdown).
func isNormalClose(err error) bool {
	codes := []int{websocket.CloseNormalClosure, websocket.CloseGoingAway, websocket.CloseNoStatusReceived}
	// Forward sockets are fasthttp/websocket's, reverse ones gorilla's.
	return err == nil || err == errShuttingDown ||
		websocket.IsCloseError(err, codes...) || gorilla.IsCloseError(err, codes...)
}

// isAPIPath reports whether a forward WebSocket path is the API-only
// endpoint, which gets neither the lifecycle frame nor events.
func isAPIPath(path string) bool {
	return strings.HasSuffix(strings.TrimRight(path, "/"), "/api")
}
