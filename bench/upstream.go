package main

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"maps"
	"net"
	"net/http"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/gorilla/websocket"
)

// upstream is a fake QQ implementation run by the tool in its own process:
// it answers the few calls the gateway (or the relay) makes and pushes the
// events the tool hands it on the stream its client opened. One instance
// serves one path under test, so events never reach the other one.
type upstream interface {
	// gatewayURL is the gateway's --upstream.
	gatewayURL() string
	// relayEvents is the WebSocket the relay dials per bot connection;
	// relayActions is where it forwards actions (http:// or ws://).
	relayEvents() string
	relayActions() string
	// push sends one encoded event on the current event stream.
	push(frame []byte) error
	// waitStream blocks until a client has an event stream open.
	waitStream(ctx context.Context) error
	// sends counts the send-message calls answered, readBacks the get_msg
	// calls that read a sent message back (the reverse direction makes one
	// per send on an implementation like NapCat), others every other call.
	sends() int64
	readBacks() int64
	others() int64
	// unknown counts the calls the fake could not answer, by name: a
	// gateway that keeps asking for something would be measured wrongly.
	unknown() map[string]int64
	close()
}

// hub tracks the event stream the path under test opened (the newest one:
// the gateway dials once, the relay once per bot connection).
type hub struct {
	mu     sync.Mutex
	conn   *lockedConn
	all    map[*lockedConn]struct{}
	opened chan struct{} // closed and replaced when a stream opens
	missed map[string]int64
}

func (h *hub) miss(name string) {
	if len(name) > 64 {
		name = name[:64]
	}
	h.mu.Lock()
	h.missed[name]++
	h.mu.Unlock()
}

func (h *hub) unknown() map[string]int64 {
	h.mu.Lock()
	defer h.mu.Unlock()
	return maps.Clone(h.missed)
}

// lockedConn serialises data frames from the driver and from a reply loop
// (pings and pongs go through WriteControl, which may run alongside).
type lockedConn struct {
	c  *websocket.Conn
	mu sync.Mutex
}

func (l *lockedConn) write(frame []byte) error {
	l.mu.Lock()
	defer l.mu.Unlock()
	_ = l.c.SetWriteDeadline(time.Now().Add(10 * time.Second))
	return l.c.WriteMessage(websocket.TextMessage, frame)
}

func newHub() *hub {
	return &hub{opened: make(chan struct{}), all: map[*lockedConn]struct{}{}, missed: map[string]int64{}}
}

// track registers a connection so closeAll ends it (http.Server.Close
// does not know hijacked connections).
func (h *hub) track(c *websocket.Conn) *lockedConn {
	l := &lockedConn{c: c}
	h.mu.Lock()
	h.all[l] = struct{}{}
	h.mu.Unlock()
	return l
}

// attach makes l the event stream.
func (h *hub) attach(l *lockedConn) {
	h.mu.Lock()
	h.conn = l
	close(h.opened)
	h.opened = make(chan struct{})
	h.mu.Unlock()
}

func (h *hub) forget(l *lockedConn) {
	h.mu.Lock()
	if h.conn == l {
		h.conn = nil
	}
	delete(h.all, l)
	h.mu.Unlock()
}

func (h *hub) closeAll() {
	h.mu.Lock()
	for l := range h.all {
		_ = l.c.Close()
	}
	h.mu.Unlock()
}

func (h *hub) waitStream(ctx context.Context) error {
	for {
		h.mu.Lock()
		ok, ch := h.conn != nil, h.opened
		h.mu.Unlock()
		if ok {
			return nil
		}
		select {
		case <-ch:
		case <-ctx.Done():
			return fmt.Errorf("no event stream opened upstream: %w", ctx.Err())
		}
	}
}

func (h *hub) push(frame []byte) error {
	h.mu.Lock()
	c := h.conn
	h.mu.Unlock()
	if c == nil {
		return errors.New("upstream: no event stream open")
	}
	return c.write(frame)
}

var upgrader = websocket.Upgrader{
	ReadBufferSize:  4096,
	WriteBufferSize: 4096,
	CheckOrigin:     func(*http.Request) bool { return true },
}

// fake is what both fake implementations share: the event hub, the HTTP
// server on a loopback port and the call counters of the upstream interface.
type fake struct {
	*hub
	srv                 *http.Server
	addr                string
	nSend, nRead, nElse atomic.Int64
}

// serveLoopback serves h on a fresh 127.0.0.1 port.
func (f *fake) serveLoopback(h http.Handler) error {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return err
	}
	f.hub = newHub()
	f.srv = &http.Server{Handler: h, ReadHeaderTimeout: 10 * time.Second}
	f.addr = ln.Addr().String()
	go func() { _ = f.srv.Serve(ln) }()
	return nil
}

// accept upgrades one request to a WebSocket and keeps it tracked (closed
// by closeAll) until run returns.
func (f *fake) accept(w http.ResponseWriter, r *http.Request, run func(*websocket.Conn, *lockedConn)) {
	c, err := upgrader.Upgrade(w, r, nil)
	if err != nil {
		return
	}
	defer c.Close()
	l := f.track(c)
	defer f.forget(l)
	run(c, l)
}

func (f *fake) sends() int64     { return f.nSend.Load() }
func (f *fake) readBacks() int64 { return f.nRead.Load() }
func (f *fake) others() int64    { return f.nElse.Load() }
func (f *fake) close()           { _ = f.srv.Close(); f.closeAll() }

// ---- Milky implementation (first direction) ----

// milkyUpstream is a minimal Milky 1.2 implementation: POST /api/NAME for
// get_login_info, get_impl_info and send_group_message, GET /event as a
// WebSocket.
type milkyUpstream struct{ fake }

func startMilkyUpstream() (*milkyUpstream, error) {
	u := &milkyUpstream{}
	mux := http.NewServeMux()
	mux.HandleFunc("POST /api/{name}", u.api)
	mux.HandleFunc("GET /event", u.event)
	if err := u.serveLoopback(mux); err != nil {
		return nil, err
	}
	return u, nil
}

var (
	milkyLoginInfo = []byte(`{"status":"ok","retcode":0,"data":{"uin":10001,"nickname":"bench"}}`)
	milkyImplInfo  = []byte(`{"status":"ok","retcode":0,"data":{"impl_name":"bench","impl_version":"1","qq_protocol_version":"9.9","qq_protocol_type":"linux","milky_version":"1.2"}}`)
)

func (u *milkyUpstream) api(w http.ResponseWriter, r *http.Request) {
	_, _ = io.Copy(io.Discard, io.LimitReader(r.Body, 1<<20))
	w.Header().Set("Content-Type", "application/json")
	switch r.PathValue("name") {
	case "send_group_message", "send_private_message":
		seq := u.nSend.Add(1)
		b := make([]byte, 0, 96)
		b = append(b, `{"status":"ok","retcode":0,"data":{"message_seq":`...)
		b = strconv.AppendInt(b, seq, 10)
		b = append(b, `,"time":1750000000}}`...)
		_, _ = w.Write(b)
	case "get_login_info":
		u.nElse.Add(1)
		_, _ = w.Write(milkyLoginInfo)
	case "get_impl_info":
		u.nElse.Add(1)
		_, _ = w.Write(milkyImplInfo)
	default:
		u.nElse.Add(1)
		u.miss(r.PathValue("name"))
		w.WriteHeader(http.StatusNotFound)
		_, _ = w.Write([]byte(`{"status":"failed","retcode":-404,"message":"not in the benchmark's fake"}`))
	}
}

func (u *milkyUpstream) event(w http.ResponseWriter, r *http.Request) {
	u.accept(w, r, func(c *websocket.Conn, l *lockedConn) {
		u.attach(l)
		// Read to answer pings and notice the close.
		for {
			if _, _, err := c.NextReader(); err != nil {
				return
			}
		}
	})
}

func (u *milkyUpstream) gatewayURL() string   { return "http://" + u.addr }
func (u *milkyUpstream) relayEvents() string  { return "ws://" + u.addr + "/event" }
func (u *milkyUpstream) relayActions() string { return "http://" + u.addr + "/api/send_group_message" }

// ---- OneBot 11 implementation (reverse direction) ----

// oneBotUpstream is a minimal OneBot 11 implementation serving WebSocket
// on / (universal: events and actions), /event and /api. Actions are
// answered on the connection they came on, with their echo; events go to
// the newest connection on / or /event.
type oneBotUpstream struct{ fake }

func startOneBotUpstream() (*oneBotUpstream, error) {
	u := &oneBotUpstream{}
	mux := http.NewServeMux()
	mux.HandleFunc("GET /", u.serveWS)
	if err := u.serveLoopback(mux); err != nil {
		return nil, err
	}
	return u, nil
}

const (
	oneBotGroup  = `{"group_id":30001,"group_name":"Test Group","member_count":42,"max_member_count":200}`
	oneBotMember = `{"group_id":30001,"user_id":20002,"nickname":"Bob","card":"Bobby","sex":"male","age":0,"area":"","join_time":1700000000,"last_sent_time":1750000000,"level":"12","role":"member","unfriendly":false,"title":"","title_expire_time":0,"card_changeable":true}`
)

var oneBotLifecycle = []byte(`{"time":1750000000,"self_id":10001,"post_type":"meta_event","meta_event_type":"lifecycle","sub_type":"connect"}`)

func (u *oneBotUpstream) serveWS(w http.ResponseWriter, r *http.Request) {
	u.accept(w, r, func(c *websocket.Conn, l *lockedConn) {
		if r.URL.Path != "/api" {
			if l.write(oneBotLifecycle) != nil {
				return
			}
			u.attach(l)
		}
		for {
			_, frame, err := c.ReadMessage()
			if err != nil {
				return
			}
			if l.write(u.reply(frame)) != nil {
				return
			}
		}
	})
}

// reply answers one action frame; the echo is copied as it came (any JSON
// value), found without decoding the frame.
func (u *oneBotUpstream) reply(frame []byte) []byte {
	var data string
	switch action := jsonString(frame, `"action":`); action {
	case "send_group_msg", "send_private_msg", "send_msg":
		data = `{"message_id":` + strconv.FormatInt(u.nSend.Add(1), 10) + `}`
	case "get_msg":
		// NapCat answers a read-back with the message's own conversation
		// seq (the reverse direction reads each sent message back).
		u.nRead.Add(1)
		seq := strconv.FormatInt(u.nSend.Load(), 10)
		data = `{"message_id":` + seq + `,"real_seq":"` + seq + `","message_type":"group","group_id":` + strconv.FormatInt(groupID, 10) +
			`,"user_id":10001,"time":1700000000,"message":[],"sender":{"user_id":10001}}`
	case "get_login_info":
		u.nElse.Add(1)
		data = `{"user_id":10001,"nickname":"bench"}`
	case "get_version_info":
		u.nElse.Add(1)
		data = `{"app_name":"NapCat.Onebot","app_version":"4.8.0","protocol_version":"v11"}`
	case "get_status":
		u.nElse.Add(1)
		data = `{"online":true,"good":true}`
	// What a Milky mapping asks to complete group and member fields.
	case "get_group_info":
		// The group asked for (-groups spreads events over several): the
		// gateway caches the answer under the id it carries.
		u.nElse.Add(1)
		data = ofAskedGroup(oneBotGroup, frame)
	case "get_group_list":
		u.nElse.Add(1)
		data = "[" + oneBotGroup + "]"
	case "get_group_member_info":
		u.nElse.Add(1)
		data = ofAskedGroup(oneBotMember, frame)
	case "get_friend_list":
		u.nElse.Add(1)
		data = "[]"
	case "get_stranger_info":
		u.nElse.Add(1)
		data = `{"user_id":20002,"nickname":"Bob","sex":"male","age":0}`
	default:
		u.nElse.Add(1)
		u.miss(action)
		return append(append([]byte(`{"status":"failed","retcode":1404,"data":null,"message":"not in the benchmark's fake","echo":`), jsonValue(frame, `"echo":`)...), '}')
	}
	b := make([]byte, 0, 128)
	b = append(b, `{"status":"ok","retcode":0,"data":`...)
	b = append(b, data...)
	b = append(b, `,"message":"","echo":`...)
	b = append(b, jsonValue(frame, `"echo":`)...)
	return append(b, '}')
}

// ofAskedGroup is obj, a group's or member's object of group groupID, as
// the one of the group the call frame asks about.
func ofAskedGroup(obj string, frame []byte) string {
	return strings.Replace(obj, `"group_id":`+strconv.Itoa(groupID), `"group_id":`+string(jsonValue(frame, `"group_id":`)), 1)
}

// jsonString is the string after key in a flat frame ("" if none).
func jsonString(frame []byte, key string) string {
	v := jsonValue(frame, key)
	if len(v) < 2 || v[0] != '"' {
		return ""
	}
	return string(v[1 : len(v)-1])
}

// jsonValue is the raw JSON value after key: a string, number, literal or
// balanced object/array, good enough for the frames of this benchmark
// ("null" if absent).
func jsonValue(frame []byte, key string) []byte {
	k := bytes.Index(frame, []byte(key))
	if k < 0 {
		return []byte("null")
	}
	rest := bytes.TrimLeft(frame[k+len(key):], " ")
	if len(rest) == 0 {
		return []byte("null")
	}
	depth, inStr := 0, false
	for i := 0; i < len(rest); i++ {
		c := rest[i]
		switch {
		case inStr:
			if c == '\\' {
				i++
			} else if c == '"' {
				inStr = false
				if depth == 0 {
					return rest[:i+1]
				}
			}
		case c == '"':
			inStr = true
		case c == '{' || c == '[':
			depth++
		case c == '}' || c == ']':
			if depth == 0 {
				return rest[:i]
			}
			depth--
			if depth == 0 {
				return rest[:i+1]
			}
		case c == ',' && depth == 0:
			return rest[:i]
		}
	}
	return rest
}

func (u *oneBotUpstream) gatewayURL() string   { return "ws://" + u.addr + "/" }
func (u *oneBotUpstream) relayEvents() string  { return "ws://" + u.addr + "/event" }
func (u *oneBotUpstream) relayActions() string { return "ws://" + u.addr + "/api" }
