package bridge

import (
	"encoding/binary"
	"errors"

	"github.com/qqbridge/gateway/milky"
	"github.com/qqbridge/gateway/segment"
)

// The quote cache's encoding of a segment.Quoted: varints and
// length-prefixed strings, no field names, empty fields absent.
//
//	quote   = svarint(SenderID) svarint(Time) str(SenderName) segs
//	segs    = uvarint(0) for a nil slice, else uvarint(n+1) n*seg
//	seg     = str(Type) uvarint(mask) fields
//	str     = uvarint(len) bytes
//
// mask bit i says that field i of the table below is present (non-zero,
// or non-nil for the pointers and slices, so nil and empty stay distinct);
// the fields follow in bit order. Bit 4 (IsLarge) has no payload.
// TestQuoteCodecCoversEveryField fails when IncomingSegmentData gains a
// field the table does not name.
const (
	qText = 1 << iota
	qUserID
	qName
	qFaceID
	qIsLarge
	qMessageSeq
	qSenderID
	qSenderName
	qTime
	qSegments
	qResourceID
	qTempURL
	qWidth
	qHeight
	qSummary
	qSubType
	qDuration
	qFileID
	qFileName
	qFileSize
	qFileHash
	qForwardID
	qTitle
	qPreview
	qEmojiPackageID
	qEmojiID
	qKey
	qURL
	qAppName
	qJSONPayload
	qServiceID
	qXMLPayload
	qFieldCount = iota
)

func quoteEncode(b []byte, q segment.Quoted) []byte {
	b = binary.AppendVarint(b, q.SenderID)
	b = binary.AppendVarint(b, q.Time)
	b = appendStr(b, q.SenderName)
	return appendSegs(b, q.Segments)
}

func appendStr(b []byte, s string) []byte {
	b = binary.AppendUvarint(b, uint64(len(s)))
	return append(b, s...)
}

func appendSegs(b []byte, segs []milky.IncomingSegment) []byte {
	if segs == nil {
		return append(b, 0)
	}
	b = binary.AppendUvarint(b, uint64(len(segs))+1)
	for i := range segs {
		b = appendStr(b, segs[i].Type)
		b = appendData(b, &segs[i].Data)
	}
	return b
}

func appendData(b []byte, d *milky.IncomingSegmentData) []byte {
	var m uint64
	set := func(bit uint64, on bool) {
		if on {
			m |= bit
		}
	}
	set(qText, d.Text != "")
	set(qUserID, d.UserID != 0)
	set(qName, d.Name != "")
	set(qFaceID, d.FaceID != "")
	set(qIsLarge, d.IsLarge)
	set(qMessageSeq, d.MessageSeq != 0)
	set(qSenderID, d.SenderID != 0)
	set(qSenderName, d.SenderName != nil)
	set(qTime, d.Time != 0)
	set(qSegments, d.Segments != nil)
	set(qResourceID, d.ResourceID != "")
	set(qTempURL, d.TempURL != "")
	set(qWidth, d.Width != 0)
	set(qHeight, d.Height != 0)
	set(qSummary, d.Summary != "")
	set(qSubType, d.SubType != "")
	set(qDuration, d.Duration != 0)
	set(qFileID, d.FileID != "")
	set(qFileName, d.FileName != "")
	set(qFileSize, d.FileSize != 0)
	set(qFileHash, d.FileHash != nil)
	set(qForwardID, d.ForwardID != "")
	set(qTitle, d.Title != "")
	set(qPreview, d.Preview != nil)
	set(qEmojiPackageID, d.EmojiPackageID != 0)
	set(qEmojiID, d.EmojiID != "")
	set(qKey, d.Key != "")
	set(qURL, d.URL != "")
	set(qAppName, d.AppName != "")
	set(qJSONPayload, d.JSONPayload != "")
	set(qServiceID, d.ServiceID != 0)
	set(qXMLPayload, d.XMLPayload != "")
	b = binary.AppendUvarint(b, m)
	str := func(bit uint64, s string) {
		if m&bit != 0 {
			b = appendStr(b, s)
		}
	}
	num := func(bit uint64, v int64) {
		if m&bit != 0 {
			b = binary.AppendVarint(b, v)
		}
	}
	str(qText, d.Text)
	num(qUserID, d.UserID)
	str(qName, d.Name)
	str(qFaceID, d.FaceID)
	num(qMessageSeq, d.MessageSeq)
	num(qSenderID, d.SenderID)
	if d.SenderName != nil {
		b = appendStr(b, *d.SenderName)
	}
	num(qTime, d.Time)
	if d.Segments != nil {
		b = appendSegs(b, d.Segments)
	}
	str(qResourceID, d.ResourceID)
	str(qTempURL, d.TempURL)
	num(qWidth, int64(d.Width))
	num(qHeight, int64(d.Height))
	str(qSummary, d.Summary)
	str(qSubType, d.SubType)
	num(qDuration, int64(d.Duration))
	str(qFileID, d.FileID)
	str(qFileName, d.FileName)
	num(qFileSize, d.FileSize)
	if d.FileHash != nil {
		b = appendStr(b, *d.FileHash)
	}
	str(qForwardID, d.ForwardID)
	str(qTitle, d.Title)
	if d.Preview != nil {
		b = binary.AppendUvarint(b, uint64(len(d.Preview)))
		for _, p := range d.Preview {
			b = appendStr(b, p)
		}
	}
	num(qEmojiPackageID, int64(d.EmojiPackageID))
	str(qEmojiID, d.EmojiID)
	str(qKey, d.Key)
	str(qURL, d.URL)
	str(qAppName, d.AppName)
	str(qJSONPayload, d.JSONPayload)
	num(qServiceID, int64(d.ServiceID))
	str(qXMLPayload, d.XMLPayload)
	return b
}

var errQuoteCorrupt = errors.New("bridge: corrupt quote encoding")

// quoteReader decodes from an immutable string: the strings it returns
// are slices of it (no copy).
type quoteReader struct {
	s   string
	off int
	err error
}

func (r *quoteReader) uvarint() uint64 {
	var v uint64
	for shift := uint(0); shift < 64; shift += 7 {
		if r.off >= len(r.s) {
			break
		}
		c := r.s[r.off]
		r.off++
		v |= uint64(c&0x7f) << shift
		if c < 0x80 {
			return v
		}
	}
	r.err = errQuoteCorrupt
	return 0
}

func (r *quoteReader) varint() int64 {
	u := r.uvarint()
	v := int64(u >> 1)
	if u&1 != 0 {
		v = ^v
	}
	return v
}

func (r *quoteReader) str() string {
	n := r.uvarint()
	if r.err != nil || n > uint64(len(r.s)-r.off) {
		r.err = errQuoteCorrupt
		return ""
	}
	s := r.s[r.off : r.off+int(n)]
	r.off += int(n)
	return s
}

func quoteDecode(s string) (segment.Quoted, error) {
	r := quoteReader{s: s}
	var q segment.Quoted
	q.SenderID = r.varint()
	q.Time = r.varint()
	q.SenderName = r.str()
	q.Segments = r.segs()
	if r.err == nil && r.off != len(s) {
		r.err = errQuoteCorrupt
	}
	if r.err != nil {
		return segment.Quoted{}, r.err
	}
	return q, nil
}

func (r *quoteReader) segs() []milky.IncomingSegment {
	n := r.uvarint()
	if n == 0 || r.err != nil {
		return nil
	}
	n--
	if n > uint64(len(r.s)-r.off) { // each segment takes at least 2 bytes
		r.err = errQuoteCorrupt
		return nil
	}
	out := make([]milky.IncomingSegment, n)
	for i := range out {
		out[i].Type = r.str()
		r.data(&out[i].Data)
		if r.err != nil {
			return nil
		}
	}
	return out
}

func (r *quoteReader) data(d *milky.IncomingSegmentData) {
	m := r.uvarint()
	str := func(bit uint64, p *string) {
		if m&bit != 0 {
			*p = r.str()
		}
	}
	num := func(bit uint64) int64 {
		if m&bit != 0 {
			return r.varint()
		}
		return 0
	}
	str(qText, &d.Text)
	d.UserID = num(qUserID)
	str(qName, &d.Name)
	str(qFaceID, &d.FaceID)
	d.IsLarge = m&qIsLarge != 0
	d.MessageSeq = num(qMessageSeq)
	d.SenderID = num(qSenderID)
	if m&qSenderName != 0 {
		s := r.str()
		d.SenderName = &s
	}
	d.Time = num(qTime)
	if m&qSegments != 0 {
		d.Segments = r.segs()
		if d.Segments == nil {
			d.Segments = []milky.IncomingSegment{} // the bit marks a non-nil slice
		}
	}
	str(qResourceID, &d.ResourceID)
	str(qTempURL, &d.TempURL)
	d.Width = int32(num(qWidth))
	d.Height = int32(num(qHeight))
	str(qSummary, &d.Summary)
	str(qSubType, &d.SubType)
	d.Duration = int32(num(qDuration))
	str(qFileID, &d.FileID)
	str(qFileName, &d.FileName)
	d.FileSize = num(qFileSize)
	if m&qFileHash != 0 {
		s := r.str()
		d.FileHash = &s
	}
	str(qForwardID, &d.ForwardID)
	str(qTitle, &d.Title)
	if m&qPreview != 0 {
		n := r.uvarint()
		if r.err != nil || n > uint64(len(r.s)-r.off) {
			r.err = errQuoteCorrupt
			return
		}
		d.Preview = make([]string, n)
		for i := range d.Preview {
			d.Preview[i] = r.str()
		}
	}
	d.EmojiPackageID = int32(num(qEmojiPackageID))
	str(qEmojiID, &d.EmojiID)
	str(qKey, &d.Key)
	str(qURL, &d.URL)
	str(qAppName, &d.AppName)
	str(qJSONPayload, &d.JSONPayload)
	d.ServiceID = int32(num(qServiceID))
	str(qXMLPayload, &d.XMLPayload)
}
