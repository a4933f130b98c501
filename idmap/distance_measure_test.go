package idmap

import (
	"fmt"
	"math/rand/v2"
	"os"
	"strconv"
	"testing"
	"time"
)

// IDMAP_MEASURE_DISTANCES=1000000 go test -run MeasureDistances -v ./idmap
//
// The distance of each table cell from its home at the count limit, after
// two laps of inserts (evictions included), with seqs in order in one
// conversation, in 1000 conversations taking turns, and at random: how far
// probes walk, and how often a distance saturates the cell's field (then
// the slot is read). The figures are distBits' comment.
func TestMeasureDistances(t *testing.T) {
	n, _ := strconv.Atoi(os.Getenv("IDMAP_MEASURE_DISTANCES"))
	if n <= 0 {
		t.Skip("set IDMAP_MEASURE_DISTANCES to the entry count")
	}
	rnd := rand.New(rand.NewPCG(1, 2))
	for _, p := range []struct {
		name string
		ref  func(i int) (peer, seq int64)
	}{
		{"1 conversation, seqs in order", func(i int) (int64, int64) { return 30001, int64(i) }},
		{"1000 conversations round robin", func(i int) (int64, int64) { return int64(i % 1000), int64(i / 1000) }},
		{"random seqs", func(int) (int64, int64) { return 30001, rnd.Int64() }},
	} {
		for _, dir := range []string{"IDFor", "RefForUpstream"} {
			m := NewMemory(Options{MaxEntries: n, MaxAge: time.Hour})
			for i := range 2 * n {
				peer, seq := p.ref(i)
				if dir == "IDFor" {
					m.IDFor(Ref{Scene: SceneGroup, Peer: peer, Seq: seq})
				} else {
					m.RefForUpstream(SceneGroup, peer, int32(i+1), seq)
				}
			}
			for _, tb := range []struct {
				name string
				t    table
				hash func(uint32) uint64
			}{{"byRef", m.byRef, m.slotRefHash}, {"byID", m.byID, m.slotIDHash}} {
				var hist [64]int
				sum, cells, sat := 0, 0, 0
				nc := uint64(len(tb.t))
				for i, v := range tb.t {
					if v == 0 {
						continue
					}
					d := back(uint64(i), home(tb.hash(v&m.lay.low-1), nc), nc)
					hist[min(d, 63)]++
					sum += int(d)
					cells++
					if m.lay.dist(v) == uint64(m.lay.dmax) {
						sat++
					}
				}
				maxD := 0
				for d, c := range hist {
					if c > 0 {
						maxD = d
					}
				}
				fmt.Printf("%-32s %-15s %-5s mean %.2f max %d saturated %d of %d; d>=8: %d, d>=16: %d\n",
					p.name, dir, tb.name, float64(sum)/float64(cells), maxD, sat, cells, tail(hist[:], 8), tail(hist[:], 16))
			}
		}
	}
}

func tail(h []int, from int) int {
	s := 0
	for _, c := range h[from:] {
		s += c
	}
	return s
}
