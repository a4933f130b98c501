package idstore

import (
	"encoding/binary"
	"errors"
	"fmt"
	"strings"
)

// On-disk layout (schema 1), all integers big-endian:
//
//	by_id  : id(4)               -> seq(8) at(8) peer(8) msgseq(8) scene
//	by_ref : peer(8) msgseq(8) scene -> id(4)
//	by_age : seq(8)              -> id(4) at(8)    (retention order)
//	meta   : "schema" -> "1", "count" -> live entries(8)
var (
	bucketByID  = []byte("by_id")
	bucketByRef = []byte("by_ref")
	bucketByAge = []byte("by_age")
	bucketMeta  = []byte("meta")

	metaSchema = []byte("schema")
	metaCount  = []byte("count")
)

const schemaVersion = "1"

var errCorrupt = errors.New("idstore: corrupt record")

func idKey(id int32) []byte {
	return binary.BigEndian.AppendUint32(make([]byte, 0, 4), uint32(id))
}

func seqKey(seq uint64) []byte {
	return binary.BigEndian.AppendUint64(make([]byte, 0, 8), seq)
}

func refKey(r Ref) []byte {
	b := make([]byte, 0, 16+len(r.Scene))
	b = binary.BigEndian.AppendUint64(b, uint64(r.Peer))
	b = binary.BigEndian.AppendUint64(b, uint64(r.Seq))
	return append(b, r.Scene...)
}

func encodeRecord(e *entry) []byte {
	b := make([]byte, 0, 32+len(e.ref.Scene))
	b = binary.BigEndian.AppendUint64(b, e.seq)
	b = binary.BigEndian.AppendUint64(b, uint64(e.at))
	b = binary.BigEndian.AppendUint64(b, uint64(e.ref.Peer))
	b = binary.BigEndian.AppendUint64(b, uint64(e.ref.Seq))
	return append(b, e.ref.Scene...)
}

// decodeRecord copies everything it needs out of v (bbolt memory is only
// valid inside the transaction).
func decodeRecord(id int32, v []byte) (*entry, error) {
	if len(v) < 32 {
		return nil, fmt.Errorf("%w: by_id %d has %d bytes", errCorrupt, id, len(v))
	}
	return &entry{
		id:  id,
		seq: binary.BigEndian.Uint64(v[0:8]),
		at:  int64(binary.BigEndian.Uint64(v[8:16])),
		ref: Ref{
			Peer:  int64(binary.BigEndian.Uint64(v[16:24])),
			Seq:   int64(binary.BigEndian.Uint64(v[24:32])),
			Scene: internScene(v[32:]),
		},
	}, nil
}

// recordRefKey is the by_ref key of a by_id record (its tail), copied.
func recordRefKey(v []byte) []byte {
	return append([]byte(nil), v[16:]...)
}

func recordSeq(v []byte) uint64 { return binary.BigEndian.Uint64(v[0:8]) }

func encodeAge(e *entry) []byte {
	b := make([]byte, 0, 12)
	b = binary.BigEndian.AppendUint32(b, uint32(e.id))
	return binary.BigEndian.AppendUint64(b, uint64(e.at))
}

// internScene avoids one string allocation per decoded record for the
// scenes that actually occur.
func internScene(b []byte) string {
	switch string(b) {
	case SceneGroup:
		return SceneGroup
	case SceneFriend:
		return SceneFriend
	case SceneTemp:
		return SceneTemp
	}
	return string(b)
}

// ownScene returns a scene string that shares no memory with its caller's
// buffers. Callers decode events without copying strings, so a Ref's Scene
// may point into a whole event payload; kept in the maps for as long as the
// id lives, it would pin that payload (about 1.5 KB per message).
func ownScene(s string) string {
	switch s {
	case SceneGroup:
		return SceneGroup
	case SceneFriend:
		return SceneFriend
	case SceneTemp:
		return SceneTemp
	}
	return strings.Clone(s)
}

func decodeUint32(b []byte) uint32 { return binary.BigEndian.Uint32(b) }
func decodeUint64(b []byte) uint64 { return binary.BigEndian.Uint64(b) }
