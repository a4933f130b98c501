package bridge

import (
	"reflect"
	"runtime"
	"strings"
	"testing"
	"unsafe"

	"github.com/stretchr/testify/require"

	"github.com/qqbridge/gateway/idstore"
	"github.com/qqbridge/gateway/milky"
	"github.com/qqbridge/gateway/segment"
)

// The codec's table names every field of IncomingSegmentData: a new field
// must be added to it (or the cache would silently drop it).
func TestQuoteCodecCoversEveryField(t *testing.T) {
	require.Equal(t, reflect.TypeOf(milky.IncomingSegmentData{}).NumField(), qFieldCount)
	require.Equal(t, reflect.TypeOf(milky.IncomingSegment{}).NumField(), 2)
	require.Equal(t, reflect.TypeOf(segment.Quoted{}).NumField(), 4)
}

// Every field, set to a non-zero value (found by reflection, so a field
// the codec forgets fails here), survives the round trip, as do nil and
// empty slices and pointers to empty strings.
func TestQuoteCodecRoundTrip(t *testing.T) {
	var full milky.IncomingSegmentData
	v := reflect.ValueOf(&full).Elem()
	for i := 0; i < v.NumField(); i++ {
		f := v.Field(i)
		switch f.Kind() {
		case reflect.String:
			f.SetString("s" + v.Type().Field(i).Name)
		case reflect.Int32, reflect.Int64:
			f.SetInt(-int64(i) * 1_000_003)
		case reflect.Bool:
			f.SetBool(true)
		case reflect.Pointer:
			s := "p" + v.Type().Field(i).Name
			f.Set(reflect.ValueOf(&s))
		case reflect.Slice:
			switch f.Type().Elem().Kind() {
			case reflect.String:
				f.Set(reflect.ValueOf([]string{"a", "", "ccc"}))
			default:
				f.Set(reflect.ValueOf([]milky.IncomingSegment{{Type: milky.SegText, Data: milky.IncomingSegmentData{Text: "inner"}}}))
			}
		default:
			t.Fatalf("field %s: kind %s not covered by this test", v.Type().Field(i).Name, f.Kind())
		}
	}
	empty := ""
	cases := []segment.Quoted{
		{},
		{SenderID: 1 << 40, SenderName: "名字", Time: 1_700_000_000, Segments: []milky.IncomingSegment{}},
		{SenderID: -5, Segments: []milky.IncomingSegment{
			{Type: milky.SegText, Data: milky.IncomingSegmentData{Text: strings.Repeat("x", 300)}},
			{Type: milky.SegReply, Data: milky.IncomingSegmentData{MessageSeq: 9, SenderName: &empty, Segments: []milky.IncomingSegment{}}},
			{Type: milky.SegForward, Data: milky.IncomingSegmentData{Preview: []string{}}},
			{Type: "x", Data: full},
			{},
		}},
	}
	for _, c := range cases {
		enc := string(quoteEncode(nil, c))
		got, err := quoteDecode(enc)
		require.NoError(t, err)
		require.Equal(t, c, got)
		require.True(t, reflect.DeepEqual(c, got)) // nil vs empty too
		for cut := 0; cut < len(enc); cut++ {
			_, err := quoteDecode(enc[:cut])
			require.Error(t, err, "truncated at %d", cut)
		}
	}
}

// A cached quote keeps no string of the upstream frame alive.
func TestQuoteCacheCopiesOutOfTheFrame(t *testing.T) {
	frame := strings.Repeat("0123456789", 100)
	sub := func(a, b int) string { return frame[a:b] }
	hash := sub(5, 9)
	ids := idstore.NewMemory(idstore.Options{})
	ref := ids.RefForUpstream("group", 100200, 77, 0)
	q := newQuoteCache(8)
	q.remember(&milky.TypedEvent{Data: &milky.IncomingMessage{MessageScene: "group", PeerID: 100200, MessageSeq: ref.Seq, SenderID: 10003,
		GroupMember: &milky.GroupMember{Card: sub(50, 55)},
		Segments: []milky.IncomingSegment{
			{Type: milky.SegText, Data: milky.IncomingSegmentData{Text: sub(0, 300)}},
			{Type: milky.SegFile, Data: milky.IncomingSegmentData{FileID: sub(4, 8), FileHash: &hash}},
		}}})
	got, ok := quotedByID(q, ids, "group", 100200, 77)
	require.True(t, ok)
	require.Equal(t, sub(50, 55), got.SenderName)
	require.Equal(t, sub(0, 300), got.Segments[0].Data.Text)
	require.Equal(t, hash, *got.Segments[1].Data.FileHash)
	lo := uintptr(unsafe.Pointer(unsafe.StringData(frame)))
	hi := lo + uintptr(len(frame))
	for _, s := range []string{got.SenderName, got.Segments[0].Data.Text, got.Segments[1].Data.FileID, *got.Segments[1].Data.FileHash} {
		p := uintptr(unsafe.Pointer(unsafe.StringData(s)))
		require.False(t, p >= lo && p < hi, "%q still in the frame", s)
	}
}

// The byte bound forgets the oldest quotes first and always keeps the
// newest; the count bound still applies.
func TestQuoteCacheByteBound(t *testing.T) {
	ids := idstore.NewMemory(idstore.Options{})
	q := newQuoteCache(4)
	q.maxBytes = 1000
	put := func(_ int64, id int32, text string) {
		ref := ids.RefForUpstream("group", 1, id, 0)
		q.remember(&milky.TypedEvent{Data: &milky.IncomingMessage{MessageScene: "group", PeerID: 1, MessageSeq: ref.Seq,
			Segments: []milky.IncomingSegment{{Type: milky.SegText, Data: milky.IncomingSegmentData{Text: text}}}}})
	}
	has := func(id int32) bool { _, ok := quotedByID(q, ids, "group", 1, id); return ok }
	put(1, 11, strings.Repeat("a", 400))
	put(2, 12, strings.Repeat("b", 400))
	require.True(t, has(11) && has(12))
	put(3, 13, strings.Repeat("c", 400)) // over 1000 bytes: 11 goes
	require.False(t, has(11))
	require.True(t, has(12) && has(13))
	put(4, 14, strings.Repeat("d", 5000)) // larger than the bound: kept alone
	require.False(t, has(12) || has(13))
	require.True(t, has(14))
	require.Equal(t, 1, q.n)
	q.maxBytes = 1 << 20
	for i := int64(5); i < 12; i++ {
		put(i, int32(10+i), "x")
	}
	require.Equal(t, 4, q.n)
	require.Equal(t, 4, q.byKey.len())
	for i := int64(8); i < 12; i++ {
		require.True(t, has(int32(10+i)))
	}
	sum := 0
	for _, s := range q.byKey.slots {
		if s.tag != 0 {
			sum += int(q.ring[s.tag>>2].r.n)
		}
	}
	require.Equal(t, sum, q.bytes)
}

// Quotes spread over many chunks, and one larger than a chunk's quarter,
// stay readable across collections (a chunk is unmapped only when no entry
// refers to it).
func TestQuoteCacheChunks(t *testing.T) {
	ids := idstore.NewMemory(idstore.Options{})
	q := newQuoteCache(1000)
	text := func(id int32) string {
		if id == 1500 {
			return strings.Repeat("L", quoteChunkSize)
		}
		return strings.Repeat(string(rune('a'+id%26)), 300+int(id%200))
	}
	for id := int32(1); id <= 2000; id++ {
		ref := ids.RefForUpstream("group", 7, id, 0)
		q.remember(&milky.TypedEvent{Data: &milky.IncomingMessage{MessageScene: "group", PeerID: 7, MessageSeq: ref.Seq, SenderID: int64(id),
			Segments: []milky.IncomingSegment{{Type: milky.SegText, Data: milky.IncomingSegmentData{Text: text(id)}}}}})
		if id%500 == 0 {
			runtime.GC()
		}
	}
	runtime.GC()
	runtime.GC()
	for id := int32(1); id <= 2000; id++ {
		got, ok := quotedByID(q, ids, "group", 7, id)
		require.Equal(t, id > 1000, ok, "id %d", id)
		if ok {
			require.Equal(t, int64(id), got.SenderID)
			require.Equal(t, text(id), got.Segments[0].Data.Text)
		}
	}
}
