package server

import (
	"context"
	"testing"

	"github.com/qqbridge/gateway/onebot11/ob11test"
)

// BenchmarkPublish measures fan-out cost per event with 10 forward sockets
// reading, one reverse target and one webhook (queue pushes only; the
// senders run concurrently).
func BenchmarkPublish(b *testing.B) {
	rs := ob11test.NewReverseServer("")
	defer rs.Close()
	wh := ob11test.NewWebhookReceiver("")
	defer wh.Close()
	env := newBenchEnv(b, ServerConfig{ReverseWS: []string{rs.URL}, Webhooks: []string{wh.URL}, QueueSize: 1 << 20})
	ctx := context.Background()
	env.s.Start(ctx)
	for range 10 {
		cl, err := ob11test.DialForward(ctx, env.ws("/"), "")
		if err != nil {
			b.Fatal(err)
		}
		go func() {
			for range cl.Events() {
			}
		}()
	}
	ev := testEvent(1)
	b.ReportAllocs()
	b.ResetTimer()
	for b.Loop() {
		env.s.Publish(ev)
	}
}

// BenchmarkWSCall measures one forward-WS action round trip on loopback.
func BenchmarkWSCall(b *testing.B) {
	env := newBenchEnv(b, ServerConfig{})
	ctx := context.Background()
	cl, err := ob11test.DialForward(ctx, env.ws("/"), "")
	if err != nil {
		b.Fatal(err)
	}
	defer cl.Close()
	b.ReportAllocs()
	for b.Loop() {
		if _, err := cl.Call(ctx, "echo_params", map[string]any{"user_id": 1}); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkHTTPCall measures one HTTP API POST JSON round trip.
func BenchmarkHTTPCall(b *testing.B) {
	env := newBenchEnv(b, ServerConfig{})
	ctx := context.Background()
	c := ob11test.NewHTTPClient(env.url, "", ob11test.AuthNone)
	b.ReportAllocs()
	for b.Loop() {
		if _, err := c.PostJSON(ctx, "echo_params", map[string]any{"user_id": 1}); err != nil {
			b.Fatal(err)
		}
	}
}
