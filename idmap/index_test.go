package idmap

import (
	"math/rand/v2"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/qqbridge/gateway/internal/testclock"
)

// checkTable: t holds exactly the ring indexes of want, each reachable
// from its home cell through occupied cells only (what linear probing
// needs), with its distance field equal to its distance from home,
// saturated at dmax, and the hash bits of its key above it.
func checkTable(t *testing.T, tb table, l *layout, want map[uint32]bool, hashOf func(uint32) uint64) {
	t.Helper()
	n := uint64(len(tb))
	seen := 0
	for i, v := range tb {
		if v == 0 {
			continue
		}
		seen++
		x := v&l.low - 1
		require.True(t, want[x], "cell %d holds %d, not indexed", i, x)
		h := hashOf(x)
		d := (uint64(i) + n - home(h, n)) % n
		for k := range d {
			require.NotZero(t, tb[(home(h, n)+k)%n], "gap between home and cell %d", i)
		}
		require.Equal(t, l.key(h, d), v&^l.low, "cell %d (ring index %d) at distance %d", i, x, d)
		if d > 0 { // Robin Hood order: the cell before is at least as far from home, less one
			p := (uint64(i) + n - 1) % n
			dp := (p + n - home(hashOf(tb[p]&l.low-1), n)) % n
			require.GreaterOrEqual(t, dp+1, d, "cell %d at distance %d after one at %d", i, d, dp)
		}
	}
	require.Equal(t, len(want), seen)
}

// The table operations on their own, against a Go map: insertions,
// backward-shift deletions and probes, in tables where keys crowd onto a
// few home cells (long clusters, distances past every field width, wrap
// around the end) and share hash bits, at every distance field width
// from none (every distance asked of the ring) to Memory's.
func TestTableAgainstMap(t *testing.T) {
	for _, dbits := range []uint{0, 1, 2, 3, distBits, 32} {
		const rbits, n, keys = 8, 150, 100 // ring indexes 0..254
		l := newLayout(rbits, dbits)
		rnd := rand.New(rand.NewPCG(uint64(dbits), 1))
		hashes := make([]uint64, 255)
		for x := range hashes {
			// Homes in the first 10 cells or the last 5 (clusters wrap);
			// 2 values of the bits above 32: hash bits often match.
			c := uint64(rnd.IntN(15))
			if c >= 10 {
				c = n - 15 + c
			}
			lo := (c<<32 + uint64(rnd.Uint32())) / n // home(lo, n) == c
			hashes[x] = uint64(rnd.IntN(2))<<32 | lo
			require.Equal(t, c, home(hashes[x], n))
		}
		hashOf := func(x uint32) uint64 { return hashes[x] }
		tb := make(table, n)
		in := map[uint32]bool{}
		for round := range 20_000 {
			x := uint32(rnd.IntN(len(hashes)))
			switch {
			case !in[x] && len(in) < keys:
				tb.insert(&l, hashOf(x), x, hashOf)
				in[x] = true
			case in[x]:
				tb.remove(&l, hashOf(x), x, hashOf)
				delete(in, x)
			}
			for range 3 {
				y := uint32(rnd.IntN(len(hashes)))
				got, ok := tb.probe(&l, hashOf(y), func(z uint32) bool { return z == y })
				require.Equal(t, in[y], ok, "dbits %d round %d: probe %d", dbits, round, y)
				if ok {
					require.Equal(t, y, got)
				}
			}
			if round%200 == 0 {
				checkTable(t, tb, &l, in, hashOf)
			}
		}
		checkTable(t, tb, &l, in, hashOf)
	}
}

// model is idmap.Memory's message mappings written the plain way: Go maps
// for both keys, a slice for the retention order. It follows Memory's
// rules step for step, so any difference is the index's. Like Memory it
// keeps times in whole unix seconds (the clock's Unix(), rounded down) and
// compares them with the cutoff's: the stated 1-second resolution of
// retention (slotTime).
type model struct {
	max    int
	maxAge time.Duration
	now    func() time.Time
	hash   func(Ref) int32
	order  []*modelEnt // oldest first; killed ones stay until popped
	refs   map[modelKey]*modelEnt
	ids    map[modelKey]*modelEnt
	conv   map[convKey]int64
	live   int
}

type modelEnt struct {
	kind, scene uint8
	peer, seq   int64
	id          int32
	at          int64 // unix seconds
	dead        bool
}

type modelKey struct {
	kind, scene uint8
	peer, n     int64
}

func (e *modelEnt) refKey() modelKey { return modelKey{e.kind, e.scene, e.peer, e.seq} }

func (e *modelEnt) idKey() modelKey {
	if e.kind == kindID {
		return modelKey{kindID, 0, 0, int64(e.id)}
	}
	return modelKey{e.kind, e.scene, e.peer, int64(e.id)}
}

func (m *model) cutoff() int64 { return m.now().Add(-m.maxAge).Unix() }

func (m *model) kill(e *modelEnt) {
	delete(m.refs, e.refKey())
	delete(m.ids, e.idKey())
	e.dead = true
	m.live--
}

func (m *model) pop() {
	if e := m.order[0]; !e.dead {
		m.kill(e)
	}
	m.order = m.order[1:]
}

func (m *model) expire(cutoff int64) {
	for len(m.order) > 0 && (m.order[0].dead || m.order[0].at < cutoff) {
		m.pop()
	}
}

func (m *model) add(e modelEnt, fresh bool) {
	if !fresh {
		if o := m.refs[e.refKey()]; o != nil {
			m.kill(o)
		}
		if o := m.ids[e.idKey()]; o != nil {
			m.kill(o)
		}
	}
	p := &e
	m.order = append(m.order, p)
	m.refs[p.refKey()], m.ids[p.idKey()] = p, p
	m.live++
	if e.kind == kindUp && e.seq > m.conv[convKey{e.scene, e.peer}] {
		m.conv[convKey{e.scene, e.peer}] = e.seq
	}
	for m.live > m.max {
		m.pop()
	}
}

func (m *model) IDFor(ref Ref) int32 {
	sc, _ := SceneCode(ref.Scene)
	cutoff := m.cutoff()
	if e := m.refs[modelKey{kindID, sc, ref.Peer, ref.Seq}]; e != nil {
		if e.at >= cutoff {
			return e.id
		}
		ne := *e
		ne.at, ne.dead = m.now().Unix(), false
		m.add(ne, false)
		return ne.id
	}
	m.expire(cutoff)
	id := NormalizeID(m.hash(ref))
	for {
		e := m.ids[modelKey{kindID, 0, 0, int64(id)}]
		if e != nil && e.at < cutoff {
			m.kill(e)
			e = nil
		}
		if e == nil {
			break
		}
		id = NextID(id)
	}
	m.add(modelEnt{kind: kindID, scene: sc, peer: ref.Peer, seq: ref.Seq, id: id, at: m.now().Unix()}, true)
	return id
}

func (m *model) RefFor(id int32) (Ref, bool) {
	if e := m.ids[modelKey{kindID, 0, 0, int64(id)}]; e != nil && e.at >= m.cutoff() {
		name, _ := SceneName(e.scene)
		return Ref{name, e.peer, e.seq}, true
	}
	return Ref{}, false
}

func (m *model) RefForUpstream(scene string, peer int64, id int32, upstreamSeq int64) Ref {
	sc, _ := SceneCode(scene)
	cutoff := m.cutoff()
	if e := m.ids[modelKey{kindUp, sc, peer, int64(id)}]; e != nil {
		if e.at < cutoff {
			ne := *e
			ne.at, ne.dead = m.now().Unix(), false
			m.add(ne, false)
		}
		return Ref{scene, peer, e.seq}
	}
	m.expire(cutoff)
	seq := upstreamSeq
	if seq > 0 {
		if e := m.refs[modelKey{kindUp, sc, peer, seq}]; e != nil && e.at >= cutoff {
			seq = 0
		}
	}
	if seq <= 0 {
		seq = m.conv[convKey{sc, peer}] + 1
	}
	m.add(modelEnt{kind: kindUp, scene: sc, peer: peer, seq: seq, id: id, at: m.now().Unix()}, false)
	return Ref{scene, peer, seq}
}

func (m *model) UpstreamID(ref Ref) (int32, bool) {
	sc, _ := SceneCode(ref.Scene)
	if e := m.refs[modelKey{kindUp, sc, ref.Peer, ref.Seq}]; e != nil && e.at >= m.cutoff() {
		return e.id, true
	}
	return 0, false
}

// Many rounds of random mappings at small count limits, in both
// directions, with id collisions, refreshes, takeovers, count and age
// eviction: every answer equals the plain model's, and every table cell's
// distance field and hash bits stay right (checkInvariants). The clock
// moves by minutes (plus milliseconds) against an hour's MaxAge, and by
// milliseconds against a MaxAge of 2.5 s, where entries often sit within
// the last second of their life.
func TestMemoryAgainstModel(t *testing.T) {
	for _, tc := range []struct {
		limit  int
		maxAge time.Duration
		step   func(*rand.Rand) time.Duration
	}{
		{1, time.Hour, stepMinutes}, {7, time.Hour, stepMinutes}, {100, time.Hour, stepMinutes}, {1500, time.Hour, stepMinutes},
		{7, 2500 * time.Millisecond, stepMillis}, {100, 2500 * time.Millisecond, stepMillis}, {1500, 2500 * time.Millisecond, stepMillis},
	} {
		limit := tc.limit
		clk := testclock.New()
		hash := func(r Ref) int32 { return int32(uint32(DeriveID(r))%uint32(2*limit+3)) + 1 }
		o := Options{MaxEntries: limit, MaxAge: tc.maxAge, Now: clk.Now, Hash: hash}
		m := NewMemory(o)
		md := &model{max: limit, maxAge: tc.maxAge, now: clk.Now, hash: hash,
			refs: map[modelKey]*modelEnt{}, ids: map[modelKey]*modelEnt{}, conv: map[convKey]int64{}}
		rnd := rand.New(rand.NewPCG(uint64(limit)+uint64(tc.maxAge), 2))
		span := 3*limit + 10
		for round := range 60_000 {
			switch op := rnd.IntN(100); {
			case op < 45:
				r := Ref{Scene: SceneGroup, Peer: int64(rnd.IntN(3)), Seq: int64(rnd.IntN(span))}
				require.Equal(t, md.IDFor(r), m.IDFor(r), "limit %d %v round %d: IDFor %+v", limit, tc.maxAge, round, r)
			case op < 60:
				id := int32(rnd.IntN(2*limit+5) + 1)
				wr, wok := md.RefFor(id)
				gr, gok := m.RefFor(id)
				require.Equal(t, wok, gok, "limit %d %v round %d: RefFor %d", limit, tc.maxAge, round, id)
				require.Equal(t, wr, gr)
			case op < 85:
				peer, id := int64(rnd.IntN(3)), int32(rnd.IntN(span)-5)
				useq := int64(rnd.IntN(3) * rnd.IntN(span))
				require.Equal(t, md.RefForUpstream(SceneFriend, peer, id, useq), m.RefForUpstream(SceneFriend, peer, id, useq),
					"limit %d %v round %d: RefForUpstream", limit, tc.maxAge, round)
			case op < 97:
				r := Ref{Scene: SceneFriend, Peer: int64(rnd.IntN(3)), Seq: int64(rnd.IntN(span))}
				wid, wok := md.UpstreamID(r)
				gid, gok := m.UpstreamID(r)
				require.Equal(t, wok, gok, "limit %d %v round %d: UpstreamID %+v", limit, tc.maxAge, round, r)
				require.Equal(t, wid, gid)
			case op < 99:
				clk.Advance(tc.step(rnd))
			default:
				require.NoError(t, m.Flush())
				md.expire(md.cutoff())
			}
			if round%2000 == 0 {
				require.Equal(t, md.live, m.Stats().Entries)
				checkInvariants(t, m, int32(2*limit+5))
			}
		}
		require.Equal(t, md.live, m.Stats().Entries)
		checkInvariants(t, m, int32(2*limit+5))
	}
}

func stepMinutes(rnd *rand.Rand) time.Duration {
	return time.Duration(rnd.IntN(20))*time.Minute + time.Duration(rnd.IntN(1000))*time.Millisecond
}

func stepMillis(rnd *rand.Rand) time.Duration { return time.Duration(rnd.IntN(700)) * time.Millisecond }
