package milkyob11

import (
	"sync"

	"github.com/qqbridge/gateway/idmap"
)

// fakeSeqs is an in-memory idmap.SeqMapper: the first sighting of an
// upstream id takes upstreamSeq when positive, else one above the highest
// seq of its conversation (so golden files can name the seqs they expect).
// It stands in for idmap.NewMemory until that lands.
type fakeSeqs struct {
	mu    sync.Mutex
	byID  map[convID]idmap.Ref
	byRef map[idmap.Ref]int32
	top   map[conv]int64
}

type conv struct {
	scene string
	peer  int64
}

type convID struct {
	conv
	id int32
}

func newFakeSeqs() *fakeSeqs {
	return &fakeSeqs{byID: map[convID]idmap.Ref{}, byRef: map[idmap.Ref]int32{}, top: map[conv]int64{}}
}

func (f *fakeSeqs) preload(ref idmap.Ref, id int32) {
	f.mu.Lock()
	defer f.mu.Unlock()
	c := conv{ref.Scene, ref.Peer}
	f.byID[convID{c, id}] = ref
	f.byRef[ref] = id
	if ref.Seq > f.top[c] {
		f.top[c] = ref.Seq
	}
}

func (f *fakeSeqs) RefForUpstream(scene string, peer int64, id int32, upstreamSeq int64) idmap.Ref {
	f.mu.Lock()
	defer f.mu.Unlock()
	c := conv{scene, peer}
	if ref, ok := f.byID[convID{c, id}]; ok {
		return ref
	}
	seq := upstreamSeq
	if seq <= 0 {
		seq = f.top[c] + 1
	}
	if seq > f.top[c] {
		f.top[c] = seq
	}
	ref := idmap.Ref{Scene: scene, Peer: peer, Seq: seq}
	f.byID[convID{c, id}] = ref
	f.byRef[ref] = id
	return ref
}

func (f *fakeSeqs) UpstreamID(ref idmap.Ref) (int32, bool) {
	f.mu.Lock()
	defer f.mu.Unlock()
	id, ok := f.byRef[ref]
	return id, ok
}

// fakeFlags is an in-memory idmap.FlagMapper handing out 1, 2, 3, … per
// kind (skipping preloaded seqs).
type fakeFlags struct {
	mu     sync.Mutex
	byFlag map[[2]string]int64
	bySeq  map[string]map[int64]string
}

func newFakeFlags() *fakeFlags {
	return &fakeFlags{byFlag: map[[2]string]int64{}, bySeq: map[string]map[int64]string{}}
}

func (f *fakeFlags) preload(kind string, seq int64, flag string) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.byFlag[[2]string{kind, flag}] = seq
	if f.bySeq[kind] == nil {
		f.bySeq[kind] = map[int64]string{}
	}
	f.bySeq[kind][seq] = flag
}

func (f *fakeFlags) SeqForFlag(kind, flag string) int64 {
	f.mu.Lock()
	defer f.mu.Unlock()
	if seq, ok := f.byFlag[[2]string{kind, flag}]; ok {
		return seq
	}
	if f.bySeq[kind] == nil {
		f.bySeq[kind] = map[int64]string{}
	}
	seq := int64(1)
	for {
		if _, taken := f.bySeq[kind][seq]; !taken {
			break
		}
		seq++
	}
	f.byFlag[[2]string{kind, flag}] = seq
	f.bySeq[kind][seq] = flag
	return seq
}

func (f *fakeFlags) FlagForSeq(kind string, seq int64) (string, bool) {
	f.mu.Lock()
	defer f.mu.Unlock()
	flag, ok := f.bySeq[kind][seq]
	return flag, ok
}
