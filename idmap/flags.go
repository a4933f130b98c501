package idmap

import "strings"

// Request flags are rare (one per friend request or group invitation), so
// they live in ordinary maps over a FIFO of entries in insertion order.

type flagKey struct {
	kind uint8
	flag string
}

type flagSeqKey struct {
	kind uint8
	seq  int64
}

type flagEnt struct {
	flag string
	seq  int64
	at   int64
	kind uint8
	live bool
}

// flagSet: q[i] is at position base+i; the maps hold positions.
type flagSet struct {
	q      []flagEnt
	base   uint64
	byFlag map[flagKey]uint64
	bySeq  map[flagSeqKey]uint64
	live   int
	high   [numFlagKinds + 1]int64 // highest seq issued per kind
}

func (f *flagSet) init() {
	f.byFlag = make(map[flagKey]uint64)
	f.bySeq = make(map[flagSeqKey]uint64)
}

func (f *flagSet) at(p uint64) *flagEnt { return &f.q[p-f.base] }

func (f *flagSet) raise(kind uint8, seq int64) {
	if seq > f.high[kind] {
		f.high[kind] = seq
	}
}

// add appends a flag entry, replacing any entry with the same flag or seq.
func (f *flagSet) add(kind uint8, flag string, seq, at int64, maxEntries int) {
	if p, ok := f.byFlag[flagKey{kind, flag}]; ok {
		f.kill(p)
	}
	if p, ok := f.bySeq[flagSeqKey{kind, seq}]; ok {
		f.kill(p)
	}
	p := f.base + uint64(len(f.q))
	f.q = append(f.q, flagEnt{flag: flag, seq: seq, at: at, kind: kind, live: true})
	f.byFlag[flagKey{kind, flag}] = p
	f.bySeq[flagSeqKey{kind, seq}] = p
	f.live++
	f.raise(kind, seq)
	for f.live > maxEntries {
		f.pop()
	}
}

func (f *flagSet) kill(p uint64) {
	e := f.at(p)
	if !e.live {
		return
	}
	delete(f.byFlag, flagKey{e.kind, e.flag})
	delete(f.bySeq, flagSeqKey{e.kind, e.seq})
	e.live = false
	f.live--
}

func (f *flagSet) pop() {
	f.kill(f.base)
	f.q[0] = flagEnt{} // release the flag string
	f.q = f.q[1:]
	f.base++
}

func (f *flagSet) expire(cutoff int64) {
	for len(f.q) > 0 && (!f.q[0].live || f.q[0].at < cutoff) {
		f.pop()
	}
}

// SeqForFlag implements FlagMapper: a new flag takes its kind's next seq,
// a known one keeps its seq (an expired one is refreshed with it). It
// answers 0 (never a valid seq) for an unknown kind or a flag longer than
// MaxFlagLen, and records nothing then.
func (m *Memory) SeqForFlag(kind, flag string) int64 {
	kc, ok := FlagKindCode(kind)
	if !ok || len(flag) > MaxFlagLen {
		return 0
	}
	cutoff := m.cutoff()
	m.mu.Lock()
	defer m.mu.Unlock()
	f := &m.fl
	seq := int64(0)
	if p, ok := f.byFlag[flagKey{kc, flag}]; ok {
		e := f.at(p)
		if e.at >= cutoff {
			return e.seq
		}
		seq, flag = e.seq, e.flag
	} else {
		f.expire(cutoff)
		seq = f.high[kc] + 1
		flag = strings.Clone(flag) // may point into an event buffer
	}
	at := m.now()
	f.add(kc, flag, seq, at, m.o.MaxEntries)
	if m.o.Journal != nil {
		name, _ := FlagKindName(kc)
		m.rec = Record{Kind: RecordFlag, FlagKind: name, Flag: flag, Seq: seq, At: at}
		m.o.Journal.Append(&m.rec)
	}
	return seq
}

// FlagForSeq implements FlagMapper.
func (m *Memory) FlagForSeq(kind string, seq int64) (string, bool) {
	kc, ok := FlagKindCode(kind)
	cutoff := m.cutoff()
	m.mu.Lock()
	defer m.mu.Unlock()
	if ok {
		if p, ok := m.fl.bySeq[flagSeqKey{kc, seq}]; ok {
			if e := m.fl.at(p); e.at >= cutoff {
				m.hits++
				return e.flag, true
			}
		}
	}
	m.misses++
	return "", false
}
