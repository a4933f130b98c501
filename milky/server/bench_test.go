package server

import (
	"context"
	"net"
	"net/http"
	"testing"

	"github.com/gorilla/websocket"
	"github.com/valyala/fasthttp"

	"github.com/qqbridge/gateway/milky"
)

// go test -run XXX -bench . -benchmem ./milky/server/
// (Measured against the old net/http milky.Server until it was removed.)

type benchAPI struct{}

func (benchAPI) HandleAPI(_ context.Context, api string, _ []byte) (any, error) {
	if api == milky.APIGetLoginInfo {
		return &milky.GetLoginInfoOutput{Uin: 10001, Nickname: "bench"}, nil
	}
	return nil, milky.ErrUnknownAPI
}

type benchTarget struct {
	addr    string // host:port
	publish func(*milky.Event)
}

func startBenchTarget(b *testing.B) benchTarget {
	s := New(Config{API: benchAPI{}, Logger: quietLogger()})
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		b.Fatal(err)
	}
	go func() { _ = s.Serve(ln) }()
	b.Cleanup(func() { _ = s.Close() })
	return benchTarget{addr: ln.Addr().String(), publish: s.Publish}
}

func BenchmarkAPIRoundTrip(b *testing.B) {
	b.Run("fasthttp", func(b *testing.B) { // the name of older runs, for comparison
		tgt := startBenchTarget(b)
		c := &fasthttp.HostClient{Addr: tgt.addr}
		req, resp := fasthttp.AcquireRequest(), fasthttp.AcquireResponse()
		req.SetRequestURI("http://" + tgt.addr + "/api/get_login_info")
		req.Header.SetMethod(fasthttp.MethodPost)
		req.Header.SetContentType("application/json")
		req.SetBodyString("{}")
		b.ReportAllocs()
		for b.Loop() {
			if err := c.Do(req, resp); err != nil || resp.StatusCode() != 200 {
				b.Fatalf("status %d err %v", resp.StatusCode(), err)
			}
		}
	})
}

func BenchmarkEventFanoutWS(b *testing.B) {
	b.Run("fasthttp", func(b *testing.B) {
		tgt := startBenchTarget(b)
		c, _, err := websocket.DefaultDialer.Dial("ws://"+tgt.addr+"/event", http.Header{})
		if err != nil {
			b.Fatal(err)
		}
		defer c.Close()
		// Subscribed before the handshake ended, so this one arrives.
		tgt.publish(testEvent(0))
		if _, _, err := c.ReadMessage(); err != nil {
			b.Fatal(err)
		}
		ev := testEvent(1)
		b.ReportAllocs()
		for b.Loop() {
			tgt.publish(ev)
			if _, _, err := c.ReadMessage(); err != nil {
				b.Fatal(err)
			}
		}
	})
}
