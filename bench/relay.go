package main

import (
	"bytes"
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"net/http"
	"os"
	"os/signal"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"syscall"
	"time"

	"github.com/gorilla/websocket"
)

// The raw relay is the floor every figure is compared with: a process of
// its own (this program, re-executed with relayEnv set), on Go's standard
// net/http with gorilla/websocket (the stack a plain Go relay would use; the
// gateway's bot side is fasthttp with fasthttp/websocket, which spends less
// per HTTP call, so the relay is not the least CPU an action can cost), that
// moves the same bytes between the same peers without translating, mapping
// ids or storing anything. What the gateway costs is what it costs on top of
// this.
//
//	GET  /event  (WebSocket) dial the upstream's event stream, copy its frames to the bot
//	GET  /api    (WebSocket) each frame is one action, forwarded; the reply is the next frame
//	POST /NAME               the body is one action, forwarded; the reply is the body

// relayEnv, when set, makes this program the relay instead of the tool.
const relayEnv = "GATEWAY_BENCH_RELAY"

// relayMain runs the relay until SIGINT/SIGTERM.
func relayMain(args []string) int {
	fs := flag.NewFlagSet("relay", flag.ContinueOnError)
	listen := fs.String("listen", "127.0.0.1:0", "address to serve")
	events := fs.String("events-from", "", "upstream event WebSocket to dial per bot connection")
	actions := fs.String("actions-to", "", "upstream action endpoint: http(s):// to POST to, ws:// to send frames on")
	wrap := fs.String("wrap-action", "", "with a ws:// upstream: the OneBot 11 action name the HTTP body is wrapped as params of")
	if err := fs.Parse(args); err != nil {
		return 2
	}
	var fwd forwarder
	switch {
	case strings.HasPrefix(*actions, "http://"):
		fwd = newHTTPForwarder(*actions)
	case strings.HasPrefix(*actions, "ws://"):
		wf, err := newWSForwarder(*actions, *wrap)
		if err != nil {
			fmt.Fprintln(os.Stderr, "relay:", err)
			return 1
		}
		fwd = wf
	default:
		fmt.Fprintln(os.Stderr, "relay: -actions-to must be http:// or ws://")
		return 2
	}
	r := &relay{events: *events, fwd: fwd}
	mux := http.NewServeMux()
	mux.HandleFunc("GET /healthz", func(w http.ResponseWriter, _ *http.Request) { w.WriteHeader(http.StatusOK) })
	mux.HandleFunc("GET /event", r.serveEvents)
	mux.HandleFunc("GET /api", r.serveWSActions)
	mux.HandleFunc("POST /", r.serveHTTPAction)
	srv := &http.Server{Addr: *listen, Handler: mux, ReadHeaderTimeout: 10 * time.Second}
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	go func() { <-ctx.Done(); _ = srv.Close() }()
	if err := srv.ListenAndServe(); err != nil && !errors.Is(err, http.ErrServerClosed) {
		fmt.Fprintln(os.Stderr, "relay:", err)
		return 1
	}
	return 0
}

type relay struct {
	events string
	fwd    forwarder
}

// forwarder carries one action body upstream and returns the reply body.
type forwarder interface {
	forward(body []byte) ([]byte, error)
}

func (r *relay) serveEvents(w http.ResponseWriter, req *http.Request) {
	bot, err := upgrader.Upgrade(w, req, nil)
	if err != nil {
		return
	}
	defer bot.Close()
	src, _, err := websocket.DefaultDialer.Dial(r.events, nil)
	if err != nil {
		return
	}
	defer src.Close()
	// The bot never writes; read it only to notice it leave.
	go func() {
		for {
			if _, _, err := bot.NextReader(); err != nil {
				_ = src.Close()
				return
			}
		}
	}()
	for {
		mt, data, err := src.ReadMessage()
		if err != nil {
			return
		}
		if err := bot.WriteMessage(mt, data); err != nil {
			return
		}
	}
}

func (r *relay) serveWSActions(w http.ResponseWriter, req *http.Request) {
	bot, err := upgrader.Upgrade(w, req, nil)
	if err != nil {
		return
	}
	defer bot.Close()
	for {
		_, body, err := bot.ReadMessage()
		if err != nil {
			return
		}
		reply, err := r.fwd.forward(body)
		if err != nil {
			return
		}
		if err := bot.WriteMessage(websocket.TextMessage, reply); err != nil {
			return
		}
	}
}

func (r *relay) serveHTTPAction(w http.ResponseWriter, req *http.Request) {
	body, err := io.ReadAll(io.LimitReader(req.Body, 16<<20))
	if err != nil {
		return
	}
	reply, err := r.fwd.forward(body)
	if err != nil {
		http.Error(w, err.Error(), http.StatusBadGateway)
		return
	}
	w.Header().Set("Content-Type", "application/json")
	_, _ = w.Write(reply)
}

// httpForwarder POSTs the body unchanged to one URL (keep-alive pool).
type httpForwarder struct {
	url string
	hc  *http.Client
}

func newHTTPForwarder(url string) *httpForwarder {
	tr := http.DefaultTransport.(*http.Transport).Clone()
	tr.MaxIdleConnsPerHost = 32
	return &httpForwarder{url: url, hc: &http.Client{Transport: tr, Timeout: 30 * time.Second}}
}

func (f *httpForwarder) forward(body []byte) ([]byte, error) {
	resp, err := f.hc.Post(f.url, "application/json", bytes.NewReader(body))
	if err != nil {
		return nil, err
	}
	defer resp.Body.Close()
	return io.ReadAll(resp.Body)
}

// wsForwarder sends each body on one upstream WebSocket as the params of a
// OneBot 11 action frame with a fresh echo, and returns the reply frame with
// that echo: the least a relay in front of a OneBot 11 implementation's
// WebSocket must do.
type wsForwarder struct {
	action  string
	conn    *websocket.Conn
	wmu     sync.Mutex
	echo    atomic.Int64
	mu      sync.Mutex
	pending map[int64]chan []byte
}

func newWSForwarder(url, action string) (*wsForwarder, error) {
	c, _, err := websocket.DefaultDialer.Dial(url, nil)
	if err != nil {
		return nil, fmt.Errorf("dial %s: %w", url, err)
	}
	f := &wsForwarder{action: action, conn: c, pending: map[int64]chan []byte{}}
	go f.readReplies()
	return f, nil
}

func (f *wsForwarder) readReplies() {
	for {
		_, data, err := f.conn.ReadMessage()
		if err != nil {
			f.mu.Lock()
			for k, ch := range f.pending {
				close(ch)
				delete(f.pending, k)
			}
			f.mu.Unlock()
			return
		}
		echo, ok := replyEcho(data)
		if !ok {
			continue // an event on a universal connection
		}
		f.mu.Lock()
		ch := f.pending[echo]
		delete(f.pending, echo)
		f.mu.Unlock()
		if ch != nil {
			ch <- data
		}
	}
}

// replyEcho finds `"echo":N` in a reply frame without decoding it.
func replyEcho(frame []byte) (int64, bool) {
	k := bytes.Index(frame, []byte(`"echo":`))
	if k < 0 {
		return 0, false
	}
	rest := frame[k+len(`"echo":`):]
	n := 0
	for n < len(rest) && rest[n] >= '0' && rest[n] <= '9' {
		n++
	}
	v, err := strconv.ParseInt(string(rest[:n]), 10, 64)
	return v, err == nil
}

func (f *wsForwarder) forward(body []byte) ([]byte, error) {
	echo := f.echo.Add(1)
	ch := make(chan []byte, 1)
	f.mu.Lock()
	f.pending[echo] = ch
	f.mu.Unlock()
	frame := make([]byte, 0, len(body)+64)
	frame = append(frame, `{"action":"`...)
	frame = append(frame, f.action...)
	frame = append(frame, `","params":`...)
	frame = append(frame, body...)
	frame = append(frame, `,"echo":`...)
	frame = strconv.AppendInt(frame, echo, 10)
	frame = append(frame, '}')
	f.wmu.Lock()
	err := f.conn.WriteMessage(websocket.TextMessage, frame)
	f.wmu.Unlock()
	if err != nil {
		return nil, err
	}
	select {
	case reply, ok := <-ch:
		if !ok {
			return nil, errors.New("upstream WebSocket closed")
		}
		return reply, nil
	case <-time.After(30 * time.Second):
		f.mu.Lock()
		delete(f.pending, echo)
		f.mu.Unlock()
		return nil, errors.New("upstream reply timed out")
	}
}
