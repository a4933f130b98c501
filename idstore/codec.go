package idstore

import (
	"encoding/binary"
	"errors"
	"fmt"
	"hash/crc32"

	"github.com/qqbridge/gateway/idmap"
)

// File layout (all integers big-endian):
//
//	header : magic "qbidlog\x00"(8) version(4) crc32c(4) of the first 12 bytes
//	record : kind(1) code(1) payload_len(2) id(4) peer(8) seq(8) at(8)
//	         payload(payload_len) crc32c(4) of everything before it
//
// kind is an idmap.RecordKind; code is the scene code (idmap.SceneCode) of
// message records or the flag kind code (idmap.FlagKindCode) of flag
// records; the payload is the flag of a RecordFlag and empty otherwise. A
// message mapping is therefore one fixed 36-byte record.
const (
	headerSize    = 16
	fileVersion   = 1
	recHeaderSize = 32
	crcSize       = 4
	// RecordSize is the size of one message mapping on disk.
	RecordSize   = recHeaderSize + crcSize
	maxRecordLen = recHeaderSize + idmap.MaxFlagLen + crcSize
)

var (
	fileMagic  = [8]byte{'q', 'b', 'i', 'd', 'l', 'o', 'g', 0}
	castagnoli = crc32.MakeTable(crc32.Castagnoli)

	// errShort: the bytes end inside a record (a torn write).
	errShort = errors.New("idstore: record cut short")
	// errCorrupt: the bytes are not a record this package wrote.
	errCorrupt = errors.New("idstore: corrupt record")
)

func appendHeader(b []byte) []byte {
	b = append(b, fileMagic[:]...)
	b = binary.BigEndian.AppendUint32(b, fileVersion)
	return binary.BigEndian.AppendUint32(b, crc32.Checksum(b[len(b)-12:], castagnoli))
}

// checkHeader validates a file header; h must hold headerSize bytes.
func checkHeader(h []byte) error {
	if [8]byte(h[:8]) != fileMagic {
		return errors.New("not an id log (bad magic)")
	}
	if crc32.Checksum(h[:12], castagnoli) != binary.BigEndian.Uint32(h[12:16]) {
		return errors.New("id log header checksum mismatch")
	}
	if v := binary.BigEndian.Uint32(h[8:12]); v != fileVersion {
		return fmt.Errorf("unsupported id log version %d (this build reads %d)", v, fileVersion)
	}
	return nil
}

// appendRecord encodes r. The caller has checked r (it comes from an
// idmap.Memory, which journals only what it can Load back).
func appendRecord(b []byte, r *idmap.Record) []byte {
	start := len(b)
	var code uint8
	var payload string
	switch r.Kind {
	case idmap.RecordFlag, idmap.RecordFlagSeq:
		code, _ = idmap.FlagKindCode(r.FlagKind)
		payload = r.Flag
	default:
		code, _ = idmap.SceneCode(r.Scene)
	}
	b = append(b, byte(r.Kind), code)
	b = binary.BigEndian.AppendUint16(b, uint16(len(payload)))
	b = binary.BigEndian.AppendUint32(b, uint32(r.ID))
	b = binary.BigEndian.AppendUint64(b, uint64(r.Peer))
	b = binary.BigEndian.AppendUint64(b, uint64(r.Seq))
	b = binary.BigEndian.AppendUint64(b, uint64(r.At))
	b = append(b, payload...)
	return binary.BigEndian.AppendUint32(b, crc32.Checksum(b[start:], castagnoli))
}

// recordLen returns the full length of the record starting with the
// recHeaderSize bytes h, or errCorrupt for a header no writer produces.
func recordLen(h []byte) (int, error) {
	n := int(binary.BigEndian.Uint16(h[2:4]))
	switch idmap.RecordKind(h[0]) {
	case idmap.RecordID, idmap.RecordUpstream, idmap.RecordConvSeq, idmap.RecordFlagSeq:
		if n != 0 {
			return 0, errCorrupt
		}
	case idmap.RecordFlag:
		if n > idmap.MaxFlagLen {
			return 0, errCorrupt
		}
	default:
		return 0, errCorrupt
	}
	return recHeaderSize + n + crcSize, nil
}

// decodeRecord decodes the record at the start of b into r and returns its
// length: errShort when b ends inside it, errCorrupt when it fails its
// checksum or names an unknown kind, scene or flag kind. Flags are copied
// out of b.
func decodeRecord(b []byte, r *idmap.Record) (int, error) {
	if len(b) < recHeaderSize {
		return 0, errShort
	}
	n, err := recordLen(b)
	if err != nil {
		return 0, err
	}
	if len(b) < n {
		return 0, errShort
	}
	if crc32.Checksum(b[:n-crcSize], castagnoli) != binary.BigEndian.Uint32(b[n-crcSize:n]) {
		return 0, errCorrupt
	}
	*r = idmap.Record{
		Kind: idmap.RecordKind(b[0]),
		ID:   int32(binary.BigEndian.Uint32(b[4:8])),
		Peer: int64(binary.BigEndian.Uint64(b[8:16])),
		Seq:  int64(binary.BigEndian.Uint64(b[16:24])),
		At:   int64(binary.BigEndian.Uint64(b[24:32])),
	}
	var ok bool
	switch r.Kind {
	case idmap.RecordFlag, idmap.RecordFlagSeq:
		r.FlagKind, ok = idmap.FlagKindName(b[1])
		r.Flag = string(b[recHeaderSize : n-crcSize])
	default:
		r.Scene, ok = idmap.SceneName(b[1])
	}
	if !ok {
		return 0, errCorrupt
	}
	return n, nil
}

func crc32c(b []byte) uint32 { return crc32.Checksum(b, castagnoli) }
