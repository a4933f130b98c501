package server

import (
	"net/http"
	"strings"

	"github.com/gorilla/websocket"
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

var forwardUpgrader = websocket.Upgrader{
	HandshakeTimeout: wsHandshakeTO,
	ReadBufferSize:   4096,
	WriteBufferSize:  4096,
	// Bots are not browsers, and browser-based clients (web QQ panels) need
	// cross-origin access; the access token is the protection.
	CheckOrigin: func(*http.Request) bool { return true },
}

func (s *Server) serveForwardWS(w http.ResponseWriter, r *http.Request) {
	// Refuse before the upgrade, with the HTTP status, so clients see 401/403.
	if st := s.authStatus(r); st != 0 {
		s.writeEnvelope(w, st, authFailure(st), nil)
		return
	}
	if r.Method != http.MethodGet {
		s.writeEnvelope(w, http.StatusMethodNotAllowed, onebot11.Failed(onebot11.RetcodeBadRequest, "websocket upgrade needs GET"), nil)
		return
	}
	if s.isClosing() {
		s.writeEnvelope(w, http.StatusServiceUnavailable, shuttingDownResponse(), nil)
		return
	}
	// An event socket's first frame tells the bot which account it serves;
	// bots (NoneBot, ZeroBot, Koishi) register themselves under that
	// self_id. While the account is unknown (the upstream has never
	// answered) there is nothing true to say, so the bot is asked to retry
	// rather than being registered as account 0. /api carries no events.
	if !isAPIPath(r.URL.Path) && s.backend.SelfID() == 0 {
		w.Header().Set("Retry-After", "3")
		s.writeEnvelope(w, http.StatusServiceUnavailable,
			onebot11.Failed(onebot11.RetcodeUpstreamDown, "the QQ account behind the gateway is not known yet (its implementation has not answered); retry shortly"), nil)
		return
	}
	conn, err := forwardUpgrader.Upgrade(w, r, nil)
	if err != nil {
		return // the upgrader already answered with an HTTP error
	}
	var events *outbox
	if !isAPIPath(r.URL.Path) {
		events = newOutbox(s, TransportWSForward, r.RemoteAddr, false, nil)
	}
	c := newWSConn(s, conn, TransportWSForward, r.RemoteAddr, events)
	s.obs.ConnOpened(TransportWSForward, r.RemoteAddr)
	s.log.Info("forward websocket connected", "remote", r.RemoteAddr, "path", onebot11.Clip(r.URL.Path))

	err = c.run(s.base, func() bool { return s.addForward(c) })
	s.removeForward(c)
	if events != nil {
		events.discard(DropConnClosed)
	}
	if isNormalClose(err) {
		err = nil
	}
	s.obs.ConnClosed(TransportWSForward, r.RemoteAddr, err)
	s.log.Info("forward websocket closed", "remote", r.RemoteAddr, "err", err)
}

// isNormalClose reports a peer's orderly close (or our shutdown).
func isNormalClose(err error) bool {
	return err == nil || err == errShuttingDown ||
		websocket.IsCloseError(err, websocket.CloseNormalClosure, websocket.CloseGoingAway, websocket.CloseNoStatusReceived)
}

// isAPIPath reports whether a forward WebSocket path is the API-only
// endpoint, which gets neither the lifecycle frame nor events.
func isAPIPath(path string) bool {
	return strings.HasSuffix(strings.TrimRight(path, "/"), "/api")
}
