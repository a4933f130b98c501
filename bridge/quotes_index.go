package bridge

// quoteIndex finds a cached quote's place in the cache's ring by its key:
// open addressing with linear probing over one flat array, sized once (at
// least twice the cache's count, a power of two) and never grown, since
// the cache's count is fixed.
//
// Why not a Go map: every delivered message costs the cache a lookup, an
// insert and (when full) the eviction's delete. A map[quoteKey]uint32
// hashes the padded three-field key with the generic memory hash and
// spends most of remember's time in its group matching (4.7 % of the
// reverse direction's CPU under full event load, against 0.8 % for the
// encoding itself). Here a key is two multiplications and the usual probe
// is one 24-byte slot.
type quoteIndex struct {
	slots []quoteSlot
	mask  uint64
	shift uint // 64 - log2(len(slots)): hash's top bits pick the home slot
}

// quoteSlot is one key and its ring position. tag is pos<<2 | scene code;
// cached scene codes are 1..3 (idmap.SceneCode), so 0 marks an empty slot.
type quoteSlot struct {
	peer int64
	seq  int64
	tag  uint32
}

// maxQuoteEntries bounds the cache's count so that a ring position fits
// the tag's 30 bits.
const maxQuoteEntries = 1 << 30

func newQuoteIndex(entries int) quoteIndex {
	n, bits := 8, uint(3)
	for n < 2*entries {
		n, bits = n*2, bits+1
	}
	return quoteIndex{slots: make([]quoteSlot, n), mask: uint64(n - 1), shift: 64 - bits}
}

// home is k's first slot. The multiply-xor mix spreads sequential seqs in
// one conversation (the usual run of keys) over the whole table.
func (x *quoteIndex) home(peer, seq int64, scene uint8) uint64 {
	h := uint64(peer)*0x9e3779b97f4a7c15 ^ (uint64(seq)<<2|uint64(scene))*0xc2b2ae3d27d4eb4f
	h ^= h >> 29
	h *= 0xbf58476d1ce4e5b9
	return h >> x.shift
}

// find is the slot holding k, or the empty slot where k would go.
func (x *quoteIndex) find(k quoteKey) (int, bool) {
	for i := x.home(k.peer, k.seq, k.scene); ; i = (i + 1) & x.mask {
		s := &x.slots[i]
		if s.tag == 0 {
			return int(i), false
		}
		if s.peer == k.peer && s.seq == k.seq && uint8(s.tag&3) == k.scene {
			return int(i), true
		}
	}
}

// get is k's ring position.
func (x *quoteIndex) get(k quoteKey) (uint32, bool) {
	i, ok := x.find(k)
	if !ok {
		return 0, false
	}
	return x.posAt(i), true
}

// posAt is the ring position held in slot i, which find returned as
// holding a key.
func (x *quoteIndex) posAt(i int) uint32 { return x.slots[i].tag >> 2 }

// setAt stores k's ring position in slot i, which find returned for k
// with no delete since.
func (x *quoteIndex) setAt(i int, k quoteKey, pos uint32) {
	x.slots[i] = quoteSlot{peer: k.peer, seq: k.seq, tag: pos<<2 | uint32(k.scene)}
}

// delete removes k. Linear probing cannot leave a hole in a run (a later
// key of the run would no longer be found), so the run's later keys that
// may live in the hole move back into it: a key moves unless its home
// lies cyclically after the hole and at or before its own slot. No
// tombstones, so probes stay as short as the fill allows, however many
// deletes the cache makes.
func (x *quoteIndex) delete(k quoteKey) {
	i, ok := x.find(k)
	if !ok {
		return
	}
	hole := uint64(i)
	for j := (hole + 1) & x.mask; x.slots[j].tag != 0; j = (j + 1) & x.mask {
		s := &x.slots[j]
		h := x.home(s.peer, s.seq, uint8(s.tag&3))
		stays := h > hole && h <= j // no wrap between hole and j
		if j < hole {
			stays = h > hole || h <= j
		}
		if stays {
			continue
		}
		x.slots[hole] = *s
		hole = j
	}
	x.slots[hole] = quoteSlot{}
}

// len counts the keys (tests).
func (x *quoteIndex) len() int {
	n := 0
	for i := range x.slots {
		if x.slots[i].tag != 0 {
			n++
		}
	}
	return n
}
