package client

import (
	"context"
	"io"
	"log/slog"

	"github.com/qqbridge/gateway/milky"
)

// apiFunc adapts a function to milky.APIHandler: the client's tests serve
// scripted answers through a real Milky server on loopback.
type apiFunc func(ctx context.Context, api string, body []byte) (any, error)

func (f apiFunc) HandleAPI(ctx context.Context, api string, body []byte) (any, error) {
	return f(ctx, api, body)
}

var quietLog = slog.New(slog.NewTextHandler(io.Discard, nil))

var _ milky.APIHandler = apiFunc(nil)
