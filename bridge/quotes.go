package bridge

import (
	"sync"

	"github.com/qqbridge/gateway/idmap"
	"github.com/qqbridge/gateway/milky"
	"github.com/qqbridge/gateway/segment"
)

// quoteCache remembers the last messages the reverse direction delivered,
// so that a reply segment can carry the quoted message's sender, time and
// content (Milky's reply segment has them; OneBot's has only an id) without
// an upstream call on the event path. Bounded by count and by bytes: the
// oldest are forgotten.
//
// Each quote is kept in a compact binary form (quoteEncode), in chunks
// outside the Go heap (quoteChunk), and decoded only on a hit: a decoded
// milky.IncomingSegment is ~450 bytes of mostly empty fields per segment,
// so 4096 quotes of a few segments held ~6 MiB of live heap (two thirds of
// the reverse direction's live set) where their encoded form is the text
// plus a few bytes. Hits are rare (replies only): one copy of the encoding
// per hit, which the decoded strings then share.
type quoteCache struct {
	mu       sync.Mutex
	max      int // entries
	maxBytes int // sum of the encoded quotes' lengths
	bytes    int
	byKey    quoteIndex  // the entry's index in ring
	cur      *quoteChunk // the chunk new encodings are appended to
	// ring holds the entries in insertion order, oldest at head;
	// len(ring) == max. The encoding's place is here, not in byKey: evicting
	// the oldest then costs one index operation (the delete), not two.
	ring    []quoteEntry
	head, n int
}

type quoteEntry struct {
	k quoteKey
	r quoteRef
}

// quoteKey names a message by conversation and Milky message_seq: the
// delivered event carries it, and a reply segment's converter has just
// mapped the quoted upstream id to it (segment.QuoteLookup), so neither
// side asks the id store for the other key. The scene is its idmap code
// (1..3; 0 for "" and unknown scenes, which are not cached) rather than
// its name: no string hashing on the per-event path.
type quoteKey struct {
	scene uint8
	seq   int64
	peer  int64
}

const (
	quoteCacheSize = 4096
	// quoteCacheBytes bounds the encoded quotes (before this bound the
	// cache was bounded by count only, so 4096 quotes of large light_app or
	// XML payloads could hold hundreds of MiB). 8 MiB is 2 KiB per entry at
	// the full count, 10-40 times a typical chat message's encoded size:
	// the count stays the binding limit unless messages are unusually
	// large, and then the oldest of them are forgotten first.
	quoteCacheBytes = 8 << 20
)

func newQuoteCache(max int) *quoteCache {
	max = min(max, maxQuoteEntries)
	return &quoteCache{max: max, maxBytes: quoteCacheBytes, byKey: newQuoteIndex(max), ring: make([]quoteEntry, max)}
}

// Quoted implements segment.QuoteLookup, by seq. Each hit decodes a fresh
// copy of the segments (their strings share the cached, immutable
// encoding).
func (q *quoteCache) Quoted(scene string, peer int64, _ int32, seq int64) (segment.Quoted, bool) {
	code, _ := idmap.SceneCode(scene)
	if code == 0 || seq <= 0 {
		return segment.Quoted{}, false // remember keeps only the three scenes, and seqs are positive
	}
	q.mu.Lock()
	i, ok := q.byKey.get(quoteKey{code, seq, peer})
	var enc string
	if ok {
		enc = string(q.ring[i].r.bytes()) // under the lock: the entry's chunk is live
	}
	q.mu.Unlock()
	if !ok {
		return segment.Quoted{}, false
	}
	quoted, err := quoteDecode(enc)
	if err != nil {
		return segment.Quoted{}, false // cannot happen: quoteEncode wrote it
	}
	return quoted, true
}

// quoteBufPool holds the encoder's scratch buffers (one per concurrent
// remember; the encoding is then copied into one string sized to it).
var quoteBufPool = sync.Pool{New: func() any { b := make([]byte, 0, 512); return &b }}

// remember records a delivered message_receive. It does not modify the
// event: the quote is copied into its encoded form, out of the upstream
// frame the decoder's strings are slices of.
func (q *quoteCache) remember(ev *milky.TypedEvent) {
	// eventmap/milkyob11 emits pointers; accept values too, so a change of
	// representation there cannot silently empty the cache again (it did:
	// every reply segment fell back to placeholders).
	var msg *milky.IncomingMessage
	switch v := ev.Data.(type) {
	case *milky.IncomingMessage:
		msg = v
	case milky.IncomingMessage:
		msg = &v
	}
	if msg == nil {
		return
	}
	code, _ := idmap.SceneCode(msg.MessageScene)
	if code == 0 || msg.MessageSeq <= 0 {
		return
	}
	name := ""
	switch {
	case msg.GroupMember != nil:
		name = msg.GroupMember.Card
		if name == "" {
			name = msg.GroupMember.Nickname
		}
	case msg.Friend != nil:
		name = msg.Friend.Nickname
	}
	k := quoteKey{code, msg.MessageSeq, msg.PeerID}
	bp := quoteBufPool.Get().(*[]byte)
	*bp = quoteEncode((*bp)[:0], segment.Quoted{SenderID: msg.SenderID, SenderName: name, Time: msg.Time, Segments: flatQuote(msg.Segments)})
	q.put(k, *bp)
	if cap(*bp) <= 64<<10 {
		quoteBufPool.Put(bp)
	}
}

// put stores enc under k: a new key goes to the ring's tail (evicting the
// oldest while the count or byte bound would be exceeded; the newest
// quote is always kept), a known key keeps its place and gets the new
// value.
func (q *quoteCache) put(k quoteKey, enc []byte) {
	if q.max <= 0 {
		return
	}
	q.mu.Lock()
	defer q.mu.Unlock()
	r := q.store(enc)
	slot, seen := q.byKey.find(k)
	if seen {
		i := q.byKey.posAt(slot)
		old := q.ring[i].r
		q.bytes += int(r.n) - int(old.n)
		q.ring[i].r = r
		q.drop(old)
		q.trim(1)
		return
	}
	q.bytes += int(r.n)
	if q.n == q.max {
		q.evictOldest()
		slot, _ = q.byKey.find(k) // the delete may have moved keys into k's run
	}
	i := (q.head + q.n) % q.max
	q.ring[i] = quoteEntry{k, r}
	q.byKey.setAt(slot, k, uint32(i))
	q.n++
	q.trim(1)
}

// trim evicts the oldest entries while the bytes exceed the bound and more
// than keep entries remain.
func (q *quoteCache) trim(keep int) {
	for q.bytes > q.maxBytes && q.n > keep {
		q.evictOldest()
	}
}

func (q *quoteCache) evictOldest() {
	e := &q.ring[q.head]
	q.bytes -= int(e.r.n)
	q.byKey.delete(e.k)
	q.drop(e.r)
	*e = quoteEntry{} // no reference to a recycled chunk
	q.head = (q.head + 1) % q.max
	q.n--
}

// flatQuote is a quoted message's content without the content of what it
// quotes in turn: a reply's segments are the quoted message's, so keeping
// them whole would nest every earlier message of a reply chain into each
// new event (a chain of n replies: events of size O(n), O(n²) in total).
// The inner reply keeps its seq, sender and time; a bot wanting more asks
// get_message. Copies only when a reply segment has content to drop.
func flatQuote(segs []milky.IncomingSegment) []milky.IncomingSegment {
	for i := range segs {
		if segs[i].Type == milky.SegReply && len(segs[i].Data.Segments) > 0 {
			out := make([]milky.IncomingSegment, len(segs))
			copy(out, segs)
			for j := range out {
				if out[j].Type == milky.SegReply {
					out[j].Data.Segments = nil
				}
			}
			return out
		}
	}
	return segs
}
