package simulator

import (
	"context"
	"errors"
	"fmt"
	"os"
	"regexp"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/goccy/go-json"
	"github.com/stretchr/testify/require"

	"github.com/qqbridge/gateway/internal/golden"
	"github.com/qqbridge/gateway/milky"
)

// Golden API cases: testdata/api/<category>/<case>.txt (format:
// testdata/api/README.md): one `# call: <api>` section per call, then the
// results and the events, run against a fresh simulator (seed 0, clock
// fixed at testNow, no echo). Ids of the seeded world are written as
// $NAMES (see goldenVars) in both input and expectations.

var testNow = time.Unix(1775476800, 0) // 2026-04-06 12:00:00 UTC

func newTestSim(t testing.TB) *Sim {
	t.Helper()
	s := New(Options{Now: func() time.Time { return testNow }})
	t.Cleanup(func() {
		s.Close()
		for _, ev := range s.Events() {
			dumpForSchema(t, "event", "", ev)
		}
	})
	return s
}

// dumpForSchema appends a payload to $SIM_SCHEMA_DUMP (JSON lines) so that
// testdata/zodcheck.mjs can validate it against the official Milky schema
// (with conformance/'s shared checks; cd conformance && npm ci first):
//
//	SIM_SCHEMA_DUMP=/tmp/dump.jsonl go test ./simulator
//	node simulator/testdata/zodcheck.mjs /tmp/dump.jsonl
func dumpForSchema(t testing.TB, kind, api string, v any) {
	path := os.Getenv("SIM_SCHEMA_DUMP")
	if path == "" {
		return
	}
	line, err := json.Marshal(map[string]any{"kind": kind, "api": api, "value": v})
	require.NoError(t, err)
	f, err := os.OpenFile(path, os.O_APPEND|os.O_CREATE|os.O_WRONLY, 0o644)
	require.NoError(t, err)
	defer f.Close()
	_, err = f.Write(append(line, '\n'))
	require.NoError(t, err)
}

// goldenVars names the world's ids. Order matters for the reverse mapping:
// the first name of a value wins.
func goldenVars(s *Sim) [][2]string {
	var v [][2]string
	add := func(name string, val any) { v = append(v, [2]string{name, fmt.Sprint(val)}) }
	add("$SELF", s.SelfID())
	for i, f := range s.Friends() {
		add(fmt.Sprintf("$F%d", i+1), f.UserID)
	}
	for i, g := range s.Groups() {
		add(fmt.Sprintf("$G%d", i+1), g.GroupID)
	}
	for i, g := range s.Groups() {
		for j, m := range s.Members(g.GroupID) {
			add(fmt.Sprintf("$G%dM%d", i+1, j), m.UserID)
		}
	}
	for _, r := range s.FriendRequests() {
		name := "$FR_ACCEPTED"
		if r.State == "pending" {
			name = "$FR_PENDING"
			if r.IsFiltered {
				name = "$FR_FILTERED"
			}
		}
		add(name, r.InitiatorID)
		add(name+"_UID", r.InitiatorUID)
	}
	add("$SELF_UID", s.w.selfUID)
	// Strings (file, folder and announcement ids) and message seqs.
	for i, g := range s.Groups() {
		gw := s.w.groups[g.GroupID]
		for j, f := range gw.files {
			add(fmt.Sprintf("$G%dFILE%d", i+1, j), f.FileID)
		}
		for j, f := range gw.folders {
			add(fmt.Sprintf("$G%dFOLDER%d", i+1, j), f.FolderID)
		}
		for j, a := range gw.announcements {
			add(fmt.Sprintf("$G%dANN%d", i+1, j), a.AnnouncementID)
		}
		for j, m := range s.History(milky.SceneGroup, g.GroupID) {
			add(fmt.Sprintf("$G%dS%d", i+1, j), m.MessageSeq)
		}
	}
	for i, f := range s.Friends() {
		for j, m := range s.History(milky.SceneFriend, f.UserID) {
			add(fmt.Sprintf("$F%dS%d", i+1, j), m.MessageSeq)
		}
	}
	for _, n := range s.GroupNotifications() {
		name := "$N_" + strings.ToUpper(n.Type)
		if n.IsFiltered {
			name += "_FILTERED"
		}
		add(name, n.NotificationSeq)
		switch {
		case n.Type == milky.NotifyQuit:
			add("$QUITTER", n.TargetUserID)
		case n.Type == milky.NotifyInvitedJoinRequest:
			add("$INVITEE", n.TargetUserID)
		case n.Type == milky.NotifyJoinRequest && n.IsFiltered:
			add("$SPAMMER", n.InitiatorID)
		case n.Type == milky.NotifyJoinRequest:
			add("$APPLICANT", n.InitiatorID)
		}
	}
	return v
}

var varRe = regexp.MustCompile(`\$[A-Z][A-Z0-9_]*`)

func expand(t *testing.T, s string, vars [][2]string) string {
	m := map[string]string{}
	for _, kv := range vars {
		if _, ok := m[kv[0]]; !ok {
			m[kv[0]] = kv[1]
		}
	}
	return varRe.ReplaceAllStringFunc(s, func(name string) string {
		v, ok := m[name]
		if !ok {
			t.Fatalf("unknown variable %s", name)
		}
		return v
	})
}

var numRe = regexp.MustCompile(`\b\d{5,}\b`)

// abstract turns the world's ids in output back into $NAMES.
func abstract(s string, vars [][2]string) string {
	nums := map[string]string{}
	var strs [][2]string
	for _, kv := range vars {
		if _, err := strconv.ParseInt(kv[1], 10, 64); err == nil {
			if _, ok := nums[kv[1]]; !ok {
				nums[kv[1]] = kv[0]
			}
		} else {
			strs = append(strs, kv)
		}
	}
	for _, kv := range strs {
		s = strings.ReplaceAll(s, kv[1], kv[0])
	}
	return numRe.ReplaceAllStringFunc(s, func(n string) string {
		if name, ok := nums[n]; ok {
			return name
		}
		return n
	})
}

type goldenCall struct {
	api  string
	body string
}

// parseCalls reads the leading `# call: <api>` sections of a case; an
// empty body stands for {}.
func parseCalls(c *golden.Case) []goldenCall {
	var calls []goldenCall
	for _, sec := range c.Sections {
		api, ok := sec.Get("call")
		if !ok {
			break
		}
		calls = append(calls, goldenCall{api: api, body: sec.Body})
	}
	return calls
}

func runCalls(t *testing.T, s *Sim, calls []goldenCall, vars [][2]string) []any {
	results := make([]any, 0, len(calls))
	for _, c := range calls {
		body := expand(t, c.body, vars)
		data, err := s.HandleAPI(context.Background(), c.api, []byte(body))
		r := goldenResult{API: c.api}
		var ae *milky.APIError
		switch {
		case err == nil:
			if data == nil {
				data = milky.Empty{}
			}
			raw, merr := json.Marshal(data)
			require.NoError(t, merr)
			r.Data = raw
			dumpForSchema(t, "response", c.api, r.Data)
			if strings.TrimSpace(body) == "" {
				body = "{}"
			}
			dumpForSchema(t, "request", c.api, json.RawMessage(body))
		case errors.As(err, &ae):
			r.Retcode, r.Message = ae.Retcode, ae.Message
		case errors.Is(err, milky.ErrUnknownAPI):
			r.Retcode, r.Message = 404, "unknown api (HTTP 404)"
		default:
			t.Fatalf("%s: unexpected error type %T: %v", c.api, err, err)
		}
		results = append(results, r)
	}
	return results
}

type goldenResult struct {
	API     string          `json:"api"`
	Retcode int             `json:"retcode"`
	Data    json.RawMessage `json:"data,omitempty"`
	Message string          `json:"message,omitempty"`
}

type goldenEvent struct {
	EventType string          `json:"event_type"`
	Data      json.RawMessage `json:"data"`
}

func eventsOf(s *Sim) []goldenEvent {
	out := []goldenEvent{}
	for _, ev := range s.Events() {
		out = append(out, goldenEvent{ev.EventType, ev.Data})
	}
	return out
}

func TestGolden(t *testing.T) {
	golden.Run(t, "testdata/api", func(t *testing.T, c *golden.Case) []*golden.Section {
		s := newTestSim(t)
		vars := goldenVars(s)
		c.Normalize = func(body string) string { return expand(t, body, vars) }
		calls := parseCalls(c)
		require.NotEmpty(t, calls, "a case starts with `# call: <api>` sections")
		if !*golden.Update { // -update may start from a file that has only the calls
			require.Len(t, c.Sections, len(calls)+2, "want the call sections, then results and events")
		}
		results := abstract(golden.JSON(runCalls(t, s, calls, vars)), vars)
		events := abstract(golden.JSON(eventsOf(s)), vars)
		return append(c.Sections[:len(calls):len(calls)], golden.NewSection(results), golden.NewSection(events))
	})
}
