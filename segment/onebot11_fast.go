package segment

import (
	"strconv"
	"strings"
	"sync"

	"github.com/goccy/go-json"

	"github.com/qqbridge/gateway/internal/jsonscan"
	"github.com/qqbridge/gateway/milky"
	"github.com/qqbridge/gateway/onebot11"
)

// The hot path of received messages: a segment array whose data values are
// scalars (nearly every segment) is read in one pass over one string copy
// of the message, every value a sub-string of it, with no map[string]any
// and no per-value allocation. A segment with an object or array value
// (NapCat's face raw, a forward's preview) is decoded alone the general
// way; anything the scan does not accept (escaped keys, a non-string type,
// a document the general decoder would reject) sends the whole message
// down the general path, which then decides exactly as before.

// view is one received segment as the conversion reads it: the scanned
// scalars (kv, each value already in DataString's form), or the general
// decoder's map.
type view struct {
	Type string
	kv   []kv
	m    map[string]any
}

type kv struct{ key, val string }

// DataString is onebot11.Segment.DataString for either form (the last of
// duplicate keys wins, as in the map).
func (v *view) DataString(key string) string {
	if v.m != nil {
		return onebot11.Segment{Data: v.m}.DataString(key)
	}
	for i := len(v.kv) - 1; i >= 0; i-- {
		if v.kv[i].key == key {
			return v.kv[i].val
		}
	}
	return ""
}

// value is the decoded value of key; only the map form has non-scalars.
func (v *view) value(key string) any {
	if v.m != nil {
		return v.m[key]
	}
	return nil
}

// scratch is the per-call working memory of the fast path.
type scratch struct {
	views []view
	kvs   []kv
}

var scratchPool = sync.Pool{New: func() any { return &scratch{views: make([]view, 0, 16), kvs: make([]kv, 0, 64)} }}

// release empties sc (no pinned strings) and pools it.
func (sc *scratch) release() {
	clear(sc.views[:cap(sc.views)])
	clear(sc.kvs[:cap(sc.kvs)])
	sc.views, sc.kvs = sc.views[:0], sc.kvs[:0]
	scratchPool.Put(sc)
}

// fromOneBotFast converts a segment array; ok false: use the general path.
func (c *Incoming) fromOneBotFast(scene string, peer int64, message []byte) ([]milky.IncomingSegment, bool) {
	s := jsonscan.New(string(message)) // the one copy every value points into
	sc := scratchPool.Get().(*scratch)
	defer sc.release()
	if !scanSegments(&s, sc) || !s.End() {
		return nil, false
	}
	return c.convert(nil, scene, peer, sc), true
}

// convert converts sc's views into dst's memory when it has room (its
// elements are overwritten), else into a new slice.
func (c *Incoming) convert(dst []milky.IncomingSegment, scene string, peer int64, sc *scratch) []milky.IncomingSegment {
	n := len(sc.views)
	if dst == nil || cap(dst) < n { // never nil: an empty message is []
		dst = make([]milky.IncomingSegment, n)
	} else {
		dst = dst[:n]
		clear(dst) // segmentTo writes into zeroed segments
	}
	for i := range sc.views {
		c.segmentTo(&dst[i], scene, peer, &sc.views[i])
	}
	return dst
}

// segmentTo is segment writing into a zeroed dst. The commonest kinds are
// filled field by field: copying a whole returned IncomingSegment (a large
// struct full of pointers) into the heap slice costs a bulk write barrier
// over all of it whenever the GC is marking.
func (c *Incoming) segmentTo(dst *milky.IncomingSegment, scene string, peer int64, s *view) {
	switch s.Type {
	case onebot11.SegText:
		dst.Type = milky.SegText
		dst.Data.Text = s.DataString("text")
		return
	case onebot11.SegAt:
		qq := s.DataString("qq")
		if qq == "all" {
			dst.Type = milky.SegMentionAll
			return
		}
		if uin, err := strconv.ParseInt(qq, 10, 64); err == nil && uin >= milky.MinUin && uin <= milky.MaxUin {
			dst.Type = milky.SegMention
			dst.Data.UserID = uin
			dst.Data.Name = strings.TrimPrefix(s.DataString("name"), "@")
			return
		}
	case onebot11.SegImage:
		dst.Type = milky.SegImage
		d := &dst.Data
		d.ResourceID = resourceID(s)
		d.TempURL = s.DataString("url")
		d.Summary = s.DataString("summary")
		d.SubType = milky.ImageNormal
		if isSticker(s) {
			d.SubType = milky.ImageSticker
		}
		d.Width, d.Height = dataU32(s, "width"), dataU32(s, "height")
		return
	}
	*dst = c.segment(scene, peer, s)
}

// Scanned is a received segment array read in place by ScanOneBotArray,
// waiting to be converted; its values point into the scanned document,
// which must stay unchanged until Release.
type Scanned struct{ sc *scratch }

// ScanOneBotArray reads the segment array at s's cursor (a decoder of a
// whole event reads the message field this way, in its own pass). ok
// false: the array is not one the fast path takes, and s is left failed
// or mid-array; the caller decodes the document the general way.
func ScanOneBotArray(s *jsonscan.Scanner) (Scanned, bool) {
	sc := scratchPool.Get().(*scratch)
	if !scanSegments(s, sc) {
		sc.release()
		return Scanned{}, false
	}
	return Scanned{sc}, true
}

// FromScanned converts a scanned array as FromOneBotRaw converts its
// bytes.
func (c *Incoming) FromScanned(scene string, peer int64, a Scanned) []milky.IncomingSegment {
	return c.FromScannedInto(nil, scene, peer, a)
}

// FromScannedInto is FromScanned reusing dst's memory when it has room:
// an event pump converts every message into the same few segments
// instead of allocating them (large structs full of pointers) per event.
// Whatever dst held is overwritten.
func (c *Incoming) FromScannedInto(dst []milky.IncomingSegment, scene string, peer int64, a Scanned) []milky.IncomingSegment {
	if a.sc == nil {
		return []milky.IncomingSegment{}
	}
	return c.convert(dst, scene, peer, a.sc)
}

// Valid reports whether a holds a scanned array.
func (a Scanned) Valid() bool { return a.sc != nil }

// Release returns the scan's memory; a is unusable afterwards.
func (a Scanned) Release() {
	if a.sc != nil {
		a.sc.release()
	}
}

// scanSegments fills sc.views from the segment array at s's cursor (kv
// sub-slices of sc.kvs); false when the general decoder must judge.
func scanSegments(s *jsonscan.Scanner, sc *scratch) bool {
	if s.Peek() != jsonscan.Array || !s.Open(jsonscan.Array) {
		return false
	}
	for first := true; s.More(first); first = false {
		start := s.Pos()
		if !s.Open(jsonscan.Object) {
			return false
		}
		v := view{}
		kvStart := len(sc.kvs)
		general, seenData := false, false
		for f := true; s.More(f); f = false {
			key, plain := s.PlainKeyName()
			if !plain {
				return false
			}
			switch key {
			case "type":
				k, raw, esc := s.Value()
				switch {
				case k == jsonscan.String && !esc:
					v.Type = raw[1 : len(raw)-1]
				case k == jsonscan.Null:
				default:
					return false
				}
			case "data":
				if seenData {
					return false // the general decoder's merge rules decide
				}
				seenData = true
				switch s.Peek() {
				case jsonscan.Null:
					s.Skip()
				case jsonscan.Object:
					if !scanData(s, sc, &general) {
						return false
					}
				default:
					return false
				}
			default:
				if !s.SkipMember() {
					return false
				}
			}
		}
		if s.Failed() {
			return false
		}
		if general {
			var seg onebot11.Segment
			if json.Unmarshal([]byte(s.Slice(start, s.Pos())), &seg) != nil {
				return false
			}
			sc.kvs = sc.kvs[:kvStart]
			v = view{Type: seg.Type, m: seg.Data}
		} else {
			v.kv = sc.kvs[kvStart:len(sc.kvs):len(sc.kvs)]
		}
		sc.views = append(sc.views, v)
	}
	return !s.Failed()
}

// scanData reads one data object into sc.kvs; a non-scalar value sets
// general (the segment is then decoded the general way).
func scanData(s *jsonscan.Scanner, sc *scratch, general *bool) bool {
	if !s.Open(jsonscan.Object) {
		return false
	}
	for first := true; s.More(first); first = false {
		key, plain := s.Key()
		if !plain {
			return false
		}
		k, raw, esc := s.Value()
		var val string
		switch k {
		case jsonscan.String:
			if esc {
				var ok bool
				if val, ok = jsonscan.Unquote(raw); !ok {
					return false
				}
			} else {
				val = raw[1 : len(raw)-1]
			}
		case jsonscan.Number:
			var ok bool
			if val, ok = numberText(raw); !ok {
				return false
			}
		case jsonscan.True:
			val = "true"
		case jsonscan.False:
			val = "false"
		case jsonscan.Null:
		case jsonscan.Object, jsonscan.Array:
			*general = true
			continue
		default:
			return false
		}
		sc.kvs = append(sc.kvs, kv{key, val})
	}
	return !s.Failed()
}

// numberText is DataString of a JSON number the general decoder reads as a
// float64: FormatFloat(f, 'f', -1, 64). A short integer literal is already
// that text.
func numberText(raw string) (string, bool) {
	if n := len(raw); n > 0 && n <= 15 && raw[0] != '-' && (raw[0] != '0' || n == 1) {
		plain := true
		for i := 0; i < n; i++ {
			if raw[i] < '0' || raw[i] > '9' {
				plain = false
				break
			}
		}
		if plain {
			return raw, true
		}
	}
	f, err := strconv.ParseFloat(raw, 64)
	if err != nil {
		return "", false
	}
	return strconv.FormatFloat(f, 'f', -1, 64), true
}
