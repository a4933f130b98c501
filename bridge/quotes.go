package bridge

import (
	"strings"
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

// quoteKey names a message by conversation and upstream id. The scene is
// a small code rather than its name: the key then hashes as plain memory,
// no string hashing on the per-event lookups.
type quoteKey struct {
	scene uint8
	id    int32
	peer  int64
}

// sceneCode is the key code of a Milky scene name (0 for any other).
func sceneCode(scene string) uint8 {
	switch scene {
	case milky.SceneFriend:
		return 1
	case milky.SceneGroup:
		return 2
	case milky.SceneTemp:
		return 3
	}
	return 0
}

const quoteCacheSize = 4096

func newQuoteCache(max int, ids idmap.SeqMapper) *quoteCache {
	return &quoteCache{max: max, byKey: make(map[quoteKey]segment.Quoted, max), ring: make([]quoteKey, 0, max), ids: ids}
}

// Quoted implements segment.QuoteLookup.
func (q *quoteCache) Quoted(scene string, peer int64, upstreamID int32) (segment.Quoted, bool) {
	q.mu.Lock()
	defer q.mu.Unlock()
	code := sceneCode(scene)
	if code == 0 {
		return segment.Quoted{}, false // remember keeps only the three scenes
	}
	v, ok := q.byKey[quoteKey{code, upstreamID, peer}]
	return v, ok
}

// remember records a delivered message_receive. It rewrites the strings of
// the message's segments in place (same contents, see detach): call it
// after the event is encoded.
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
	code := sceneCode(msg.MessageScene)
	if code == 0 {
		return
	}
	k := quoteKey{code, id, msg.PeerID}
	segs := flatQuote(msg.Segments)
	name = detach(segs, name)
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
	q.byKey[k] = segment.Quoted{SenderID: msg.SenderID, SenderName: name, Time: msg.Time, Segments: segs}
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

// detach moves the strings a quote keeps (its segments' and the sender
// name) into one fresh string sized to them and points the fields there.
// The decoder hands out strings that are slices of the whole upstream
// frame (one copy per event, see eventmap/milkyob11); kept as they are, a
// cached quote would hold its entire frame alive (raw_message, sender,
// JSON syntax) instead of the text it shows. One allocation per event.
func detach(segs []milky.IncomingSegment, name string) string {
	var arr [64]*string
	ps := arr[:0]
	for i := range segs {
		ps = appendStrings(ps, &segs[i].Data)
	}
	n := len(name)
	for _, p := range ps {
		n += len(*p)
	}
	if n == 0 {
		return name
	}
	var b strings.Builder
	b.Grow(n)
	b.WriteString(name)
	for _, p := range ps {
		b.WriteString(*p)
	}
	all := b.String()
	off := len(name)
	name = all[:off]
	for _, p := range ps {
		l := len(*p)
		*p = all[off : off+l]
		off += l
	}
	return name
}

// appendStrings appends a pointer to every non-empty string field of d
// that may point into an upstream frame (the nested segments of a
// flattened quote are nil).
func appendStrings(ps []*string, d *milky.IncomingSegmentData) []*string {
	for _, p := range [...]*string{&d.Text, &d.Name, &d.FaceID, &d.ResourceID, &d.TempURL, &d.Summary, &d.SubType,
		&d.FileID, &d.FileName, &d.ForwardID, &d.Title, &d.EmojiID, &d.Key, &d.URL, &d.AppName, &d.JSONPayload, &d.XMLPayload} {
		if *p != "" {
			ps = append(ps, p)
		}
	}
	if d.SenderName != nil && *d.SenderName != "" {
		ps = append(ps, d.SenderName)
	}
	if d.FileHash != nil && *d.FileHash != "" {
		ps = append(ps, d.FileHash)
	}
	for i := range d.Preview {
		if d.Preview[i] != "" {
			ps = append(ps, &d.Preview[i])
		}
	}
	return ps
}
