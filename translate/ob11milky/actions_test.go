package ob11milky

import (
	"bytes"
	"context"
	"errors"
	"flag"
	"fmt"
	"os"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/qqbridge/gateway/segment"

	"github.com/goccy/go-json"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/qqbridge/gateway/idmap"
	"github.com/qqbridge/gateway/milky"
	"github.com/qqbridge/gateway/onebot11"
)

var update = flag.Bool("update", false, "rewrite the expectations of golden files")

const sectionSep = "----------"

// goldenCase is one file of testdata/actions (format: testdata/README.md).
type goldenCase struct {
	header   []string // comment and directive lines, kept verbatim
	ids      map[string][3]any
	env      goldenEnv
	request  string
	calls    []goldenCall
	response string
}

type goldenEnv struct {
	MessageFormat string `json:"message_format"`
	SelfID        *int64 `json:"self_id"`
	Online        *bool  `json:"online"`
	Good          *bool  `json:"good"`
}

type goldenCall struct {
	api   string
	req   string
	reply string // text after "=> "
}

var callStart = regexp.MustCompile(`^([a-z_]+) (\{.*)$`)

func parseGolden(text string) (*goldenCase, error) {
	c := &goldenCase{}
	lines := strings.Split(strings.ReplaceAll(text, "\r\n", "\n"), "\n")
	var sections [][]string
	cur := []string{}
	for _, l := range lines {
		if l == sectionSep {
			sections = append(sections, cur)
			cur = []string{}
			continue
		}
		cur = append(cur, l)
	}
	sections = append(sections, cur)
	if len(sections) != 3 {
		return nil, fmt.Errorf("want 3 sections separated by %q, got %d", sectionSep, len(sections))
	}
	// Section 1: #-lines, then the request.
	var req []string
	for _, l := range sections[0] {
		switch {
		case len(req) == 0 && strings.HasPrefix(l, "#ids "):
			c.header = append(c.header, l)
			if err := json.Unmarshal([]byte(l[len("#ids "):]), &c.ids); err != nil {
				return nil, fmt.Errorf("#ids: %w", err)
			}
		case len(req) == 0 && strings.HasPrefix(l, "#env "):
			c.header = append(c.header, l)
			if err := json.Unmarshal([]byte(l[len("#env "):]), &c.env); err != nil {
				return nil, fmt.Errorf("#env: %w", err)
			}
		case len(req) == 0 && strings.HasPrefix(l, "#"):
			c.header = append(c.header, l)
		default:
			req = append(req, l)
		}
	}
	c.request = strings.TrimSpace(strings.Join(req, "\n"))
	// Section 2: calls.
	var call *goldenCall
	inReply := false
	for _, l := range sections[1] {
		if m := callStart.FindStringSubmatch(l); m != nil && (call == nil || inReply) {
			c.calls = append(c.calls, goldenCall{api: m[1], req: m[2]})
			call = &c.calls[len(c.calls)-1]
			inReply = false
			continue
		}
		switch {
		case strings.TrimSpace(l) == "" && (call == nil || inReply):
		case call == nil:
			return nil, fmt.Errorf("calls section: %q is not `<api> {request}`", l)
		case strings.HasPrefix(l, "=>"):
			if inReply {
				return nil, fmt.Errorf("calls section: second reply for %s", call.api)
			}
			call.reply = strings.TrimSpace(strings.TrimPrefix(l, "=>"))
			inReply = true
		case inReply:
			call.reply += "\n" + l
		default:
			call.req += "\n" + l
		}
	}
	for _, cl := range c.calls {
		if cl.reply == "" {
			return nil, fmt.Errorf("calls section: %s has no `=> reply` line", cl.api)
		}
	}
	c.response = strings.TrimSpace(strings.Join(sections[2], "\n"))
	return c, nil
}

// scriptReply turns a `=> ...` text into the fake's answer.
func scriptReply(api, text string) (scriptedReply, error) {
	r := scriptedReply{API: api}
	switch {
	case text == "!unavailable":
		r.Err = &milky.UnavailableError{API: api, Err: errors.New("dial tcp 127.0.0.1:3000: connection refused")}
	case text == "!timeout":
		r.Err = &milky.UnavailableError{API: api, Err: context.DeadlineExceeded}
	case strings.HasPrefix(text, "!error "), strings.HasPrefix(text, "!http "):
		kind, rest, _ := strings.Cut(text, " ")
		codeText, msg, _ := strings.Cut(rest, " ")
		code, err := strconv.Atoi(codeText)
		if err != nil {
			return r, fmt.Errorf("%s: bad code %q", kind, codeText)
		}
		e := &milky.APIError{API: api, Message: msg}
		if kind == "!error" {
			e.Retcode = code
		} else {
			e.HTTPStatus = code
		}
		r.Err = e
	case strings.HasPrefix(text, "!"):
		return r, fmt.Errorf("unknown reply directive %q", text)
	default:
		if !json.Valid([]byte(text)) {
			return r, fmt.Errorf("reply of %s is not JSON: %s", api, text)
		}
		r.Data = json.RawMessage(text)
	}
	return r, nil
}

func TestGoldenActions(t *testing.T) {
	files, err := filepath.Glob("testdata/actions/*/*.txt")
	require.NoError(t, err)
	require.NotEmpty(t, files)
	for _, file := range files {
		name := strings.TrimSuffix(strings.TrimPrefix(filepath.ToSlash(file), "testdata/actions/"), ".txt")
		t.Run(name, func(t *testing.T) { runGolden(t, file) })
	}
}

func runGolden(t *testing.T, file string) {
	text, err := os.ReadFile(file)
	require.NoError(t, err)
	c, err := parseGolden(string(text))
	require.NoError(t, err, file)

	var req struct {
		Action string          `json:"action"`
		Params json.RawMessage `json:"params"`
	}
	require.NoError(t, json.Unmarshal([]byte(c.request), &req), "request line")
	dir := filepath.Base(filepath.Dir(file))
	require.Equal(t, dir, strings.TrimPrefix(req.Action, "."), "a case lives in the directory of its action")

	caller := &scriptedCaller{}
	for _, cl := range c.calls {
		r, err := scriptReply(cl.api, strings.TrimSpace(cl.reply))
		require.NoError(t, err)
		caller.script = append(caller.script, r)
	}
	env := goldenEnvFor(t, c, caller)

	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	resp := Do(ctx, env, req.Action, req.Params)
	got, err := json.Marshal(resp)
	require.NoError(t, err)

	if *update {
		writeGolden(t, file, c, caller.calls, resp)
		return
	}
	// Calls: same APIs in the same order, same requests.
	for i := 0; i < len(c.calls) || i < len(caller.calls); i++ {
		switch {
		case i >= len(caller.calls):
			t.Errorf("call %d: expected %s %s, but it was not made", i+1, c.calls[i].api, c.calls[i].req)
		case i >= len(c.calls):
			t.Errorf("call %d: unexpected %s %s", i+1, caller.calls[i].API, caller.calls[i].Req)
		case c.calls[i].api != caller.calls[i].API:
			t.Errorf("call %d: expected %s, got %s %s", i+1, c.calls[i].api, caller.calls[i].API, caller.calls[i].Req)
		default:
			assert.JSONEq(t, c.calls[i].req, string(caller.calls[i].Req), "call %d (%s) request", i+1, c.calls[i].api)
		}
	}
	assert.JSONEq(t, c.response, string(got), "response")
}

func goldenEnvFor(t *testing.T, c *goldenCase, caller *scriptedCaller) *Env {
	ids := newFakeIDs()
	for k, v := range c.ids {
		id, err := strconv.ParseInt(k, 10, 32)
		require.NoError(t, err, "#ids key %q", k)
		scene, _ := v[0].(string)
		peer, _ := v[1].(float64)
		seq, _ := v[2].(float64)
		ids.preload(int32(id), idmap.Ref{Scene: scene, Peer: int64(peer), Seq: int64(seq)})
	}
	self := int64(10001)
	if c.env.SelfID != nil {
		self = *c.env.SelfID
	}
	format := "array"
	if c.env.MessageFormat != "" {
		format = c.env.MessageFormat
	}
	env := &Env{
		ForOneBot: segment.ForOneBot{Upstream: caller, IDs: ids, SelfID: func() int64 { return self }, MessageFormat: format},
		Now:       func() int64 { return 1700000000 },
		Version:   "test",
	}
	if c.env.Online != nil || c.env.Good != nil {
		online, good := c.env.Online == nil || *c.env.Online, c.env.Good == nil || *c.env.Good
		env.UpstreamStatus = func() (bool, bool) { return online, good }
	}
	return env
}

// writeGolden rewrites the expectations (requests of calls and the
// response); the request, the directives and the canned replies stay.
func writeGolden(t *testing.T, file string, c *goldenCase, made []recordedCall, resp *onebot11.Response) {
	var b bytes.Buffer
	for _, h := range c.header {
		b.WriteString(h + "\n")
	}
	b.WriteString(c.request + "\n" + sectionSep + "\n")
	// Canned replies are matched by position; calls beyond the script have
	// none, so they are written with an error reply to be edited by hand.
	for i, call := range made {
		reply := "!error -500 (no canned reply: edit this line)"
		if i < len(c.calls) && c.calls[i].api == call.API {
			reply = strings.TrimSpace(c.calls[i].reply)
		}
		b.WriteString(call.API + " " + string(unescapeHTML(call.Req)) + "\n=> " + reply + "\n")
	}
	b.WriteString(sectionSep + "\n")
	// The envelope in its field order; short ones on one line.
	pretty, err := json.MarshalIndent(resp, "", "  ")
	require.NoError(t, err)
	if len(pretty) <= 120 {
		pretty, _ = json.Marshal(resp)
	}
	b.Write(unescapeHTML(pretty))
	b.WriteString("\n")
	require.NoError(t, os.WriteFile(file, b.Bytes(), 0o644))
}

// unescapeHTML undoes the encoder's \u0026, \u003c, \u003e escapes so that
// golden files show & < > as they are (same JSON value, easier to read).
func unescapeHTML(b []byte) []byte {
	out := make([]byte, 0, len(b))
	for i := 0; i < len(b); i++ {
		if b[i] != '\\' || i+1 >= len(b) {
			out = append(out, b[i])
			continue
		}
		if i+6 <= len(b) {
			switch string(b[i : i+6]) {
			case `\u0026`:
				out = append(out, '&')
				i += 5
				continue
			case `\u003c`:
				out = append(out, '<')
				i += 5
				continue
			case `\u003e`:
				out = append(out, '>')
				i += 5
				continue
			}
		}
		out = append(out, b[i], b[i+1]) // any other escape, kept whole
		i++
	}
	return out
}
