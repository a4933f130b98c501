package ob11milky

import (
	"bytes"
	"errors"
	"flag"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/goccy/go-json"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/qqbridge/gateway/idmap"
	"github.com/qqbridge/gateway/milky"
	"github.com/qqbridge/gateway/segment"
)

var update = flag.Bool("update", false, "rewrite the expected sections of eventmap/testdata golden files")

// envSelfID is what the test Env reports as the bot's uin; events carry
// their own self_id, which wins (see selfID).
const envSelfID = 10001

// seqMapper is a deterministic fake idmap.Mapper: ids are handed out from
// 1 in the order triples are first seen, so golden files stay readable.
type seqMapper struct {
	ids  map[idmap.Ref]int32
	refs []idmap.Ref
}

func newSeqMapper() *seqMapper { return &seqMapper{ids: map[idmap.Ref]int32{}} }

func (m *seqMapper) IDFor(ref idmap.Ref) int32 {
	if id, ok := m.ids[ref]; ok {
		return id
	}
	m.refs = append(m.refs, ref)
	id := int32(len(m.refs))
	m.ids[ref] = id
	return id
}

func (m *seqMapper) RefFor(id int32) (idmap.Ref, bool) {
	if id < 1 || int(id) > len(m.refs) {
		return idmap.Ref{}, false
	}
	return m.refs[id-1], true
}

var _ idmap.Mapper = (*seqMapper)(nil)

type testEnv struct {
	env          *Env
	untranslated []string
}

func newTestEnv(format string) *testEnv {
	te := &testEnv{}
	te.env = &Env{
		ForOneBot: segment.ForOneBot{IDs: newSeqMapper(), SelfID: func() int64 { return envSelfID }, MessageFormat: format, OnUntranslated: func(kind, typ string) { te.untranslated = append(te.untranslated, kind+" "+typ) }},
	}
	return te
}

const sep = "----------"

// section is one part of a golden file: directive lines ("# key: value"),
// other comment lines, and the JSON body.
type section struct {
	directives map[string][]string
	comments   []string // comment lines that are not directives, kept on update
	body       string
}

var directiveKeys = map[string]bool{"format": true, "skipped": true, "error": true, "untranslated": true}

func parseSection(s string) section {
	sec := section{directives: map[string][]string{}}
	var body []string
	for _, line := range strings.Split(s, "\n") {
		if strings.HasPrefix(strings.TrimSpace(line), "#") {
			text := strings.TrimSpace(strings.TrimPrefix(strings.TrimSpace(line), "#"))
			if k, v, ok := strings.Cut(text, ":"); ok && directiveKeys[strings.TrimSpace(k)] {
				sec.directives[strings.TrimSpace(k)] = append(sec.directives[strings.TrimSpace(k)], strings.TrimSpace(v))
				continue
			}
			sec.comments = append(sec.comments, line)
			continue
		}
		body = append(body, line)
	}
	sec.body = strings.TrimSpace(strings.Join(body, "\n"))
	return sec
}

func splitSections(content string) []string {
	var out []string
	var cur []string
	for _, line := range strings.Split(strings.ReplaceAll(content, "\r\n", "\n"), "\n") {
		if strings.TrimSpace(line) == sep {
			out = append(out, strings.Join(cur, "\n"))
			cur = nil
			continue
		}
		cur = append(cur, line)
	}
	return append(out, strings.Join(cur, "\n"))
}

// outcome is what Map did with one input, rendered as an expected section.
type outcome struct {
	events       []byte
	skipped      string
	err          string
	untranslated []string
}

func (o outcome) render(comments []string) string {
	var b strings.Builder
	for _, c := range comments {
		b.WriteString(c + "\n")
	}
	if o.err != "" {
		b.WriteString("# error: " + o.err + "\n")
	}
	if o.skipped != "" {
		b.WriteString("# skipped: " + o.skipped + "\n")
	}
	for _, u := range o.untranslated {
		b.WriteString("# untranslated: " + u + "\n")
	}
	b.Write(o.events)
	b.WriteString("\n")
	return b.String()
}

func run(t *testing.T, te *testEnv, input string) outcome {
	t.Helper()
	var ev milky.Event
	require.NoError(t, json.Unmarshal([]byte(input), &ev), "input is not a Milky event envelope")
	te.untranslated = nil
	res, err := Map(te.env, &ev)
	o := outcome{skipped: res.Skipped, untranslated: te.untranslated}
	if err != nil {
		o.err = err.Error()
		assert.Empty(t, res.Events, "events returned with an error")
	}
	events := res.Events
	if events == nil {
		events = []any{}
	}
	var buf bytes.Buffer
	enc := json.NewEncoder(&buf)
	enc.SetIndent("", "  ")
	enc.SetEscapeHTML(false)
	require.NoError(t, enc.Encode(events))
	o.events = bytes.TrimSpace(buf.Bytes())
	return o
}

func TestGolden(t *testing.T) {
	files, err := filepath.Glob(filepath.Join("testdata", "*", "*.txt"))
	require.NoError(t, err)
	require.NotEmpty(t, files)
	for _, file := range files {
		name := strings.TrimSuffix(filepath.ToSlash(strings.TrimPrefix(file, "testdata"+string(filepath.Separator))), ".txt")
		t.Run(name, func(t *testing.T) {
			raw, err := os.ReadFile(file)
			require.NoError(t, err)
			parts := splitSections(string(raw))
			require.True(t, len(parts) >= 2 && len(parts)%2 == 0,
				"%s: want pairs of sections (Milky event, %s, expected OneBot events), got %d sections", file, sep, len(parts))
			format := "array"
			in := parseSection(parts[0])
			if f := in.directives["format"]; len(f) > 0 {
				format = f[0]
			}
			te := newTestEnv(format)
			var rewritten []string
			for i := 0; i < len(parts); i += 2 {
				in := parseSection(parts[i])
				want := parseSection(parts[i+1])
				got := run(t, te, in.body)
				if *update {
					rewritten = append(rewritten, strings.TrimRight(parts[i], "\n")+"\n", got.render(want.comments))
					continue
				}
				step := fmt.Sprintf("pair %d", i/2+1)
				assert.Equal(t, first(want.directives["error"]), got.err, "%s: error", step)
				assert.Equal(t, first(want.directives["skipped"]), got.skipped, "%s: skipped", step)
				assert.Equal(t, want.directives["untranslated"], nilIfEmpty(got.untranslated), "%s: untranslated", step)
				assert.JSONEq(t, want.body, string(got.events), "%s: events", step)
			}
			if *update {
				require.NoError(t, os.WriteFile(file, []byte(strings.Join(rewritten, sep+"\n")), 0o644))
			}
		})
	}
}

func first(s []string) string {
	if len(s) == 0 {
		return ""
	}
	return s[0]
}

func nilIfEmpty(s []string) []string {
	if len(s) == 0 {
		return nil
	}
	return s
}

// Every Milky 1.2 event type has a handler and at least one golden file.
func TestEveryEventTypeCovered(t *testing.T) {
	all := []string{
		milky.EventBotOffline, milky.EventMessageReceive, milky.EventMessageRecall, milky.EventPeerPinChange,
		milky.EventFriendRequest, milky.EventGroupJoinRequest, milky.EventGroupInvitedJoinRequest,
		milky.EventGroupInvitation, milky.EventFriendNudge, milky.EventFriendFileUpload,
		milky.EventGroupAdminChange, milky.EventGroupEssenceMessageChange, milky.EventGroupMemberIncrease,
		milky.EventGroupMemberDecrease, milky.EventGroupNameChange, milky.EventGroupMessageReaction,
		milky.EventGroupMute, milky.EventGroupWholeMute, milky.EventGroupNudge, milky.EventGroupFileUpload,
	}
	require.Len(t, all, 20)
	assert.ElementsMatch(t, all, EventTypes())
	for _, typ := range all {
		files, _ := filepath.Glob(filepath.Join("testdata", typ, "*.txt"))
		assert.NotEmpty(t, files, "no golden file for %s", typ)
	}
}

// The recall of a message carries the message_id the bot saw for it, across
// the bot's message, its own sent message and the reaction/essence notices.
func TestRecallIDMatchesMessageID(t *testing.T) {
	te := newTestEnv("array")
	for _, scene := range []struct{ scene, peer string }{{"group", "30001"}, {"friend", "20001"}, {"temp", "20002"}} {
		msg := `{"time":1,"self_id":10001,"event_type":"message_receive","data":{"message_scene":"` + scene.scene +
			`","peer_id":` + scene.peer + `,"message_seq":77,"sender_id":20001,"time":1,"segments":[{"type":"text","data":{"text":"hi"}}]}}`
		recall := `{"time":2,"self_id":10001,"event_type":"message_recall","data":{"message_scene":"` + scene.scene +
			`","peer_id":` + scene.peer + `,"message_seq":77,"sender_id":20001,"operator_id":20001,"display_suffix":""}}`
		var m, r milky.Event
		require.NoError(t, json.Unmarshal([]byte(msg), &m))
		require.NoError(t, json.Unmarshal([]byte(recall), &r))
		mres, err := Map(te.env, &m)
		require.NoError(t, err)
		rres, err := Map(te.env, &r)
		require.NoError(t, err)
		require.Len(t, mres.Events, 1)
		require.Len(t, rres.Events, 1)
		var me, re struct {
			MessageID int32 `json:"message_id"`
		}
		b, _ := json.Marshal(mres.Events[0])
		require.NoError(t, json.Unmarshal(b, &me))
		b, _ = json.Marshal(rres.Events[0])
		require.NoError(t, json.Unmarshal(b, &re))
		assert.Positive(t, me.MessageID, scene.scene)
		assert.Equal(t, me.MessageID, re.MessageID, scene.scene)
	}
}

func TestMalformedIsDataError(t *testing.T) {
	te := newTestEnv("array")
	for _, in := range []string{
		`{"event_type":"group_mute","data":{"group_id":"x","user_id":1}}`,
		`{"event_type":"group_mute","data":[]}`,
		`{"event_type":"group_mute"}`,
		`{"event_type":"group_mute","data":{"user_id":20001}}`,
		`{"event_type":"message_receive","data":{"message_scene":"group","peer_id":1,"sender_id":2,"segments":[{"type":"text","data":{"text":5}}]}}`,
	} {
		var ev milky.Event
		require.NoError(t, json.Unmarshal([]byte(in), &ev))
		_, err := Map(te.env, &ev)
		var de *DataError
		require.True(t, errors.As(err, &de), "%s: %v", in, err)
		assert.Equal(t, ev.EventType, de.EventType)
		assert.Contains(t, err.Error(), ev.EventType)
	}
}

func TestNilEvent(t *testing.T) {
	_, err := Map(newTestEnv("array").env, nil)
	assert.Error(t, err)
}

// An Env with no mapper, no SelfID and no OnUntranslated must still work.
func TestBareEnv(t *testing.T) {
	env := &Env{}
	var ev milky.Event
	require.NoError(t, json.Unmarshal([]byte(`{"event_type":"message_receive","data":{"message_scene":"group","peer_id":30001,"message_seq":5,"sender_id":20001,"segments":[{"type":"reply","data":{"message_seq":4}},{"type":"weird","data":{}}]}}`), &ev))
	res, err := Map(env, &ev)
	require.NoError(t, err)
	require.Len(t, res.Events, 1)
	res, err = Map(env, &milky.Event{EventType: "nope"})
	require.NoError(t, err)
	assert.Equal(t, SkipUnknownEvent, res.Skipped)
}
