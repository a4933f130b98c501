package ob11test

import (
	"context"
	"fmt"
	"net/http"
	"net/http/httptest"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/goccy/go-json"
	"github.com/gorilla/websocket"
)

// ReverseServer accepts the gateway's universal reverse WebSocket the way
// NoneBot's /onebot/v11/ws does. Before upgrading it checks the token
// (Bearer or Token scheme, or ?access_token=; missing → 401, wrong → 403),
// X-Client-Role: Universal and a numeric X-Self-ID (→ 400 otherwise). After
// the upgrade it requires a lifecycle/connect first frame whose self_id
// matches the header, and, like NoneBot, refuses (close 1008) a second
// socket for a self_id that is still connected: a gateway that dials again
// without closing its old socket fails here.
type ReverseServer struct {
	// URL is ws://127.0.0.1:PORT/onebot/v11/ws.
	URL string

	token      string
	wantSelf   int64
	stringEcho bool
	srv        *httptest.Server
	accepted   *pipe[*ReverseConn]

	mu       sync.Mutex
	down     bool
	active   map[int64]*ReverseConn
	all      []*ReverseConn
	rejected []Rejection
}

// ReverseConn is one accepted reverse socket. Call sends actions to the
// gateway over it; Events receives what the gateway pushes.
type ReverseConn struct {
	*Conn
	// Header is the upgrade request's headers (X-Self-ID, X-Client-Role,
	// User-Agent, Authorization).
	Header http.Header
	// Lifecycle is the first frame; SelfID its self_id.
	Lifecycle json.RawMessage
	SelfID    int64
	// Accepted is when the upgrade completed.
	Accepted time.Time

	rs *ReverseServer
}

// Rejection records a refused connection attempt.
type Rejection struct {
	Status int // HTTP status, or the close code after an upgrade
	Reason string
	Header http.Header
}

// ReverseOption tunes NewReverseServer.
type ReverseOption func(*ReverseServer)

// ExpectSelfID refuses connections whose X-Self-ID is not id (403).
func ExpectSelfID(id int64) ReverseOption { return func(r *ReverseServer) { r.wantSelf = id } }

// ReverseStringEcho makes calls over accepted sockets use string echoes.
func ReverseStringEcho() ReverseOption { return func(r *ReverseServer) { r.stringEcho = true } }

// NewReverseServer starts an acceptor on 127.0.0.1. token "" accepts any.
func NewReverseServer(token string, opts ...ReverseOption) *ReverseServer {
	rs := &ReverseServer{token: token, active: map[int64]*ReverseConn{}, accepted: newPipe[*ReverseConn]()}
	for _, f := range opts {
		f(rs)
	}
	rs.srv = httptest.NewServer(http.HandlerFunc(rs.handle))
	rs.URL = "ws" + strings.TrimPrefix(rs.srv.URL, "http") + "/onebot/v11/ws"
	return rs
}

func (rs *ReverseServer) reject(w http.ResponseWriter, r *http.Request, status int, reason string) {
	rs.mu.Lock()
	rs.rejected = append(rs.rejected, Rejection{Status: status, Reason: reason, Header: r.Header.Clone()})
	rs.mu.Unlock()
	http.Error(w, reason, status)
}

func (rs *ReverseServer) handle(w http.ResponseWriter, r *http.Request) {
	rs.mu.Lock()
	down := rs.down
	rs.mu.Unlock()
	if down {
		rs.reject(w, r, http.StatusServiceUnavailable, "bot is down")
		return
	}
	if rs.token != "" {
		tok, present := presentedToken(r)
		if !present {
			rs.reject(w, r, http.StatusUnauthorized, "missing access token")
			return
		}
		if !equalToken(tok, rs.token) {
			rs.reject(w, r, http.StatusForbidden, "wrong access token")
			return
		}
	}
	if !strings.EqualFold(r.Header.Get("X-Client-Role"), "Universal") {
		rs.reject(w, r, http.StatusBadRequest, "X-Client-Role must be Universal, got "+strconv.Quote(r.Header.Get("X-Client-Role")))
		return
	}
	selfID, err := strconv.ParseInt(r.Header.Get("X-Self-ID"), 10, 64)
	if err != nil || selfID <= 0 {
		rs.reject(w, r, http.StatusBadRequest, "bad X-Self-ID "+strconv.Quote(r.Header.Get("X-Self-ID")))
		return
	}
	if rs.wantSelf != 0 && selfID != rs.wantSelf {
		rs.reject(w, r, http.StatusForbidden, "unexpected X-Self-ID "+strconv.FormatInt(selfID, 10))
		return
	}
	up := websocket.Upgrader{CheckOrigin: func(*http.Request) bool { return true }}
	ws, err := up.Upgrade(w, r, nil)
	if err != nil {
		rs.mu.Lock()
		rs.rejected = append(rs.rejected, Rejection{Status: http.StatusBadRequest, Reason: "upgrade: " + err.Error(), Header: r.Header.Clone()})
		rs.mu.Unlock()
		return
	}
	refuse := func(reason string) {
		rs.mu.Lock()
		rs.rejected = append(rs.rejected, Rejection{Status: websocket.ClosePolicyViolation, Reason: reason, Header: r.Header.Clone()})
		rs.mu.Unlock()
		_ = ws.WriteControl(websocket.CloseMessage,
			websocket.FormatCloseMessage(websocket.ClosePolicyViolation, reason), time.Now().Add(time.Second))
		_ = ws.Close()
	}
	rs.mu.Lock()
	_, dup := rs.active[selfID]
	rs.mu.Unlock()
	if dup {
		refuse(fmt.Sprintf("there is already a connection for bot %d", selfID))
		return
	}
	_ = ws.SetReadDeadline(time.Now().Add(10 * time.Second))
	_, first, err := ws.ReadMessage()
	if err != nil {
		refuse("no first frame: " + err.Error())
		return
	}
	_ = ws.SetReadDeadline(time.Time{})
	id, err := checkLifecycle(first)
	if err != nil {
		refuse(err.Error())
		return
	}
	if id != selfID {
		refuse(fmt.Sprintf("lifecycle self_id %d differs from X-Self-ID %d", id, selfID))
		return
	}
	rc := &ReverseConn{
		Header:    r.Header.Clone(),
		Lifecycle: first,
		SelfID:    id,
		Accepted:  time.Now(),
		rs:        rs,
	}
	rs.mu.Lock()
	if _, dup := rs.active[selfID]; dup {
		rs.mu.Unlock()
		refuse(fmt.Sprintf("there is already a connection for bot %d", selfID))
		return
	}
	rc.Conn = newConn(ws, rs.stringEcho)
	rs.active[selfID] = rc
	rs.all = append(rs.all, rc)
	rs.mu.Unlock()
	go func() {
		<-rc.Done()
		rs.deactivate(rc)
	}()
	rs.accepted.put(rc)
}

func (rs *ReverseServer) deactivate(rc *ReverseConn) {
	rs.mu.Lock()
	if rs.active[rc.SelfID] == rc {
		delete(rs.active, rc.SelfID)
	}
	rs.mu.Unlock()
}

// SetDown makes the server refuse every upgrade with 503 (true) or accept
// again (false), to simulate a bot that is restarting. Open connections are
// not touched; Kill them.
func (rs *ReverseServer) SetDown(down bool) {
	rs.mu.Lock()
	rs.down = down
	rs.mu.Unlock()
}

// Accept waits for the next accepted connection.
func (rs *ReverseServer) Accept(ctx context.Context) (*ReverseConn, error) {
	select {
	case rc, ok := <-rs.accepted.out:
		if !ok {
			return nil, fmt.Errorf("reverse server closed")
		}
		return rc, nil
	case <-ctx.Done():
		return nil, fmt.Errorf("no reverse connection: %w", ctx.Err())
	}
}

// Connections returns every accepted connection so far, oldest first.
func (rs *ReverseServer) Connections() []*ReverseConn {
	rs.mu.Lock()
	defer rs.mu.Unlock()
	return append([]*ReverseConn(nil), rs.all...)
}

// Rejections returns the refused attempts so far.
func (rs *ReverseServer) Rejections() []Rejection {
	rs.mu.Lock()
	defer rs.mu.Unlock()
	return append([]Rejection(nil), rs.rejected...)
}

// Close closes every connection and the listener.
func (rs *ReverseServer) Close() {
	rs.mu.Lock()
	all := append([]*ReverseConn(nil), rs.all...)
	rs.mu.Unlock()
	for _, rc := range all {
		rc.Conn.Kill()
		rc.discard()
	}
	rs.srv.Close()
	rs.accepted.stop()
}

// Kill drops the socket without a close frame (the bot crashed) and forgets
// it at once, so the gateway's next dial is accepted.
func (rc *ReverseConn) Kill() {
	rc.rs.deactivate(rc)
	rc.Conn.Kill()
}

// CloseWith sends a close frame with code and reason, then drops the socket.
func (rc *ReverseConn) CloseWith(code int, reason string) {
	rc.rs.deactivate(rc)
	rc.writeMu.Lock()
	_ = rc.ws.WriteControl(websocket.CloseMessage, websocket.FormatCloseMessage(code, reason), time.Now().Add(time.Second))
	rc.writeMu.Unlock()
	_ = rc.ws.Close()
}
