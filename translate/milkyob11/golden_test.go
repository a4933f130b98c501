package milkyob11

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

	"github.com/goccy/go-json"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/qqbridge/gateway/idmap"
	"github.com/qqbridge/gateway/milky"
	"github.com/qqbridge/gateway/onebot11"
)

var update = flag.Bool("update", false, "rewrite the expectations of golden files")

const sectionSep = "----------"

// goldenCase is one file of testdata/apis (format: testdata/README.md).
type goldenCase struct {
	header   []string
	env      goldenEnv
	seqs     map[string]int32  // "scene|peer|seq" -> upstream message_id
	flags    map[string]string // "kind|seq" -> OneBot flag
	request  string
	calls    []goldenCall
	response string
}

type goldenEnv struct {
	Impl   string `json:"impl"`
	SelfID *int64 `json:"self_id"`
}

type goldenCall struct {
	action string
	params string
	reply  string
}

var callStart = regexp.MustCompile(`^([a-z_.]+) (\{.*)$`)

func parseGolden(text string) (*goldenCase, error) {
	c := &goldenCase{}
	var sections [][]string
	cur := []string{}
	for _, l := range strings.Split(strings.ReplaceAll(text, "\r\n", "\n"), "\n") {
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
	var req []string
	for _, l := range sections[0] {
		var err error
		switch {
		case len(req) == 0 && strings.HasPrefix(l, "#env "):
			err = json.Unmarshal([]byte(l[len("#env "):]), &c.env)
		case len(req) == 0 && strings.HasPrefix(l, "#seqs "):
			err = json.Unmarshal([]byte(l[len("#seqs "):]), &c.seqs)
		case len(req) == 0 && strings.HasPrefix(l, "#flags "):
			err = json.Unmarshal([]byte(l[len("#flags "):]), &c.flags)
		case len(req) == 0 && strings.HasPrefix(l, "#"):
		default:
			req = append(req, l)
			continue
		}
		if err != nil {
			return nil, fmt.Errorf("%s: %w", strings.Fields(l)[0], err)
		}
		c.header = append(c.header, l)
	}
	c.request = strings.TrimSpace(strings.Join(req, "\n"))
	var call *goldenCall
	inReply := false
	for _, l := range sections[1] {
		if m := callStart.FindStringSubmatch(l); m != nil && (call == nil || inReply) {
			c.calls = append(c.calls, goldenCall{action: m[1], params: m[2]})
			call = &c.calls[len(c.calls)-1]
			inReply = false
			continue
		}
		switch {
		case strings.TrimSpace(l) == "" && (call == nil || inReply):
		case call == nil:
			return nil, fmt.Errorf("calls section: %q is not `<action> {params}`", l)
		case strings.HasPrefix(l, "=>"):
			if inReply {
				return nil, fmt.Errorf("calls section: second reply for %s", call.action)
			}
			call.reply = strings.TrimSpace(strings.TrimPrefix(l, "=>"))
			inReply = true
		case inReply:
			call.reply += "\n" + l
		default:
			call.params += "\n" + l
		}
	}
	for _, cl := range c.calls {
		if cl.reply == "" {
			return nil, fmt.Errorf("calls section: %s has no `=> reply` line", cl.action)
		}
	}
	c.response = strings.TrimSpace(strings.Join(sections[2], "\n"))
	return c, nil
}

// scriptReply turns a reply line into the fake's answer.
func scriptReply(action, text string) (scriptedReply, error) {
	r := scriptedReply{Action: action}
	switch {
	case text == "!unavailable":
		r.Err = &onebot11.UnavailableError{Action: action, Err: errors.New("dial tcp 127.0.0.1:3001: connection refused")}
	case text == "!timeout":
		r.Err = &onebot11.UnavailableError{Action: action, Err: context.DeadlineExceeded}
	case strings.HasPrefix(text, "!failed "), strings.HasPrefix(text, "!http "):
		kind, rest, _ := strings.Cut(text, " ")
		codeText, msg, _ := strings.Cut(rest, " ")
		code, err := strconv.Atoi(codeText)
		if err != nil {
			return r, fmt.Errorf("%s: bad code %q", kind, codeText)
		}
		e := &onebot11.ActionError{Action: action, Message: msg}
		if kind == "!failed" {
			e.Retcode = code
		} else {
			e.HTTPStatus = code
		}
		r.Err = e
	case strings.HasPrefix(text, "!"):
		return r, fmt.Errorf("unknown reply directive %q", text)
	default:
		if !json.Valid([]byte(text)) {
			return r, fmt.Errorf("reply of %s is not JSON: %s", action, text)
		}
		r.Data = json.RawMessage(text)
	}
	return r, nil
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

func TestGoldenAPIs(t *testing.T) {
	files, err := filepath.Glob("testdata/apis/*/*.txt")
	require.NoError(t, err)
	require.NotEmpty(t, files)
	var log *os.File
	if path := os.Getenv("MILKYOB11_RESPONSE_LOG"); path != "" {
		log, err = os.Create(path)
		require.NoError(t, err)
		defer log.Close()
	}
	for _, file := range files {
		name := strings.TrimSuffix(strings.TrimPrefix(filepath.ToSlash(file), "testdata/apis/"), ".txt")
		t.Run(name, func(t *testing.T) { runGolden(t, file, log) })
	}
}

func runGolden(t *testing.T, file string, log *os.File) {
	text, err := os.ReadFile(file)
	require.NoError(t, err)
	c, err := parseGolden(string(text))
	require.NoError(t, err, file)
	var req struct {
		API  string          `json:"api"`
		Body json.RawMessage `json:"body"`
	}
	require.NoError(t, json.Unmarshal([]byte(c.request), &req), "request line")
	require.Equal(t, filepath.Base(filepath.Dir(file)), req.API, "a case lives in the directory of its API")

	caller := &scriptedCaller{}
	for _, cl := range c.calls {
		r, err := scriptReply(cl.action, strings.TrimSpace(cl.reply))
		require.NoError(t, err)
		caller.script = append(caller.script, r)
	}
	env := goldenEnvFor(t, c, caller)
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	data, err := Do(ctx, env, req.API, req.Body)
	got, merr := json.Marshal(envelope(data, err))
	require.NoError(t, merr)
	if log != nil && err == nil {
		line, _ := json.Marshal(map[string]any{"api": req.API, "data": data})
		_, _ = log.Write(append(line, '\n'))
	}
	if *update {
		writeGolden(t, file, c, caller.calls, got)
		return
	}
	for i := 0; i < len(c.calls) || i < len(caller.calls); i++ {
		switch {
		case i >= len(caller.calls):
			t.Errorf("call %d: expected %s %s, but it was not made", i+1, c.calls[i].action, c.calls[i].params)
		case i >= len(c.calls):
			t.Errorf("call %d: unexpected %s %s", i+1, caller.calls[i].Action, caller.calls[i].Params)
		case c.calls[i].action != caller.calls[i].Action:
			t.Errorf("call %d: expected %s, got %s %s", i+1, c.calls[i].action, caller.calls[i].Action, caller.calls[i].Params)
		default:
			assert.JSONEq(t, c.calls[i].params, string(caller.calls[i].Params), "call %d (%s) params", i+1, c.calls[i].action)
		}
	}
	assert.JSONEq(t, c.response, string(got), "response")
	// The table names every action a translation calls (COVERAGE.md lists them).
	if a := APIs[req.API]; a != nil {
		for _, call := range caller.calls {
			assert.Contains(t, a.OneBot, call.Action, "%s calls %s, which its table row does not list", req.API, call.Action)
		}
	}
}

func goldenEnvFor(t *testing.T, c *goldenCase, caller *scriptedCaller) *Env {
	seqs := newFakeSeqs()
	for k, id := range c.seqs {
		parts := strings.Split(k, "|")
		require.Len(t, parts, 3, "#seqs key %q is scene|peer|seq", k)
		peer, err1 := strconv.ParseInt(parts[1], 10, 64)
		seq, err2 := strconv.ParseInt(parts[2], 10, 64)
		require.NoError(t, errors.Join(err1, err2), "#seqs key %q", k)
		seqs.preload(idmap.Ref{Scene: parts[0], Peer: peer, Seq: seq}, id)
	}
	flags := newFakeFlags()
	for k, flag := range c.flags {
		kind, seqText, _ := strings.Cut(k, "|")
		seq, err := strconv.ParseInt(seqText, 10, 64)
		require.NoError(t, err, "#flags key %q is kind|seq", k)
		flags.preload(kind, seq, flag)
	}
	self := int64(10001)
	if c.env.SelfID != nil {
		self = *c.env.SelfID
	}
	impl := onebot11.NapCat
	if c.env.Impl != "" {
		impl = onebot11.Impl(c.env.Impl)
	}
	return &Env{Upstream: caller, Impl: impl, Seqs: seqs, Flags: flags, SelfID: func() int64 { return self },
		Now: func() int64 { return 1700000000 }, Version: "test"}
}

// writeGolden rewrites the expectations (call params and the response); the
// request, the directives and the canned replies stay.
func writeGolden(t *testing.T, file string, c *goldenCase, made []recordedCall, got []byte) {
	var b bytes.Buffer
	for _, h := range c.header {
		b.WriteString(h + "\n")
	}
	b.WriteString(c.request + "\n" + sectionSep + "\n")
	for i, call := range made {
		reply := "!failed 100 (no canned reply: edit this line)"
		if i < len(c.calls) && c.calls[i].action == call.Action {
			reply = strings.TrimSpace(c.calls[i].reply)
		}
		b.WriteString(call.Action + " " + string(unescapeHTML(call.Params)) + "\n=> " + reply + "\n")
	}
	b.WriteString(sectionSep + "\n")
	var v any
	require.NoError(t, json.Unmarshal(got, &v))
	pretty, err := json.MarshalIndent(v, "", "  ")
	require.NoError(t, err)
	if len(pretty) <= 120 {
		pretty = got
	}
	b.Write(unescapeHTML(pretty))
	b.WriteString("\n")
	require.NoError(t, os.WriteFile(file, b.Bytes(), 0o644))
}

// unescapeHTML undoes the encoder's \u0026, \u003c, \u003e escapes so that
// golden files show & < > as they are.
func unescapeHTML(b []byte) []byte {
	r := strings.NewReplacer(`\u0026`, "&", `\u003c`, "<", `\u003e`, ">")
	return []byte(r.Replace(string(b)))
}
