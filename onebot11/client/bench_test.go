package client

import (
	"context"
	"testing"

	"github.com/qqbridge/gateway/onebot11/ob11fake"
	"github.com/stretchr/testify/require"
)

// BenchmarkCall measures one call round trip on loopback against ob11fake
// (whose own encoding and goroutine per call are included in the time).
func BenchmarkCall(b *testing.B) {
	for _, tr := range []string{"ws", "http"} {
		b.Run(tr, func(b *testing.B) {
			f := newFake(b, ob11fake.Options{})
			var url string
			var err error
			if tr == "ws" {
				url, err = f.ListenWS("127.0.0.1:0")
			} else {
				url, err = f.ListenHTTP("127.0.0.1:0")
			}
			require.NoError(b, err)
			c := start(b, Config{URL: url})
			ctx := context.Background()
			var out struct {
				Online bool `json:"online"`
			}
			params := map[string]any{"no_cache": true}
			require.NoError(b, c.Call(ctx, "get_status", params, &out))
			b.ReportAllocs()
			b.ResetTimer()
			for b.Loop() {
				if err := c.Call(ctx, "get_status", params, &out); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}
