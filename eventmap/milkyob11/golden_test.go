package milkyob11

import (
	"strings"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/qqbridge/gateway/idmap/idmaptest"
	"github.com/qqbridge/gateway/internal/golden"
	"github.com/qqbridge/gateway/milky"
	"github.com/qqbridge/gateway/segment"
)

const (
	testSelf  = 10001
	testGroup = 30001
	testNow   = 1750000009
)

// testDir knows group 30001 (owner 20001 Alice, admin 20002 Bob) and friend
// 20002.
func testDir() *Cache {
	c := NewCache(0)
	c.PutGroup(milky.Group{GroupID: testGroup, GroupName: "Test Group", MemberCount: 3, MaxMemberCount: 200, CreatedTime: 1600000000})
	c.PutGroupMember(milky.GroupMember{UserID: 20001, Nickname: "Alice", Sex: "female", GroupID: testGroup, Role: "owner", Level: 10, JoinTime: 1600000000})
	c.PutGroupMember(milky.GroupMember{UserID: 20002, Nickname: "Bob", Sex: "male", GroupID: testGroup, Card: "Bobby", Role: "admin", Level: 42, JoinTime: 1700000000})
	c.PutFriend(milky.Friend{UserID: 20002, Nickname: "Bob", Sex: "male", Remark: "bob", Category: milky.FriendCategory{CategoryID: 1, CategoryName: "Friends"}})
	return c
}

type quotes struct{}

func (quotes) Quoted(scene string, peer int64, id int32, _ int64) (segment.Quoted, bool) {
	if id == 7 {
		return segment.Quoted{SenderID: 20001, Time: 1749999999, Segments: []milky.IncomingSegment{{Type: milky.SegText, Data: milky.IncomingSegmentData{Text: "earlier"}}}}, true
	}
	return segment.Quoted{}, false
}

type testEnv struct {
	*Env
	untranslated []string
}

func newTestEnv() *testEnv {
	te := &testEnv{}
	te.Env = &Env{
		SelfID: testSelf, Seqs: idmaptest.NewSeqs(), Flags: idmaptest.NewFlags(), Dir: testDir(), Quotes: quotes{},
		Now:            func() int64 { return testNow },
		OnUntranslated: func(kind, typ string) { te.untranslated = append(te.untranslated, kind+" "+typ) },
	}
	return te
}

// goldenCases loads testdata/<milky event type or "skipped">/<case>.txt.
func goldenCases(t testing.TB) []*golden.Case {
	cases, err := golden.LoadAll("testdata")
	require.NoError(t, err)
	require.NotEmpty(t, cases)
	return cases
}

// result is what one case produces.
type result struct {
	events       []milky.TypedEvent
	skipped      string
	err          error
	untranslated []string
}

func run(input string) result {
	te := newTestEnv()
	res, err := MapRaw(te.Env, []byte(input))
	return result{events: res.Events, skipped: res.Skipped, err: err, untranslated: te.untranslated}
}

// TestGolden (format: testdata/README.md). Input: one OneBot 11 event as an
// implementation pushes it; expected: the Milky events ([] when none), with
// `# skipped:`, `# error:` and one `# untranslated:` per report.
func TestGolden(t *testing.T) {
	golden.Run(t, "testdata", func(t *testing.T, c *golden.Case) []*golden.Section {
		r := run(c.Sections[0].Body)
		events := r.events
		if events == nil {
			events = []milky.TypedEvent{}
		}
		want := golden.NewSection(golden.JSON(events))
		if r.err != nil {
			want.Add("error", r.err.Error())
		}
		if r.skipped != "" {
			want.Add("skipped", r.skipped)
		}
		for _, u := range r.untranslated {
			want.Add("untranslated", u)
		}
		// The directory names the Milky event type produced.
		if dir, _, _ := strings.Cut(c.Name, "/"); dir != "skipped" {
			require.NotEmpty(t, r.events)
			require.Equal(t, dir, r.events[0].Data.EventType())
		}
		return []*golden.Section{c.Sections[0], want}
	})
}

// TestEveryMilkyEventType: the golden files produce all 20 Milky event types
// (peer_pin_change only from this gateway's own first direction, since no
// OneBot 11 implementation reports pin changes).
func TestEveryMilkyEventType(t *testing.T) {
	seen := map[string]bool{}
	for _, c := range goldenCases(t) {
		for _, ev := range run(c.Sections[0].Body).events {
			seen[ev.Data.EventType()] = true
		}
	}
	for _, typ := range []string{
		milky.EventBotOffline, milky.EventMessageReceive, milky.EventMessageRecall,
		milky.EventFriendRequest, milky.EventGroupJoinRequest, milky.EventGroupInvitedJoinRequest, milky.EventGroupInvitation,
		milky.EventFriendNudge, milky.EventFriendFileUpload, milky.EventGroupAdminChange, milky.EventGroupEssenceMessageChange,
		milky.EventGroupMemberIncrease, milky.EventGroupMemberDecrease, milky.EventGroupNameChange, milky.EventGroupMessageReaction,
		milky.EventGroupMute, milky.EventGroupWholeMute, milky.EventGroupNudge, milky.EventGroupFileUpload,
		milky.EventPeerPinChange,
	} {
		require.True(t, seen[typ], "no golden case produces %s", typ)
	}
}

// TestReleasedMemoryIsReused: every golden case mapped after the others'
// Results were released (their pooled segment memory serving the next
// event, through both MapRaw and TryMapRaw) encodes exactly as when
// mapped alone; a released Result is empty.
func TestReleasedMemoryIsReused(t *testing.T) {
	cases := goldenCases(t)
	alone := make([]string, len(cases))
	for i, c := range cases {
		alone[i] = string(golden.JSON(run(c.Sections[0].Body).events))
	}
	for round := range 3 {
		for i, c := range cases {
			te := newTestEnv() // fresh ids, as run has
			in := []byte(c.Sections[0].Body)
			res, ok := TryMapRaw(te.Env, in)
			if !ok || round == 1 {
				var err error
				res.Release() // nothing to release when not ok; harmless
				res, err = MapRaw(te.Env, in)
				if err != nil {
					continue
				}
			}
			require.Equal(t, alone[i], string(golden.JSON(res.Events)), "round %d, %s", round, c.Name)
			res.Release()
			require.Nil(t, res.Events)
			res.Release() // twice is harmless
		}
	}
}
