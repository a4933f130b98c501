package ob11milky

import (
	"context"
	"strconv"
	"strings"
	"testing"

	"github.com/goccy/go-json"
	"github.com/stretchr/testify/require"

	"github.com/qqbridge/gateway/idmap"
	"github.com/qqbridge/gateway/internal/golden"
	"github.com/qqbridge/gateway/internal/scripted"
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

		return scripted.Run(t, c, milkyUpstream, func(ctx context.Context, caller *scripted.Caller) any {
			return Do(ctx, goldenEnvFor(t, c.Sections[0], caller), req.Action, req.Params)
		})
	})
}

// milkyUpstream is what a scripted reply means from a Milky upstream.
var milkyUpstream = scripted.Protocol{
	Unavailable: func(api string, cause error) error { return &milky.UnavailableError{API: api, Err: cause} },
	Failed: func(api string, retcode, status int, msg string) error {
		return &milky.APIError{API: api, Retcode: retcode, HTTPStatus: status, Message: msg}
	},
	Refused:     "dial tcp 127.0.0.1:3000: connection refused",
	Placeholder: "error -500 (no canned reply: edit this line)",
	Sent:        logRequest,
}

// goldenEnvFor builds the Env from the request section's `# ids:` and
// `# env:` directives.
func goldenEnvFor(t *testing.T, req *golden.Section, caller *scripted.Caller) *Env {
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
