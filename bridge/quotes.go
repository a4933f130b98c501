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
// an upstream call on the event path. Bounded: the oldest are forgotten.
type quoteCache struct {
	mu    sync.Mutex
	max   int
	byKey map[quoteKey]segment.Quoted
	ring  []quoteKey
	next  int
	ids   idmap.SeqMapper
}

type quoteKey struct {
	scene string
	peer  int64
	id    int32
}

const quoteCacheSize = 4096

func newQuoteCache(max int, ids idmap.SeqMapper) *quoteCache {
	return &quoteCache{max: max, byKey: make(map[quoteKey]segment.Quoted, max), ring: make([]quoteKey, 0, max), ids: ids}
}

// Quoted implements segment.QuoteLookup.
func (q *quoteCache) Quoted(scene string, peer int64, upstreamID int32) (segment.Quoted, bool) {
	q.mu.Lock()
	defer q.mu.Unlock()
	v, ok := q.byKey[quoteKey{scene, peer, upstreamID}]
	return v, ok
}

// remember records a delivered message_receive.
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
	id, ok := q.ids.UpstreamID(idmap.Ref{Scene: msg.MessageScene, Peer: msg.PeerID, Seq: msg.MessageSeq})
	if !ok {
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
	k := quoteKey{msg.MessageScene, msg.PeerID, id}
	q.mu.Lock()
	defer q.mu.Unlock()
	if _, seen := q.byKey[k]; !seen {
		if len(q.ring) < q.max {
			q.ring = append(q.ring, k)
		} else {
			delete(q.byKey, q.ring[q.next])
			q.ring[q.next] = k
			q.next = (q.next + 1) % q.max
		}
	}
	q.byKey[k] = segment.Quoted{SenderID: msg.SenderID, SenderName: name, Time: msg.Time, Segments: flatQuote(msg.Segments)}
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
