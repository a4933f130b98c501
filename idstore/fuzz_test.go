package idstore

import (
	"bytes"
	"errors"
	"os"
	"path/filepath"
	"testing"

	"github.com/qqbridge/gateway/idmap"
)

func seedRecords() [][]byte {
	recs := []idmap.Record{
		{Kind: idmap.RecordID, Scene: idmap.SceneGroup, Peer: 123, Seq: 4, ID: 99, At: 1},
		{Kind: idmap.RecordUpstream, Scene: idmap.SceneFriend, Peer: -1, Seq: 1, ID: -5, At: 2},
		{Kind: idmap.RecordConvSeq, Scene: idmap.SceneTemp, Peer: 7, Seq: 1 << 40},
		{Kind: idmap.RecordFlag, FlagKind: idmap.FlagInvitation, Flag: "flag\x00ü", Seq: 3, At: 3},
		{Kind: idmap.RecordFlagSeq, FlagKind: idmap.FlagFriendRequest, Seq: 8},
	}
	var out [][]byte
	for i := range recs {
		out = append(out, appendRecord(nil, &recs[i]))
	}
	return out
}

// The record decoder never panics, and whatever it accepts re-encodes to
// the same bytes.
func FuzzDecodeRecord(f *testing.F) {
	for _, b := range seedRecords() {
		f.Add(b)
		f.Add(b[:len(b)-1])
	}
	f.Add([]byte{})
	f.Add(bytes.Repeat([]byte{0xff}, 40))
	f.Fuzz(func(t *testing.T, b []byte) {
		var r idmap.Record
		n, err := decodeRecord(b, &r)
		if err != nil {
			if !errors.Is(err, errShort) && !errors.Is(err, errCorrupt) {
				t.Fatalf("unexpected error %v", err)
			}
			return
		}
		if got := appendRecord(nil, &r); !bytes.Equal(got, b[:n]) {
			t.Fatalf("re-encoded %x, read %x", got, b[:n])
		}
	})
}

// Opening arbitrary file bytes never panics: it fails with an error, or it
// yields a working store whose state a second open reproduces.
func FuzzOpen(f *testing.F) {
	valid := appendHeader(nil)
	for _, b := range seedRecords() {
		valid = append(valid, b...)
	}
	f.Add(valid)
	f.Add(valid[:len(valid)-3])
	f.Add(valid[:headerSize])
	f.Add(valid[:7])
	f.Add([]byte("not a log at all"))
	f.Add(append(append([]byte{}, valid[:headerSize]...), bytes.Repeat([]byte{1}, 64)...))
	f.Fuzz(func(t *testing.T, b []byte) {
		dir := t.TempDir()
		if err := os.WriteFile(filepath.Join(dir, FileName), b, 0o600); err != nil {
			t.Fatal(err)
		}
		s, err := Open(dir, quiet(Options{}))
		if err != nil {
			return
		}
		st := s.Stats()
		r := idmap.Ref{Scene: idmap.SceneGroup, Peer: 1, Seq: 1 << 50}
		id := s.IDFor(r)
		if err := s.Close(); err != nil {
			t.Fatal(err)
		}
		s2, err := Open(dir, quiet(Options{}))
		if err != nil {
			t.Fatalf("reopen: %v", err)
		}
		defer s2.Close()
		if got, ok := s2.RefFor(id); !ok || got != r {
			t.Fatalf("RefFor(%d) = %+v %v after reopen", id, got, ok)
		}
		if st2 := s2.Stats(); st2.Entries < st.Entries || st2.Flags != st.Flags {
			t.Fatalf("stats %+v then %+v", st, st2)
		}
	})
}
