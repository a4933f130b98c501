// Package idmaptest has deterministic idmap fakes for golden tests, whose
// expected output names the seqs and ids it expects: unlike idmap.Memory
// they hash nothing and expire nothing.
package idmaptest

import (
	"strings"
	"sync"

	"github.com/qqbridge/gateway/idmap"
)

type (
	convKey struct {
		scene string
		peer  int64
	}
	upKey struct {
		scene string
		peer  int64
		id    int32
	}
)

// Seqs is an idmap.SeqMapper: per conversation, seqs start at 100 in
// first-sighting order unless the upstream gives its own seq.
type Seqs struct {
	mu   sync.Mutex
	refs map[upKey]idmap.Ref // (scene, peer, id) -> ref
	ids  map[idmap.Ref]int32
	next map[convKey]int64
}

// NewSeqs returns an empty Seqs.
func NewSeqs() *Seqs {
	return &Seqs{refs: map[upKey]idmap.Ref{}, ids: map[idmap.Ref]int32{}, next: map[convKey]int64{}}
}

// RefForUpstream implements idmap.SeqMapper.
func (f *Seqs) RefForUpstream(scene string, peer int64, id int32, upstreamSeq int64) idmap.Ref {
	f.mu.Lock()
	defer f.mu.Unlock()
	k := upKey{scene, peer, id}
	if r, ok := f.refs[k]; ok {
		return r
	}
	ck := convKey{scene, peer}
	seq := upstreamSeq
	if seq <= 0 {
		seq = max(f.next[ck], 100)
	}
	f.next[ck] = max(f.next[ck], seq+1)
	r := idmap.Ref{Scene: scene, Peer: peer, Seq: seq}
	f.refs[k], f.ids[r] = r, id
	return r
}

// UpstreamID implements idmap.SeqMapper.
func (f *Seqs) UpstreamID(ref idmap.Ref) (int32, bool) {
	f.mu.Lock()
	defer f.mu.Unlock()
	id, ok := f.ids[ref]
	return id, ok
}

// Len is how many upstream ids have been seen.
func (f *Seqs) Len() int {
	f.mu.Lock()
	defer f.mu.Unlock()
	return len(f.refs)
}

// Flags is an idmap.FlagMapper handing out seqs from 1 per kind in
// first-sighting order.
type Flags struct {
	mu    sync.Mutex
	seqs  map[[2]string]int64
	flags map[string][]string
}

// NewFlags returns an empty Flags.
func NewFlags() *Flags {
	return &Flags{seqs: map[[2]string]int64{}, flags: map[string][]string{}}
}

// SeqForFlag implements idmap.FlagMapper.
func (f *Flags) SeqForFlag(kind, flag string) int64 {
	f.mu.Lock()
	defer f.mu.Unlock()
	if s, ok := f.seqs[[2]string{kind, flag}]; ok {
		return s
	}
	flag = strings.Clone(flag) // as idmap.FlagMapper requires: it may be part of a frame
	f.flags[kind] = append(f.flags[kind], flag)
	s := int64(len(f.flags[kind]))
	f.seqs[[2]string{kind, flag}] = s
	return s
}

// FlagForSeq implements idmap.FlagMapper.
func (f *Flags) FlagForSeq(kind string, seq int64) (string, bool) {
	f.mu.Lock()
	defer f.mu.Unlock()
	l := f.flags[kind]
	if seq < 1 || int(seq) > len(l) {
		return "", false
	}
	return l[seq-1], true
}

var (
	_ idmap.SeqMapper  = (*Seqs)(nil)
	_ idmap.FlagMapper = (*Flags)(nil)
)
