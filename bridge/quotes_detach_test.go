package bridge

import (
	"strings"
	"testing"
	"unsafe"

	"github.com/stretchr/testify/require"

	"github.com/qqbridge/gateway/milky"
)

// detach keeps every string's contents and leaves none pointing into the
// frame they were sliced from.
func TestDetachQuoteStrings(t *testing.T) {
	frame := strings.Repeat("0123456789", 100)
	sub := func(a, b int) string { return frame[a:b] }
	hash, sender := sub(5, 9), sub(10, 14)
	segs := []milky.IncomingSegment{
		{Type: milky.SegText, Data: milky.IncomingSegmentData{Text: sub(0, 300)}},
		{Type: milky.SegImage, Data: milky.IncomingSegmentData{ResourceID: sub(1, 7), TempURL: sub(2, 90), Summary: sub(3, 5), SubType: milky.ImageNormal}},
		{Type: milky.SegFile, Data: milky.IncomingSegmentData{FileID: sub(4, 8), FileName: sub(9, 20), FileHash: &hash}},
		{Type: milky.SegReply, Data: milky.IncomingSegmentData{SenderName: &sender}},
		{Type: milky.SegForward, Data: milky.IncomingSegmentData{Preview: []string{sub(30, 40), ""}}},
	}
	want := make([]string, 0)
	collect := func(segs []milky.IncomingSegment) []string {
		var out []string
		for i := range segs {
			for _, p := range appendStrings(nil, &segs[i].Data) {
				out = append(out, *p)
			}
		}
		return out
	}
	want = append(want, collect(segs)...)
	name := detach(segs, sub(50, 55))
	require.Equal(t, sub(50, 55), name)
	require.Equal(t, want, collect(segs))
	lo := uintptr(unsafe.Pointer(unsafe.StringData(frame)))
	hi := lo + uintptr(len(frame))
	inFrame := func(s string) bool {
		p := uintptr(unsafe.Pointer(unsafe.StringData(s)))
		return p >= lo && p < hi
	}
	require.False(t, inFrame(name))
	for i := range segs {
		for _, p := range appendStrings(nil, &segs[i].Data) {
			require.False(t, inFrame(*p), "%q still in the frame", *p)
		}
	}
}
