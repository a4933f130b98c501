package bridge

import (
	"context"

	ob11server "github.com/qqbridge/gateway/onebot11/server"

	"github.com/goccy/go-json"

	"github.com/qqbridge/gateway/onebot11"
	translate "github.com/qqbridge/gateway/translate/ob11milky"
)

// backend is what the OneBot 11 server calls: actions and quick operations
// go straight to translate; nothing here decides what they mean.
type backend struct{ g *MilkyOneBot }

var _ ob11server.Backend = backend{}

// HandleAction runs one action; every failed call gets one log line (the
// message names the action and the cause; params are not logged, they may
// carry message content).
func (b backend) HandleAction(ctx context.Context, action string, params json.RawMessage) *onebot11.Response {
	resp := translate.Do(ctx, b.g.env, action, params)
	if resp.Retcode != onebot11.RetcodeOK && resp.Retcode != onebot11.RetcodeAsync {
		b.g.log.Warn("action failed", "action", action, "retcode", resp.Retcode, "message", resp.Message)
	}
	return resp
}

func (b backend) QuickOperation(ctx context.Context, event json.RawMessage, op json.RawMessage) error {
	return translate.QuickOperation(ctx, b.g.env, event, op)
}

func (b backend) SelfID() int64 { return b.g.selfID.Load() }

func (b backend) Status() onebot11.Status {
	return onebot11.Status{Online: b.g.Ready(), Good: b.g.caller.ok.Load()}
}
