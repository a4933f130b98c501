package scripted

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

	"github.com/qqbridge/gateway/internal/golden"
)

// Protocol is what a reply line means in one upstream protocol.
type Protocol struct {
	// Unavailable is the error of an upstream that cannot be reached;
	// cause is the transport's reason (refused, deadline exceeded).
	Unavailable func(name string, cause error) error
	// Failed is the error of a failed call: a retcode (error <code> <msg>)
	// or an HTTP status (http <status> <msg>).
	Failed func(name string, retcode, httpStatus int, message string) error
	// Refused is the cause of `unavailable` ("dial tcp …: connection refused").
	Refused string
	// Placeholder is the reply written for a call beyond the script.
	Placeholder string
	// Sent, when set, sees every request body (see Caller.Sent).
	Sent func(name string, body []byte)
}

// Run plays one golden case: the request section, then per upstream call
// a `# call: <name>` section and its `# reply:` section, then the
// response. do runs the translation against the scripted caller and
// returns the response to record; Run returns the sections the case file
// should hold (a call beyond the script gets Placeholder, for -update).
func Run(t *testing.T, c *golden.Case, p Protocol, do func(ctx context.Context, caller *Caller) any) []*golden.Section {
	caller, n, i := &Caller{Sent: p.Sent}, len(c.Sections), 1
	for ; i+1 < n && c.Sections[i].Has("call"); i += 2 {
		r, err := p.reply(c.Sections[i], c.Sections[i+1])
		require.NoError(t, err, "sections %d and %d", i+1, i+2)
		caller.Script = append(caller.Script, r)
	}
	if !*golden.Update { // -update may start from the request and the replies alone
		require.Equal(t, n-1, i, "want the request, (call, reply) pairs, then the response")
	}
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	resp := do(ctx, caller)

	got := []*golden.Section{c.Sections[0]}
	for i, call := range caller.Calls() {
		// Replies are scripted by position.
		reply := golden.NewSection("", "reply", p.Placeholder)
		if i < len(caller.Script) && caller.Script[i].Name == call.Name {
			reply = c.Sections[2*i+2]
		}
		got = append(got, golden.NewSection(golden.JSON(call.Params), "call", call.Name), reply)
	}
	return append(got, golden.NewSection(golden.JSON(resp)))
}

// reply turns a call section and its `# reply:` section into the fake
// upstream's answer: ok (data = body), error <retcode> <message>,
// http <status> <message>, unavailable, timeout.
func (p Protocol) reply(call, reply *golden.Section) (Reply, error) {
	name, ok := call.Get("call")
	if !ok || len(call.Directives) != 1 {
		return Reply{}, errors.New("want a section with one `# call: <name>` directive")
	}
	r := Reply{Name: name}
	text, ok := reply.Get("reply")
	if !ok {
		return r, fmt.Errorf("the section after call %s needs a `# reply:` directive", name)
	}
	kind, rest, _ := strings.Cut(text, " ")
	switch kind {
	case "ok":
		if !json.Valid([]byte(reply.Body)) {
			return r, fmt.Errorf("reply of %s is not JSON", name)
		}
		r.Data = json.RawMessage(reply.Body)
	case "unavailable":
		r.Err = p.Unavailable(name, errors.New(p.Refused))
	case "timeout":
		r.Err = p.Unavailable(name, context.DeadlineExceeded)
	case "error", "http":
		codeText, msg, _ := strings.Cut(rest, " ")
		code, err := strconv.Atoi(codeText)
		if err != nil {
			return r, fmt.Errorf("reply %s: bad code %q", kind, codeText)
		}
		if kind == "error" {
			r.Err = p.Failed(name, code, 0, msg)
		} else {
			r.Err = p.Failed(name, 0, code, msg)
		}
	default:
		return r, fmt.Errorf("unknown reply %q", kind)
	}
	return r, nil
}
