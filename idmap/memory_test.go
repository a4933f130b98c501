package idmap

import (
	"math/rand/v2"
	"strings"
	"testing"
	"time"
	"unsafe"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/qqbridge/gateway/internal/testclock"
)

func randomRef(r *rand.Rand) Ref {
	scenes := [...]string{SceneFriend, SceneGroup, SceneTemp}
	return Ref{Scene: scenes[r.IntN(3)], Peer: r.Int64(), Seq: r.Int64N(1 << 40)}
}

// journal records what a Memory journals, for replay tests.
type journal struct{ recs []Record }

func (j *journal) Append(r *Record) { j.recs = append(j.recs, *r) }

func TestSeqMapperSemantics(t *testing.T) {
	m := NewMemory(Options{})
	r1 := m.RefForUpstream(SceneGroup, 100, 5001, 0)
	r2 := m.RefForUpstream(SceneGroup, 100, -7, 0) // go-cqhttp ids may be negative
	assert.Equal(t, Ref{SceneGroup, 100, 1}, r1)
	assert.Equal(t, Ref{SceneGroup, 100, 2}, r2)
	assert.Equal(t, r1, m.RefForUpstream(SceneGroup, 100, 5001, 0), "same id, same ref")
	assert.Equal(t, r1, m.RefForUpstream(SceneGroup, 100, 5001, 77), "a later upstream seq does not move it")
	assert.Equal(t, Ref{SceneGroup, 200, 1}, m.RefForUpstream(SceneGroup, 200, 5001, 0), "conversations are independent")
	assert.Equal(t, Ref{SceneFriend, 100, 1}, m.RefForUpstream(SceneFriend, 100, 5001, 0), "scenes are independent")

	// The upstream's own seq wins when given; local seqs continue above it.
	assert.Equal(t, Ref{SceneGroup, 100, 50}, m.RefForUpstream(SceneGroup, 100, 6000, 50))
	assert.Equal(t, Ref{SceneGroup, 100, 51}, m.RefForUpstream(SceneGroup, 100, 6001, 0))
	// A given seq already taken by another message falls back to the next one.
	assert.Equal(t, Ref{SceneGroup, 100, 52}, m.RefForUpstream(SceneGroup, 100, 6002, 50))

	id, ok := m.UpstreamID(r2)
	require.True(t, ok)
	assert.EqualValues(t, -7, id)
	id, ok = m.UpstreamID(Ref{SceneGroup, 100, 50})
	require.True(t, ok)
	assert.EqualValues(t, 6000, id)
	_, ok = m.UpstreamID(Ref{SceneGroup, 100, 49})
	assert.False(t, ok)
	_, ok = m.UpstreamID(Ref{"channel", 100, 1})
	assert.False(t, ok)

	// Mapper and SeqMapper entries do not see each other.
	_, ok = m.RefFor(5001)
	assert.False(t, ok)
	assert.Equal(t, Ref{"channel", 1, 9}, m.RefForUpstream("channel", 1, 1, 9), "unknown scene: unrecorded")
	assert.Equal(t, 7, m.Stats().Entries)
}

func TestSeqMapperRetention(t *testing.T) {
	clk := testclock.New()
	m := NewMemory(Options{MaxAge: time.Hour, Now: clk.Now})
	a := m.RefForUpstream(SceneGroup, 1, 10, 0)
	clk.Advance(30 * time.Minute)
	b := m.RefForUpstream(SceneGroup, 1, 11, 0)
	clk.Advance(45 * time.Minute)
	_, ok := m.UpstreamID(a)
	assert.False(t, ok, "expired")
	assert.Equal(t, a, m.RefForUpstream(SceneGroup, 1, 10, 0), "met again: refreshed with its seq")
	id, ok := m.UpstreamID(a)
	assert.True(t, ok)
	assert.EqualValues(t, 10, id)

	clk.Advance(2 * time.Hour)
	require.NoError(t, m.Flush())
	assert.Zero(t, m.Stats().Entries)
	assert.Equal(t, b.Seq+1, m.RefForUpstream(SceneGroup, 1, 12, 0).Seq, "seqs never go back")
}

// Retention compares whole seconds (slotTime): a mapping lives at least
// MaxAge and less than MaxAge + 1 s, whatever the sub-second part of its
// insertion time; a refresh, a journal record and a snapshot of it keep
// that.
func TestAgeResolutionIsOneSecond(t *testing.T) {
	clk := testclock.New()
	j := &journal{}
	m := NewMemory(Options{MaxAge: time.Minute, Now: clk.Now, Journal: j})
	clk.Advance(700 * time.Millisecond) // inserted at 0.7 s past a second
	r := Ref{Scene: SceneGroup, Peer: 1, Seq: 2}
	id := m.IDFor(r)
	up := m.RefForUpstream(SceneFriend, 3, 4, 5)
	require.Len(t, j.recs, 2)
	assert.Equal(t, clk.Now().UnixNano(), j.recs[0].At, "the journal keeps nanos")

	alive := func(msg string, want bool) {
		t.Helper()
		_, ok := m.RefFor(id)
		assert.Equal(t, want, ok, "RefFor %s", msg)
		_, ok = m.UpstreamID(up)
		assert.Equal(t, want, ok, "UpstreamID %s", msg)
	}
	clk.Advance(time.Minute)
	alive("at MaxAge", true)
	clk.Advance(299 * time.Millisecond) // 0.999 s past the next second minus MaxAge
	alive("at MaxAge + 0.299 s: same second as the insertion", true)
	var snap []Record
	require.NoError(t, m.Snapshot(nil, func(recs []Record) error { snap = append(snap, recs...); return nil }))
	require.Len(t, snap, 3) // the conversation's high-water seq, then the two
	for _, r := range snap[1:] {
		assert.Equal(t, clk.Now().Add(-time.Minute).Truncate(time.Second).UnixNano(), r.At, "a snapshot record: whole seconds")
	}
	clk.Advance(time.Millisecond)
	alive("at MaxAge + 0.3 s: the next second", false)

	// Loading either record form rebuilds the same slot time.
	for _, recs := range [][]Record{j.recs, snap} {
		clk.Advance(-301 * time.Millisecond)
		l := NewMemory(Options{MaxAge: time.Minute, Now: clk.Now})
		for i := range recs {
			require.NoError(t, l.Load(&recs[i]))
		}
		_, ok := l.RefFor(id)
		assert.True(t, ok)
		clk.Advance(301 * time.Millisecond)
		_, ok = l.RefFor(id)
		assert.False(t, ok)
	}
	assert.Equal(t, id, m.IDFor(r), "refreshed with its id")
	assert.Equal(t, up, m.RefForUpstream(SceneFriend, 3, 4, 5), "refreshed with its seq")
	clk.Advance(time.Minute + 999*time.Millisecond)
	alive("refresh + MaxAge + 0.999 s", true)
}

// Slots hold seqs of every int64 value and clamp times to 1970..2106.
func TestSlotFields(t *testing.T) {
	assert.Equal(t, 20, slotSize)
	m := NewMemory(Options{})
	for _, seq := range []int64{0, 1, -1, 1<<32 - 1, 1 << 32, -1 << 31, 1<<63 - 1, -1 << 63} {
		r := Ref{Scene: SceneTemp, Peer: -7, Seq: seq}
		got, ok := m.RefFor(m.IDFor(r))
		require.True(t, ok, "seq %d", seq)
		assert.Equal(t, r, got)
		up := m.RefForUpstream(SceneGroup, 9, int32(seq), seq)
		id, ok := m.UpstreamID(up)
		require.True(t, ok, "upstream seq %d", seq)
		assert.Equal(t, int32(seq), id)
	}
	for _, tc := range []struct {
		t    int64
		want uint32
	}{{noCutoff, 0}, {-1, 0}, {0, 0}, {999_999_999, 0}, {1e9, 1}, {1735689600_500_000_000, 1735689600},
		{(1<<32-1)*1e9 + 999_999_999, 1<<32 - 1}, {(1 << 32) * 1e9, 1<<32 - 1}, {1<<63 - 1, 1<<32 - 1}} {
		assert.Equal(t, tc.want, slotTime(tc.t), "slotTime(%d)", tc.t)
	}
}

func TestFlagMapperSemantics(t *testing.T) {
	m := NewMemory(Options{MaxEntries: 3})
	assert.EqualValues(t, 1, m.SeqForFlag(FlagFriendRequest, "a"))
	assert.EqualValues(t, 2, m.SeqForFlag(FlagFriendRequest, "b"))
	assert.EqualValues(t, 1, m.SeqForFlag(FlagFriendRequest, "a"))
	assert.EqualValues(t, 1, m.SeqForFlag(FlagInvitation, "a"), "kinds are independent")
	f, ok := m.FlagForSeq(FlagFriendRequest, 2)
	require.True(t, ok)
	assert.Equal(t, "b", f)
	_, ok = m.FlagForSeq(FlagGroupRequest, 2)
	assert.False(t, ok)
	_, ok = m.FlagForSeq("nope", 2)
	assert.False(t, ok)

	assert.Zero(t, m.SeqForFlag("nope", "a"))
	assert.Zero(t, m.SeqForFlag(FlagGroupRequest, strings.Repeat("x", MaxFlagLen+1)))
	assert.NotZero(t, m.SeqForFlag(FlagGroupRequest, strings.Repeat("x", MaxFlagLen)))

	// Count retention: the oldest flag goes, seqs keep increasing.
	assert.EqualValues(t, 3, m.SeqForFlag(FlagFriendRequest, "c"))
	_, ok = m.FlagForSeq(FlagFriendRequest, 1)
	assert.False(t, ok, "evicted")
	assert.Equal(t, 3, m.Stats().Flags)

	// The stored flag does not alias the caller's buffer.
	buf := []byte("flag-in-a-big-event")
	s := unsafe.String(&buf[0], 8)
	seq := m.SeqForFlag(FlagGroupRequest, s)
	got, _ := m.FlagForSeq(FlagGroupRequest, seq)
	assert.Equal(t, "flag-in-", got)
	assert.NotEqual(t, uintptr(unsafe.Pointer(unsafe.StringData(s))), uintptr(unsafe.Pointer(unsafe.StringData(got))))
}

func TestUnknownSceneUnrecorded(t *testing.T) {
	m := NewMemory(Options{})
	r := Ref{Scene: "channel", Peer: 1, Seq: 2}
	assert.Equal(t, DeriveID(r), m.IDFor(r))
	_, ok := m.RefFor(DeriveID(r))
	assert.False(t, ok)
	assert.Zero(t, m.Stats().Entries)
}

func TestHitsDoNotAllocate(t *testing.T) {
	m := NewMemory(Options{MaxAge: DefaultMaxAge})
	r := Ref{Scene: SceneGroup, Peer: 5, Seq: 6}
	id := m.IDFor(r)
	up := m.RefForUpstream(SceneFriend, 5, 6, 0)
	seq := m.SeqForFlag(FlagFriendRequest, "f")
	for name, fn := range map[string]func(){
		"IDFor":          func() { m.IDFor(r) },
		"RefFor":         func() { m.RefFor(id) },
		"RefForUpstream": func() { m.RefForUpstream(SceneFriend, 5, 6, 0) },
		"UpstreamID":     func() { m.UpstreamID(up) },
		"SeqForFlag":     func() { m.SeqForFlag(FlagFriendRequest, "f") },
		"FlagForSeq":     func() { m.FlagForSeq(FlagFriendRequest, seq) },
	} {
		assert.Zero(t, testing.AllocsPerRun(100, fn), name)
	}
}

// answers is everything observable about a Memory for the refs, ids, seqs
// and flags a test used (lookups only, so comparing does not change it).
type answers struct {
	refFor  map[int32]Ref
	upID    map[Ref]int32
	flags   map[int64]string
	entries int
	nflags  int
}

func observe(m *Memory, maxID int32, upRefs []Ref, maxFlag int64) answers {
	a := answers{refFor: map[int32]Ref{}, upID: map[Ref]int32{}, flags: map[int64]string{}}
	for id := int32(1); id <= maxID; id++ {
		if r, ok := m.RefFor(id); ok {
			a.refFor[id] = r
		}
	}
	for _, r := range upRefs {
		if id, ok := m.UpstreamID(r); ok {
			a.upID[r] = id
		}
	}
	for seq := int64(1); seq <= maxFlag; seq++ {
		if f, ok := m.FlagForSeq(FlagGroupRequest, seq); ok {
			a.flags[seq] = f
		}
	}
	st := m.Stats()
	a.entries, a.nflags = st.Entries, st.Flags
	return a
}

// Random operations with heavy collisions, refreshes, takeovers, count
// and age eviction: replaying the journal, and loading a snapshot plus
// the journal after it, both rebuild a Memory that answers the same.
// Invariants hold throughout: ids unique and both directions agree.
func TestReplayAndSnapshotRebuildTheSameState(t *testing.T) {
	clk := testclock.New()
	j := &journal{}
	o := Options{
		MaxEntries: 300, MaxAge: time.Hour, Now: clk.Now,
		Hash: func(r Ref) int32 { return int32(uint32(DeriveID(r))%500) + 1 },
	}
	o.Journal = j
	m := NewMemory(o)
	rnd := rand.New(rand.NewPCG(5, 6))
	var upRefs []Ref
	var snap []Record
	snapAt := -1
	for i := range 20_000 {
		switch op := rnd.IntN(100); {
		case op < 60:
			m.IDFor(Ref{Scene: SceneGroup, Peer: int64(rnd.IntN(3)), Seq: int64(rnd.IntN(700))})
		case op < 85:
			upRefs = append(upRefs, m.RefForUpstream(SceneFriend, int64(rnd.IntN(3)), int32(rnd.IntN(400)), int64(rnd.IntN(3)*rnd.IntN(500))))
		case op < 95:
			m.SeqForFlag(FlagGroupRequest, string(rune('a'+rnd.IntN(26)))+string(rune('a'+rnd.IntN(26))))
		case op < 99: // milliseconds too: snapshot records hold whole seconds, the journal's nanos
			clk.Advance(time.Duration(rnd.IntN(10))*time.Minute + time.Duration(rnd.IntN(1000))*time.Millisecond)
		default:
			_ = m.Flush()
		}
		if i == 12_000 {
			require.NoError(t, m.Snapshot(func() { snapAt = len(j.recs) }, func(recs []Record) error {
				snap = append(snap, recs...)
				return nil
			}))
		}
		if i%1000 == 0 {
			checkInvariants(t, m, 600)
		}
	}
	// The rebuilt ones are flushed (retention applied now): so is this one,
	// or its counts could include what expired since the last new entry.
	require.NoError(t, m.Flush())
	want := observe(m, 600, upRefs, 400)
	require.NotEmpty(t, want.refFor)
	require.NotEmpty(t, want.upID)

	o.Journal = nil
	replayed := NewMemory(o)
	for i := range j.recs {
		require.NoError(t, replayed.Load(&j.recs[i]))
	}
	require.NoError(t, replayed.Flush())
	assert.Equal(t, want, observe(replayed, 600, upRefs, 400), "journal replay")

	fromSnap := NewMemory(o)
	for i := range snap {
		require.NoError(t, fromSnap.Load(&snap[i]))
	}
	for i := snapAt; i < len(j.recs); i++ {
		require.NoError(t, fromSnap.Load(&j.recs[i]))
	}
	require.NoError(t, fromSnap.Flush())
	assert.Equal(t, want, observe(fromSnap, 600, upRefs, 400), "snapshot + journal tail")
	assert.Less(t, len(snap), snapAt, "a snapshot holds less than the journal")
}

// checkInvariants: every live id's ref maps back to it, and the tables
// index exactly the live slots.
func checkInvariants(t *testing.T, m *Memory, maxID int32) {
	t.Helper()
	owner := map[Ref]int32{}
	for id := int32(1); id <= maxID; id++ {
		r, ok := m.RefFor(id)
		if !ok {
			continue
		}
		prev, dup := owner[r]
		require.False(t, dup, "ref %+v has ids %d and %d", r, prev, id)
		owner[r] = id
		m.mu.Lock()
		sc, _ := SceneCode(r.Scene)
		x, ok := m.findRef(kindID, sc, r.Peer, r.Seq)
		require.True(t, ok)
		require.Equal(t, id, m.ring.s[x].id)
		m.mu.Unlock()
	}
	m.mu.Lock()
	defer m.mu.Unlock()
	live := map[uint32]bool{}
	for p := m.ring.tail; p < m.ring.head; p++ {
		if m.ring.at(p).conv != 0 {
			live[m.ring.index(p)] = true
		}
	}
	require.Len(t, live, m.live)
	checkTable(t, m.byRef, &m.lay, live, m.slotRefHash)
	checkTable(t, m.byID, &m.lay, live, m.slotIDHash)
	// Interned conversations: counted by exactly the live slots. No
	// upstream slot holds a seq above its conversation's high-water mark:
	// RefForUpstream relies on it to insert the next seq without looking
	// for a holder.
	refs := map[uint32]uint32{}
	for p := m.ring.tail; p < m.ring.head; p++ {
		s := m.ring.at(p)
		if c := s.conv; c != 0 {
			refs[c]++
			if cv := m.convs[c]; cv.kind == kindUp {
				require.LessOrEqual(t, s.seq(), m.conv[convKey{cv.scene, cv.peer}], "upstream slot above its conversation's mark")
			}
		}
	}
	require.Len(t, m.convIdx, len(refs))
	for k, x := range m.convIdx {
		c := m.convs[x]
		require.Equal(t, refs[x], c.refs)
		require.Equal(t, k, convRef{c.kind, c.scene, c.peer})
	}
}

// Growing past many ring doublings keeps every entry reachable.
func TestGrowthKeepsEverything(t *testing.T) {
	m := NewMemory(Options{})
	const n = 100_000
	ids := make([]int32, n)
	for i := range ids {
		ids[i] = m.IDFor(Ref{Scene: SceneTemp, Peer: 3, Seq: int64(i)})
	}
	for i, id := range ids {
		r, ok := m.RefFor(id)
		require.True(t, ok)
		require.Equal(t, int64(i), r.Seq)
	}
	assert.Equal(t, n, m.Stats().Entries)
}

// reserveArena hands out Go memory with room to grow in place up to max
// bytes (or exactly n when tight), standing in for idstore's mappings.
type reserveArena struct {
	tight  bool
	allocs int
	freed  int
}

func (a *reserveArena) Alloc(n, max int) []byte {
	a.allocs++
	if a.tight {
		max = n
	}
	return make([]byte, n, max)
}

func (a *reserveArena) Free([]byte) { a.freed++ }

// The ring grows in place (or by copy when the arena has no room) while
// its live positions wrap around: every live entry stays reachable, the
// expired ones do not come back, and the tables index exactly the live
// slots.
func TestGrowthWithWrappedRingEveryArena(t *testing.T) {
	for _, tc := range []struct {
		name  string
		arena Arena
	}{{"heap", nil}, {"reserved", &reserveArena{}}, {"tight", &reserveArena{tight: true}}} {
		t.Run(tc.name, func(t *testing.T) {
			clk := testclock.New()
			m := NewMemory(Options{MaxAge: time.Hour, Now: clk.Now, Arena: tc.arena})
			id := func(i int) int32 { return m.IDFor(Ref{Scene: SceneGroup, Peer: int64(i % 7), Seq: int64(i)}) }
			ids := map[int]int32{}
			for i := range 700 {
				ids[i] = id(i)
			}
			clk.Advance(61 * time.Minute) // the first 700 expire as new ones arrive
			for i := 700; i < 5000; i++ {
				ids[i] = id(i)
				if i == 1200 {
					clk.Advance(30 * time.Minute)
				}
			}
			for i := range 5000 {
				r, ok := m.RefFor(ids[i])
				if i < 700 {
					assert.False(t, ok, "expired %d", i)
					continue
				}
				require.True(t, ok, "entry %d", i)
				require.Equal(t, int64(i), r.Seq)
				require.Equal(t, ids[i], id(i))
			}
			assert.Equal(t, 4300, m.Stats().Entries)
			checkInvariants(t, m, 0)
			if a, ok := tc.arena.(*reserveArena); ok {
				if a.tight {
					assert.Greater(t, a.freed, 0, "tight: grown by copy")
				} else {
					assert.Equal(t, 3, a.allocs, "reserved: ring and tables allocated once, grown in place")
				}
			}
		})
	}
}

// At the count limit the tables are 1.5 x MaxEntries cells, not a power
// of two: random mappings of both kinds with collisions, refreshes and
// evictions keep the tables indexing exactly the live slots.
func TestTablesSizedToMaxEntries(t *testing.T) {
	clk := testclock.New()
	m := NewMemory(Options{
		MaxEntries: 3000, MaxAge: time.Hour, Now: clk.Now,
		Hash: func(r Ref) int32 { return int32(uint32(DeriveID(r))%5000) + 1 },
	})
	rnd := rand.New(rand.NewPCG(7, 8))
	for i := range 60_000 {
		switch op := rnd.IntN(100); {
		case op < 60:
			m.IDFor(Ref{Scene: SceneGroup, Peer: int64(rnd.IntN(5)), Seq: int64(rnd.IntN(6000))})
		case op < 98:
			m.RefForUpstream(SceneFriend, int64(rnd.IntN(5)), int32(rnd.IntN(4000)), 0)
		default:
			clk.Advance(time.Duration(rnd.IntN(3)) * time.Second)
		}
		if i%5000 == 0 {
			checkInvariants(t, m, 5001)
		}
	}
	checkInvariants(t, m, 5001)
	m.mu.Lock()
	defer m.mu.Unlock()
	assert.Equal(t, 4500, len(m.byRef))
	assert.Equal(t, 4096, len(m.ring.s))
}
