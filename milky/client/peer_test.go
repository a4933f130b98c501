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
	return servePeerOn(tb, "127.0.0.1:0", cfg)
}

// servePeerOn is servePeer on a given address (an upstream coming back).
func servePeerOn(tb testing.TB, addr string, cfg server.Config) (*server.Server, string) {
	tb.Helper()
	if cfg.Logger == nil {
		cfg.Logger = quietLog
	}
	ln, err := net.Listen("tcp", addr)
	require.NoError(tb, err)
	s := server.New(cfg)
	go func() { _ = s.Serve(ln) }()
	tb.Cleanup(func() { _ = s.Close() })
	return s, "http://" + ln.Addr().String()
}
