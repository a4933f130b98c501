package milkyob11

import (
	"context"
	"errors"
	"strconv"
	"strings"
	"testing"

	"github.com/goccy/go-json"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/qqbridge/gateway/idmap"
	"github.com/qqbridge/gateway/internal/conformance/schematest"
	"github.com/qqbridge/gateway/internal/golden"
	"github.com/qqbridge/gateway/internal/scripted"
	"github.com/qqbridge/gateway/milky"
	"github.com/qqbridge/gateway/onebot11"
)

// TestGoldenAPIs runs testdata/apis/<api>/<case>.txt (format:
// testdata/README.md): the bot's request, then per upstream call the
// expected OneBot 11 action and the scripted reply, then the expected Milky
// response. Every success response then goes through the official schema
// (conformance/check.mjs; the "schema" subtest skips without node and
// conformance/node_modules, and fails without them under CI=true).
func TestGoldenAPIs(t *testing.T) {
	var responses []any
	golden.Run(t, "testdata/apis", func(t *testing.T, c *golden.Case) []*golden.Section {
		var req struct {
			API  string          `json:"api"`
			Body json.RawMessage `json:"body"`
		}
		require.NoError(t, c.Sections[0].Decode(&req), "request")
		require.Equal(t, strings.SplitN(c.Name, "/", 2)[0], req.API, "a case lives in the directory of its API")

		return scripted.Run(t, c, oneBotUpstream, func(ctx context.Context, caller *scripted.Caller) any {
			data, err := Do(ctx, goldenEnvFor(t, c.Sections[0], caller), req.API, req.Body)
			if err == nil {
				responses = append(responses, map[string]any{"kind": "response", "api": req.API, "body": envelope(data, err)})
			}
			// The table names every action a translation calls (COVERAGE.md lists them).
			if a := APIs[req.API]; a != nil {
				for _, call := range caller.Calls() {
					assert.Contains(t, a.OneBot, call.Name, "%s calls %s, which its table row does not list", req.API, call.Name)
				}
			}
			return envelope(data, err)
		})
	})
	t.Run("schema", func(t *testing.T) {
		tools := schematest.Require(t)
		out, err := tools.CheckLog(t, responses)
		t.Logf("%d responses checked:\n%s", len(responses), out)
		require.NoError(t, err, "schema check failed")
	})
}

// oneBotUpstream is what a scripted reply means from a OneBot 11 upstream.
var oneBotUpstream = scripted.Protocol{
	Unavailable: func(action string, cause error) error {
		return &onebot11.UnavailableError{Action: action, Err: cause}
	},
	Failed: func(action string, retcode, status int, msg string) error {
		return &onebot11.ActionError{Action: action, Retcode: retcode, HTTPStatus: status, Message: msg}
	},
	Refused:     "dial tcp 127.0.0.1:3001: connection refused",
	Placeholder: "error 100 (no canned reply: edit this line)",
}

// envelope is what the Milky server would send for Do's result.
func envelope(data any, err error) map[string]any {
	if err == nil {
		return map[string]any{"status": "ok", "retcode": 0, "data": data}
	}
	if errors.Is(err, milky.ErrUnknownAPI) {
		return map[string]any{"http": 404}
	}
	var ae *milky.APIError
	if errors.As(err, &ae) {
		return map[string]any{"status": "failed", "retcode": ae.Retcode, "message": ae.Message}
	}
	return map[string]any{"status": "failed", "retcode": -500, "message": err.Error()}
}

// goldenEnvFor builds the Env from the request section's `# env:`,
// `# seqs:` and `# flags:` directives.
func goldenEnvFor(t *testing.T, req *golden.Section, caller *scripted.Caller) *Env {
	var opts struct {
		Impl   string `json:"impl"`
		SelfID *int64 `json:"self_id"`
	}
	var known map[string]int32       // "scene|peer|seq" -> upstream message_id
	var knownFlags map[string]string // "kind|seq" -> OneBot flag
	for key, v := range map[string]any{"env": &opts, "seqs": &known, "flags": &knownFlags} {
		if text, ok := req.Get(key); ok {
			require.NoError(t, json.Unmarshal([]byte(text), v), "# %s", key)
		}
	}
	seqs := newFakeSeqs()
	for k, id := range known {
		parts := strings.Split(k, "|")
		require.Len(t, parts, 3, "# seqs key %q is scene|peer|seq", k)
		peer, err1 := strconv.ParseInt(parts[1], 10, 64)
		seq, err2 := strconv.ParseInt(parts[2], 10, 64)
		require.NoError(t, errors.Join(err1, err2), "# seqs key %q", k)
		seqs.preload(idmap.Ref{Scene: parts[0], Peer: peer, Seq: seq}, id)
	}
	flags := newFakeFlags()
	for k, flag := range knownFlags {
		kind, seqText, _ := strings.Cut(k, "|")
		seq, err := strconv.ParseInt(seqText, 10, 64)
		require.NoError(t, err, "# flags key %q is kind|seq", k)
		flags.preload(kind, seq, flag)
	}
	self := int64(10001)
	if opts.SelfID != nil {
		self = *opts.SelfID
	}
	impl := onebot11.NapCat
	if opts.Impl != "" {
		impl = onebot11.Impl(opts.Impl)
	}
	return &Env{Upstream: caller, Impl: impl, Seqs: seqs, Flags: flags, SelfID: func() int64 { return self },
		Now: func() int64 { return 1700000000 }, Version: "test"}
}
