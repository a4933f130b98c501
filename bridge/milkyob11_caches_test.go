package bridge

import (
	"context"
	"errors"
	"io"
	"log/slog"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/qqbridge/gateway/idmap"
	"github.com/qqbridge/gateway/idstore"
	"github.com/qqbridge/gateway/milky"
	"github.com/qqbridge/gateway/segment"
)

// The reverse direction's caches read the events eventmap/milkyob11 emits,
// whose payloads are pointers: both must recognise them (regressions: the
// quote cache and the directory's member eviction never matched).

func TestQuoteCacheRemembersPointerPayloads(t *testing.T) {
	ids := idstore.NewMemory(idstore.Options{})
	ref := ids.RefForUpstream("group", 100200, 4242, 0)
	q := newQuoteCache(2)
	msg := &milky.IncomingMessage{MessageScene: "group", PeerID: 100200, MessageSeq: ref.Seq, SenderID: 123456,
		Time: 99, Segments: []milky.IncomingSegment{{Type: milky.SegText, Data: milky.IncomingSegmentData{Text: "hi"}}},
		GroupMember: &milky.GroupMember{Nickname: "nick", Card: "card"}}
	q.remember(&milky.TypedEvent{Data: msg})
	got, ok := quotedByID(q, ids, "group", 100200, 4242)
	require.True(t, ok)
	require.Equal(t, int64(123456), got.SenderID)
	require.Equal(t, "card", got.SenderName)
	require.Equal(t, int64(99), got.Time)

	// Values work too, and the cache stays bounded (oldest out).
	for i, id := range []int32{5001, 5002} {
		r := ids.RefForUpstream("group", 100200, id, 0)
		q.remember(&milky.TypedEvent{Data: milky.IncomingMessage{MessageScene: "group", PeerID: 100200, MessageSeq: r.Seq, SenderID: int64(200000 + i)}})
	}
	_, ok = quotedByID(q, ids, "group", 100200, 4242)
	require.False(t, ok, "evicted")
	got, ok = quotedByID(q, ids, "group", 100200, 5002)
	require.True(t, ok)
	require.Equal(t, int64(200001), got.SenderID)
}

func TestDirectoryForgetsMembersWhoLeft(t *testing.T) {
	failing := func(context.Context, string, []byte) (any, error) { return nil, errors.New("offline") }
	d := newDirectory(failing, slog.New(slog.NewTextHandler(io.Discard, nil)))
	defer d.stop()
	d.PutGroupMember(milky.GroupMember{GroupID: 300400, UserID: 123456, Nickname: "gone soon"})
	_, ok := d.Cache.GroupMember(300400, 123456)
	require.True(t, ok)
	d.observe(&milky.TypedEvent{Data: &milky.GroupMemberDecreaseData{GroupID: 300400, UserID: 123456}})
	_, ok = d.Cache.GroupMember(300400, 123456)
	require.False(t, ok, "a member who left is forgotten")
}

// A reply chain does not nest: the quote of a reply keeps the inner reply's
// seq but not the content it quoted.
func TestQuoteCacheDoesNotNestReplyChains(t *testing.T) {
	ids := idstore.NewMemory(idstore.Options{})
	q := newQuoteCache(8)
	inner := []milky.IncomingSegment{{Type: milky.SegText, Data: milky.IncomingSegmentData{Text: "first"}}}
	segs := []milky.IncomingSegment{
		{Type: milky.SegReply, Data: milky.IncomingSegmentData{MessageSeq: 1, SenderID: 10002, Segments: inner}},
		{Type: milky.SegText, Data: milky.IncomingSegmentData{Text: "second"}},
	}
	ref := ids.RefForUpstream("group", 100200, 77, 0)
	q.remember(&milky.TypedEvent{Data: &milky.IncomingMessage{MessageScene: "group", PeerID: 100200, MessageSeq: ref.Seq, SenderID: 10003, Segments: segs}})
	got, ok := quotedByID(q, ids, "group", 100200, 77)
	require.True(t, ok)
	require.Len(t, got.Segments, 2)
	require.Equal(t, int64(1), got.Segments[0].Data.MessageSeq)
	require.Empty(t, got.Segments[0].Data.Segments, "the inner quote's content is dropped")
	require.Equal(t, "second", got.Segments[1].Data.Text)
	require.Len(t, segs[0].Data.Segments, 1, "the delivered event is not modified")
}

// quotedByID is what a reply segment's converter asks the cache: the
// quoted upstream id and the seq it maps to (known here: no new mapping).
func quotedByID(q *quoteCache, ids idmap.SeqMapper, scene string, peer int64, id int32) (segment.Quoted, bool) {
	return q.Quoted(scene, peer, id, ids.RefForUpstream(scene, peer, id, 0).Seq)
}
