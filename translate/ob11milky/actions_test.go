package ob11milky

import (
	"context"
	"errors"
	"fmt"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/goccy/go-json"
	"github.com/stretchr/testify/require"

	"github.com/qqbridge/gateway/idmap"
	"github.com/qqbridge/gateway/internal/golden"
	"github.com/qqbridge/gateway/milky"
	"github.com/qqbridge/gateway/segment"
)

// TestGoldenActions runs testdata/actions/<action>/<case>.txt (format:
// testdata/README.md): the bot's request, then per upstream call the
// expected request and the scripted reply, then the expected response.
func TestGoldenActions(t *testing.T) {
	golden.Run(t, "testdata/actions", func(t *testing.T, c *golden.Case) []*golden.Section {
		var req struct {
			Action string          `json:"action"`
			Params json.RawMessage `json:"params"`
		}
		require.NoError(t, c.Sections[0].Decode(&req), "request")
		require.Equal(t, strings.SplitN(c.Name, "/", 2)[0], strings.TrimPrefix(req.Action, "."), "a case lives in the directory of its action")

		caller, n, i := &scriptedCaller{}, len(c.Sections), 1
		for ; i+1 < n && c.Sections[i].Has("call"); i += 2 {
			r, err := scriptReply(c.Sections[i], c.Sections[i+1])
			require.NoError(t, err, "sections %d and %d", i+1, i+2)
			caller.script = append(caller.script, r)
		}
		if !*golden.Update { // -update may start from the request and the replies alone
			require.Equal(t, n-1, i, "want the request, (call, reply) pairs, then the response")
		}
		ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
		defer cancel()
		resp := Do(ctx, goldenEnvFor(t, c.Sections[0], caller), req.Action, req.Params)

		got := []*golden.Section{c.Sections[0]}
		for i, call := range caller.calls {
			// Replies are scripted by position; a call beyond the script
			// gets a placeholder reply for the reviewer to edit.
			reply := golden.NewSection("", "reply", "error -500 (no canned reply: edit this line)")
			if i < len(caller.script) && caller.script[i].API == call.API {
				reply = c.Sections[2*i+2]
			}
			got = append(got, golden.NewSection(golden.JSON(call.Req), "call", call.API), reply)
		}
		return append(got, golden.NewSection(golden.JSON(resp)))
	})
}

// scriptReply turns a call section and its `# reply:` section into the
// fake upstream's answer: ok (data = body), error <retcode> <message>,
// http <status> <message>, unavailable, timeout.
func scriptReply(call, reply *golden.Section) (scriptedReply, error) {
	api, ok := call.Get("call")
	if !ok || len(call.Directives) != 1 {
		return scriptedReply{}, errors.New("want a section with one `# call: <api>` directive")
	}
	r := scriptedReply{API: api}
	text, ok := reply.Get("reply")
	if !ok {
		return r, fmt.Errorf("the section after call %s needs a `# reply:` directive", api)
	}
	kind, rest, _ := strings.Cut(text, " ")
	switch kind {
	case "ok":
		if !json.Valid([]byte(reply.Body)) {
			return r, fmt.Errorf("reply of %s is not JSON", api)
		}
		r.Data = json.RawMessage(reply.Body)
	case "unavailable":
		r.Err = &milky.UnavailableError{API: api, Err: errors.New("dial tcp 127.0.0.1:3000: connection refused")}
	case "timeout":
		r.Err = &milky.UnavailableError{API: api, Err: context.DeadlineExceeded}
	case "error", "http":
		codeText, msg, _ := strings.Cut(rest, " ")
		code, err := strconv.Atoi(codeText)
		if err != nil {
			return r, fmt.Errorf("reply %s: bad code %q", kind, codeText)
		}
		e := &milky.APIError{API: api, Message: msg}
		if kind == "error" {
			e.Retcode = code
		} else {
			e.HTTPStatus = code
		}
		r.Err = e
	default:
		return r, fmt.Errorf("unknown reply %q", kind)
	}
	return r, nil
}

// goldenEnvFor builds the Env from the request section's `# ids:` and
// `# env:` directives.
func goldenEnvFor(t *testing.T, req *golden.Section, caller *scriptedCaller) *Env {
	var known map[string][3]any
	var opts struct {
		MessageFormat string `json:"message_format"`
		SelfID        *int64 `json:"self_id"`
		Online        *bool  `json:"online"`
		Good          *bool  `json:"good"`
	}
	if v, ok := req.Get("ids"); ok {
		require.NoError(t, json.Unmarshal([]byte(v), &known), "# ids")
	}
	if v, ok := req.Get("env"); ok {
		require.NoError(t, json.Unmarshal([]byte(v), &opts), "# env")
	}
	ids := newFakeIDs()
	for k, v := range known {
		id, err := strconv.ParseInt(k, 10, 32)
		require.NoError(t, err, "# ids key %q", k)
		scene, _ := v[0].(string)
		peer, _ := v[1].(float64)
		seq, _ := v[2].(float64)
		ids.preload(int32(id), idmap.Ref{Scene: scene, Peer: int64(peer), Seq: int64(seq)})
	}
	self, format := int64(10001), "array"
	if opts.SelfID != nil {
		self = *opts.SelfID
	}
	if opts.MessageFormat != "" {
		format = opts.MessageFormat
	}
	env := &Env{
		ForOneBot: segment.ForOneBot{Upstream: caller, IDs: ids, SelfID: func() int64 { return self }, MessageFormat: format},
		Now:       func() int64 { return 1700000000 },
		Version:   "test",
	}
	if opts.Online != nil || opts.Good != nil {
		online, good := opts.Online == nil || *opts.Online, opts.Good == nil || *opts.Good
		env.UpstreamStatus = func() (bool, bool) { return online, good }
	}
	return env
}
