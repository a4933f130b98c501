package fidelity

import (
	"fmt"
	"regexp"
	"sort"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/goccy/go-json"
	"github.com/stretchr/testify/require"

	ob11milky "github.com/qqbridge/gateway/eventmap/ob11milky"
	"github.com/qqbridge/gateway/translate/milkyob11"
)

// TestChain runs the script against a Milky implementation directly and
// through Milky → OneBot 11 → Milky, compares every reply and every event
// the bot receives, and holds the differences to Losses.
func TestChain(t *testing.T) {
	a, b := directWorld(t), chainWorld(t)
	worlds := []*world{a, b}
	for _, w := range worlds {
		seedVars(w)
	}
	var barrier int
	syncStreams := func() {
		for i := 0; ; i++ {
			require.Less(t, i, 50, "the event streams did not deliver a barrier")
			barrier++
			ok := true
			for _, w := range worlds {
				w.sim.ReceiveFriendMessage(w.seed(barrierFriend), text(fmt.Sprintf("barrier %d", barrier)))
			}
			for _, w := range worlds {
				_, got := w.collect(barrier, 200*time.Millisecond)
				ok = ok && got
			}
			if ok {
				return
			}
		}
	}
	syncStreams()

	r := newReport()
	called := map[string]bool{}
	for i, s := range script {
		r.step = fmt.Sprintf("step %d %s%s", i, s.api, s.name)
		if s.api != "" {
			called[s.api] = true
			var replies [2]reply
			for i, w := range worlds {
				replies[i] = w.call(s.api, w.expand(s.body))
				for v, p := range s.save {
					if x, ok := get(replies[i].Data, p); ok {
						w.vars[v] = x
					}
				}
			}
			r.api(s.api, replies[0], replies[1])
		} else {
			for _, w := range worlds {
				s.do(w)
			}
		}
		barrier++
		for _, w := range worlds {
			w.sim.ReceiveFriendMessage(w.seed(barrierFriend), text(fmt.Sprintf("barrier %d", barrier)))
		}
		var evs [2][]map[string]any
		for i, w := range worlds {
			var ok bool
			evs[i], ok = w.collect(barrier, wait)
			require.True(t, ok, "%s: barrier %d after %s%s never arrived", w.name, barrier, s.api, s.name)
			for v, spec := range s.saveEvent {
				typ, p, _ := strings.Cut(spec, ":")
				for _, ev := range evs[i] {
					if ev["event_type"] == typ {
						if x, ok := get(ev["data"], p); ok {
							w.vars[v] = x
						}
						break
					}
				}
			}
		}
		r.eventPairs(evs[0], evs[1])
	}

	var missing []string
	for name := range milkyob11.APIs {
		if !called[name] {
			missing = append(missing, name)
		}
	}
	sort.Strings(missing)
	require.Empty(t, missing, "the script must call every Milky API")
	for _, typ := range ob11milky.EventTypes() {
		if !r.types[typ] {
			missing = append(missing, typ)
		}
	}
	sort.Strings(missing)
	require.Empty(t, missing, "the script must cause every Milky event type")
	r.check(t)
}

// barrierFriend's messages mark the end of each step's events; the script
// never looks at that conversation.
const barrierFriend = "F4"

// seedVars names the seeded account's ids, which are the same in both
// worlds: SELF, F1..F4 (friends in list order), G1 (the bot owns it), G2
// (the bot is admin), GnMi (members in list order, M0 the bot).
func seedVars(w *world) {
	w.vars["SELF"] = float64(w.sim.SelfID())
	for i, f := range w.sim.Friends() {
		w.vars["F"+strconv.Itoa(i+1)] = float64(f.UserID)
	}
	for i, g := range w.sim.Groups() {
		gn := "G" + strconv.Itoa(i+1)
		w.vars[gn] = float64(g.GroupID)
		for j, m := range w.sim.Members(g.GroupID) {
			w.vars[gn+"M"+strconv.Itoa(j)] = float64(m.UserID)
		}
	}
}

func (w *world) seed(name string) int64 {
	v, ok := w.vars[name].(float64)
	if !ok {
		panic("fidelity: no seeded id " + name)
	}
	return int64(v)
}

var varRef = regexp.MustCompile(`\$[A-Za-z0-9_]+`)

// expand replaces $VAR with the JSON of the world's value; an unknown
// variable (an earlier answer that did not come) stays, which makes the
// body invalid and the call fail visibly.
func (w *world) expand(body string) []byte {
	return []byte(varRef.ReplaceAllStringFunc(body, func(ref string) string {
		v, ok := w.vars[ref[1:]]
		if !ok {
			return ref
		}
		b, _ := json.Marshal(v)
		return string(b)
	}))
}

// get reads a dot-separated path (array indices as numbers) out of a
// decoded JSON value.
func get(v any, path string) (any, bool) {
	for _, k := range strings.Split(path, ".") {
		switch x := v.(type) {
		case map[string]any:
			var ok bool
			if v, ok = x[k]; !ok {
				return nil, false
			}
		case []any:
			i, err := strconv.Atoi(k)
			if err != nil || i < 0 || i >= len(x) {
				return nil, false
			}
			v = x[i]
		default:
			return nil, false
		}
	}
	return v, true
}

// collect returns the events received before barrier n's message (older
// barriers are skipped); ok is false if it did not come within d.
func (w *world) collect(n int, d time.Duration) (evs []map[string]any, ok bool) {
	want := fmt.Sprintf("barrier %d", n)
	timer := time.NewTimer(d)
	defer timer.Stop()
	for {
		select {
		case ev, open := <-w.events:
			if !open {
				return evs, false
			}
			if txt, isBarrier := w.barrierText(ev); isBarrier {
				if txt == want {
					return evs, true
				}
				continue
			}
			evs = append(evs, ev)
		case <-timer.C:
			return evs, false
		}
	}
}

func (w *world) barrierText(ev map[string]any) (string, bool) {
	if ev["event_type"] != "message_receive" {
		return "", false
	}
	peer, _ := get(ev, "data.peer_id")
	scene, _ := get(ev, "data.message_scene")
	txt, _ := get(ev, "data.segments.0.data.text")
	s, _ := txt.(string)
	if scene != "friend" || peer != w.vars[barrierFriend] || !strings.HasPrefix(s, "barrier ") {
		return "", false
	}
	return s, true
}

// report accumulates the comparison.
type report struct {
	calls, callsSame, events, eventsSame int
	apis, types                          map[string]bool
	diffs                                map[string]*seen // by subject, path, kind
	order                                []string
	step                                 string // the step being compared
}

type seen struct {
	d     Difference
	count int
	at    string // the step where it first happened
}

func newReport() *report {
	return &report{apis: map[string]bool{}, types: map[string]bool{}, diffs: map[string]*seen{}}
}

func (r *report) add(ds []Difference) {
	for _, d := range ds {
		k := d.Subject + "\x00" + d.Path + "\x00" + string(d.Kind)
		if s := r.diffs[k]; s != nil {
			s.count++
			continue
		}
		r.diffs[k] = &seen{d: d, count: 1, at: r.step}
		r.order = append(r.order, k)
	}
}

// api compares two replies: their outcome, then their data.
func (r *report) api(name string, direct, chain reply) {
	r.calls++
	r.apis[name] = true
	var ds []Difference
	switch {
	case direct.Retcode != chain.Retcode:
		// The path names both retcodes, so a loss can declare one
		// mapping of outcomes without covering every failure.
		ds = []Difference{{Subject: name, Path: fmt.Sprintf("retcode.%d.%d", direct.Retcode, chain.Retcode), Kind: Error,
			Direct: outcome(direct), Chain: outcome(chain)}}
	case direct.Retcode == 0:
		ds = Compare(name, direct.Data, chain.Data)
	}
	if len(ds) == 0 {
		r.callsSame++
	}
	r.add(ds)
}

func outcome(rp reply) string {
	if rp.Retcode == 0 {
		return "ok"
	}
	return fmt.Sprintf("retcode %d (%.300s)", rp.Retcode, rp.Message)
}

// events pairs the two worlds' events of one step by type, in order, and
// compares each pair; an event without a partner is missing or extra.
func (r *report) eventPairs(direct, chain []map[string]any) {
	used := make([]bool, len(chain))
	for _, a := range direct {
		typ, _ := a["event_type"].(string)
		subject := "event:" + typ
		r.events++
		r.types[typ] = true
		j := -1
		for k, b := range chain {
			if !used[k] && b["event_type"] == typ {
				j = k
				break
			}
		}
		if j < 0 {
			r.add([]Difference{{Subject: subject, Path: shape(a), Kind: Missing, Direct: show(a["data"]), Chain: "(no such event)"}})
			continue
		}
		used[j] = true
		ds := Compare(subject, a, chain[j])
		if len(ds) == 0 {
			r.eventsSame++
		}
		r.add(ds)
	}
	for k, b := range chain {
		if !used[k] {
			typ, _ := b["event_type"].(string)
			r.add([]Difference{{Subject: "event:" + typ, Path: shape(b), Kind: Extra, Direct: "(no such event)", Chain: show(b["data"])}})
		}
	}
}

// shape is the path of a missing or extra event: "" except for a message,
// where it names the segment types ("data.segments:text,image"), so a
// declared loss of file messages does not cover losing text ones.
func shape(ev map[string]any) string {
	if ev["event_type"] != "message_receive" {
		return ""
	}
	segs, _ := get(ev, "data.segments")
	list, _ := segs.([]any)
	types := make([]string, 0, len(list))
	for _, sg := range list {
		typ, _ := get(sg, "type")
		s, _ := typ.(string)
		types = append(types, s)
	}
	return "data.segments:" + strings.Join(types, ",")
}

// check prints the summary and fails on undeclared differences and on
// declared losses that did not occur.
func (r *report) check(t *testing.T) {
	t.Helper()
	used := make([]bool, len(Losses))
	var undeclared, declared []string
	for _, k := range r.order {
		s := r.diffs[k]
		line := fmt.Sprintf("%s (×%d, first at %s)", s.d, s.count, s.at)
		matched := false
		for i := range Losses {
			if Losses[i].Matches(s.d) {
				used[i] = true
				matched = true
			}
		}
		if matched {
			declared = append(declared, line)
		} else {
			undeclared = append(undeclared, line)
		}
	}
	var sb strings.Builder
	types := make([]string, 0, len(r.types))
	for typ := range r.types {
		types = append(types, typ)
	}
	sort.Strings(types)
	fmt.Fprintf(&sb, "fidelity: %d API calls (%d APIs), %d identical; %d events (%d types), %d identical; %d distinct differences, %d declared, %d undeclared\n",
		r.calls, len(r.apis), r.callsSame, r.events, len(types), r.eventsSame, len(r.order), len(declared), len(undeclared))
	fmt.Fprintf(&sb, "  event types: %s\n", strings.Join(types, " "))
	for _, l := range declared {
		sb.WriteString("  declared   " + l + "\n")
	}
	for _, l := range undeclared {
		sb.WriteString("  UNDECLARED " + l + "\n")
	}
	t.Log(sb.String())
	for _, l := range undeclared {
		t.Errorf("undeclared difference: %s", l)
	}
	for i, u := range used {
		if !u {
			l := Losses[i]
			t.Errorf("declared loss no longer occurs (remove it from Losses): %s %s %s", l.Subject, orRoot(l.Path), l.Kind)
		}
	}
}
