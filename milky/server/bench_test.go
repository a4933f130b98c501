package server

import (
	"context"
	"net"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/gorilla/websocket"
	"github.com/valyala/fasthttp"

	"github.com/qqbridge/gateway/milky"
)

// The benchmarks run the same client against this package (fasthttp) and
// the old milky.Server (net/http), so the difference is the server's.
// go test -run XXX -bench . -benchmem ./milky/server/

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

func benchTargets(b *testing.B) map[string]func() benchTarget {
	return map[string]func() benchTarget{
		"fasthttp": func() benchTarget {
			s := New(Config{API: benchAPI{}, Logger: quietLogger()})
			ln, err := net.Listen("tcp", "127.0.0.1:0")
			if err != nil {
				b.Fatal(err)
			}
			go func() { _ = s.Serve(ln) }()
			b.Cleanup(func() { _ = s.Close() })
			return benchTarget{addr: ln.Addr().String(), publish: s.Publish}
		},
		"old_nethttp": func() benchTarget {
			s := milky.NewServer(milky.ServerConfig{API: benchAPI{}, Logger: quietLogger()})
			ts := httptest.NewServer(s.Handler())
			b.Cleanup(func() { s.Close(); ts.Close() })
			return benchTarget{addr: strings.TrimPrefix(ts.URL, "http://"), publish: s.Publish}
		},
	}
}

func BenchmarkAPIRoundTrip(b *testing.B) {
	for _, name := range []string{"fasthttp", "old_nethttp"} {
		b.Run(name, func(b *testing.B) {
			tgt := benchTargets(b)[name]()
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
}

func BenchmarkEventFanoutWS(b *testing.B) {
	for _, name := range []string{"fasthttp", "old_nethttp"} {
		b.Run(name, func(b *testing.B) {
			tgt := benchTargets(b)[name]()
			c, _, err := websocket.DefaultDialer.Dial("ws://"+tgt.addr+"/event", http.Header{})
			if err != nil {
				b.Fatal(err)
			}
			defer c.Close()
			// Wait until subscribed: the first event published arrives.
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
}
