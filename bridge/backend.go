package bridge

import (
	"context"
	"unicode/utf8"

	milkyclient "github.com/qqbridge/gateway/milky/client"
	ob11server "github.com/qqbridge/gateway/onebot11/server"

	"github.com/goccy/go-json"

	"github.com/qqbridge/gateway/onebot11"
	translate "github.com/qqbridge/gateway/translate/ob11milky"
)

// backend is what the OneBot 11 server of the first direction calls: actions and quick operations
// go straight to translate; nothing here decides what they mean.
type backend struct{ d *OneBotOnMilky }

var (
	_ ob11server.Backend       = backend{}
	_ ob11server.Validator     = backend{}
	_ ob11server.DeadlineBound = backend{}
)

// HonoursDeadline: every upstream wait of an action is a Milky client call,
// bounded by the ctx's deadline, so the server may run actions on the
// goroutine that read them.
func (backend) HonoursDeadline() {}

// HandleAction runs one action; every failed call gets one log line (the
// message names the action and the cause; params are not logged, they may
// carry message content, and every value the message repeats from the
// request is clipped by translate to onebot11.ClipBytes).
func (b backend) HandleAction(ctx context.Context, action string, params json.RawMessage) *onebot11.Response {
	// The server's ctx ends at its deadline only (ob11server.DeadlineBound):
	// the client need not watch it from a goroutine of its own.
	resp := translate.Do(milkyclient.EndsAtDeadline(ctx), b.d.env, action, params)
	if resp.Retcode != onebot11.RetcodeOK && resp.Retcode != onebot11.RetcodeAsync {
		b.logFailed(action, resp)
	}
	return resp
}

// ValidateAction refuses an _async call that could not run (unknown action,
// bad params) before the server answers "async"; it calls no upstream.
func (b backend) ValidateAction(ctx context.Context, action string, params json.RawMessage) *onebot11.Response {
	resp := translate.Validate(ctx, b.d.env, action, params)
	if resp != nil {
		b.logFailed(action, resp)
	}
	return resp
}

// logFailed writes the one line of a failed call, bounded: the action name
// is the bot's choice and the message is capped again here, so neither can
// grow a log line with request content.
func (b backend) logFailed(action string, resp *onebot11.Response) {
	b.d.rt.Log.Warn("action failed", "action", onebot11.Clip(action), "retcode", resp.Retcode, "message", clipLog(resp.Message))
}

// clipLog caps a failure message in a log line (messages are already cut
// to onebot11.MaxMessageBytes; logs keep less).
func clipLog(s string) string {
	const max = 300
	if len(s) <= max {
		return s
	}
	i := max
	for i > 0 && !utf8.RuneStart(s[i]) {
		i--
	}
	return s[:i] + "…"
}

func (b backend) QuickOperation(ctx context.Context, event json.RawMessage, op json.RawMessage) error {
	return translate.QuickOperation(ctx, b.d.env, event, op)
}

func (b backend) SelfID() int64 { return b.d.rt.SelfID() }

func (b backend) Status() onebot11.Status {
	return onebot11.Status{Online: b.d.rt.Ready(), Good: b.d.caller.ok.Load()}
}
