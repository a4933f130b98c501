package transport

import (
	"context"
	"io"
	"net"
	"net/http"
	"sync/atomic"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"github.com/valyala/fasthttp"
)

func TestServingShutdownBeforeServe(t *testing.T) {
	var h Serving
	require.NoError(t, h.Shutdown(context.Background()), "nothing to stop")
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	require.NoError(t, err)
	defer ln.Close()
	assert.ErrorIs(t, h.Serve(ln, &fasthttp.Server{}), ErrServingClosed)
}

func TestServingTracksConnectionsAndStops(t *testing.T) {
	var h Serving
	var sawNew atomic.Bool
	fs := &fasthttp.Server{
		Handler: func(ctx *fasthttp.RequestCtx) { ctx.SetBodyString("ok") },
		ConnState: func(_ net.Conn, st fasthttp.ConnState) {
			if st == fasthttp.StateNew {
				sawNew.Store(true)
			}
		},
	}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	require.NoError(t, err)
	served := make(chan error, 1)
	go func() { served <- h.Serve(ln, fs) }()

	resp, err := http.Get("http://" + ln.Addr().String() + "/")
	require.NoError(t, err)
	// Read to EOF before closing: net/http closes a connection whose body
	// was left unread, and the server may see that close before Conns runs.
	_, err = io.Copy(io.Discard, resp.Body)
	require.NoError(t, err)
	require.NoError(t, resp.Body.Close())
	assert.Equal(t, 1, h.Conns(), "the kept-alive connection is tracked")
	assert.ErrorIs(t, h.Serve(ln, &fasthttp.Server{}), ErrServeTwice)

	h.CutConns()
	require.NoError(t, h.Shutdown(context.Background()))
	require.NoError(t, <-served, "Serve ends with nil after Shutdown")
	assert.True(t, h.Closed())
	assert.True(t, sawNew.Load(), "the server's own ConnState still runs")
}
