package client

import (
	"context"
	"io"
	"log/slog"
	"net"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/qqbridge/gateway/milky"
	"github.com/qqbridge/gateway/milky/server"
)

// apiFunc adapts a function to milky.APIHandler: the client's tests serve
// scripted answers through a real Milky server on loopback.
type apiFunc func(ctx context.Context, api string, body []byte) (any, error)

func (f apiFunc) HandleAPI(ctx context.Context, api string, body []byte) (any, error) {
	return f(ctx, api, body)
}

var quietLog = slog.New(slog.NewTextHandler(io.Discard, nil))

var _ milky.APIHandler = apiFunc(nil)

// servePeer serves the gateway's own Milky server on 127.0.0.1 until the
// test ends; it returns the server and its base URL.
func servePeer(tb testing.TB, cfg server.Config) (*server.Server, string) {
	tb.Helper()
	if cfg.Logger == nil {
		cfg.Logger = quietLog
	}
	s := server.New(cfg)
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	require.NoError(tb, err)
	go func() { _ = s.Serve(ln) }()
	tb.Cleanup(func() { _ = s.Close() })
	return s, "http://" + ln.Addr().String()
}
