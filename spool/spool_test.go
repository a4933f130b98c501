package spool

import (
	"fmt"
	"os"
	"path/filepath"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func rec(i int) []byte { return fmt.Appendf(nil, "event-%05d", i) } // 11 bytes

func drain(t *testing.T, s *Spool) []string {
	t.Helper()
	var out []string
	for s.Len() > 0 {
		b, err := s.Peek(nil, 7)
		require.NoError(t, err)
		require.NotEmpty(t, b)
		for _, r := range b {
			out = append(out, string(r))
		}
		require.NoError(t, s.Commit(len(b)))
	}
	return out
}

func want(from, to int) []string {
	var out []string
	for i := from; i < to; i++ {
		out = append(out, string(rec(i)))
	}
	return out
}

func TestOrderAcrossSegments(t *testing.T) {
	s, err := Open(t.TempDir(), Options{SegmentBytes: 100}) // ~5 records a segment
	require.NoError(t, err)
	defer s.Close()
	for i := range 50 {
		require.NoError(t, s.Append(rec(i)))
	}
	assert.Equal(t, 50, s.Len())
	assert.Equal(t, want(0, 50), drain(t, s))
	assert.Zero(t, s.Bytes(), "consumed segments are deleted, the last emptied")
	// Interleaved appends and commits keep order too.
	for i := range 30 {
		require.NoError(t, s.Append(rec(i)))
		if i%4 == 3 {
			b, err := s.Peek(nil, 2)
			require.NoError(t, err)
			require.NoError(t, s.Commit(len(b)))
		}
	}
	got := drain(t, s)
	assert.Equal(t, want(14, 30), got)
}

func TestPeekDoesNotConsume(t *testing.T) {
	s, err := Open(t.TempDir(), Options{})
	require.NoError(t, err)
	defer s.Close()
	for i := range 3 {
		require.NoError(t, s.Append(rec(i)))
	}
	a, _ := s.Peek(nil, 2)
	b, _ := s.Peek(nil, 3)
	assert.Equal(t, [][]byte{rec(0), rec(1)}, a)
	assert.Equal(t, [][]byte{rec(0), rec(1), rec(2)}, b)
	require.NoError(t, s.Commit(1))
	c, _ := s.Peek(nil, 5)
	assert.Equal(t, [][]byte{rec(1), rec(2)}, c)
}

func TestSurvivesRestart(t *testing.T) {
	dir := t.TempDir()
	s, err := Open(dir, Options{SegmentBytes: 64})
	require.NoError(t, err)
	for i := range 20 {
		require.NoError(t, s.Append(rec(i)))
	}
	b, _ := s.Peek(nil, 8)
	require.NoError(t, s.Commit(len(b)))
	require.NoError(t, s.Close())

	s, err = Open(dir, Options{SegmentBytes: 64})
	require.NoError(t, err)
	assert.Equal(t, 12, s.Len(), "the cursor survived")
	require.NoError(t, s.Append(rec(20)))
	assert.Equal(t, want(8, 21), drain(t, s), "older records first, then newer")
	require.NoError(t, s.Close())

	s, err = Open(dir, Options{SegmentBytes: 64})
	require.NoError(t, err)
	defer s.Close()
	assert.Zero(t, s.Len())
}

func TestBound(t *testing.T) {
	s, err := Open(t.TempDir(), Options{MaxBytes: 5 * 19, SegmentBytes: 40}) // 19 bytes a record
	require.NoError(t, err)
	defer s.Close()
	for i := range 5 {
		require.NoError(t, s.Append(rec(i)))
	}
	assert.ErrorIs(t, s.Append(rec(5)), ErrFull)
	assert.Equal(t, int64(95), s.Bytes())
	b, _ := s.Peek(nil, 2)
	require.NoError(t, s.Commit(len(b)))
	require.NoError(t, s.Append(rec(5)), "room again once a consumed segment went")
	assert.Equal(t, append(want(2, 5), string(rec(5))), drain(t, s))
	assert.ErrorIs(t, s.Append(make([]byte, MaxRecord+1)), ErrTooLarge)
}

// closedWith3 writes records 0, 1, 2 to a fresh spool and closes it, for
// tests that damage its files; it returns the directory and segment files.
func closedWith3(t *testing.T) (dir string, segs []string) {
	t.Helper()
	dir = t.TempDir()
	s, err := Open(dir, Options{})
	require.NoError(t, err)
	for i := range 3 {
		require.NoError(t, s.Append(rec(i)))
	}
	require.NoError(t, s.Close())
	segs, _ = filepath.Glob(filepath.Join(dir, "*.seg"))
	return dir, segs
}

func TestTornTailIsCut(t *testing.T) {
	dir, segs := closedWith3(t)
	require.Len(t, segs, 1)
	f, err := os.OpenFile(segs[0], os.O_WRONLY|os.O_APPEND, 0)
	require.NoError(t, err)
	_, err = f.Write([]byte{0, 0, 0, 11, 1, 2, 3, 4, 'e', 'v'}) // a record cut short by a crash
	require.NoError(t, err)
	require.NoError(t, f.Close())

	s, err := Open(dir, Options{})
	require.NoError(t, err)
	defer s.Close()
	assert.Equal(t, 3, s.Len())
	require.NoError(t, s.Append(rec(3)), "appends go after the cut, not after the garbage")
	assert.Equal(t, want(0, 4), drain(t, s))
}

func TestCorruptRecordEndsSegment(t *testing.T) {
	dir, segs := closedWith3(t)
	b, err := os.ReadFile(segs[0])
	require.NoError(t, err)
	b[19+8] ^= 0xff // flip a payload byte of the second record
	require.NoError(t, os.WriteFile(segs[0], b, 0o600))
	s, err := Open(dir, Options{})
	require.NoError(t, err)
	defer s.Close()
	assert.Equal(t, want(0, 1), drain(t, s))
}

func FuzzOpenGarbage(f *testing.F) {
	f.Add([]byte{0, 0, 0, 1, 0, 0, 0, 0, 'x'})
	f.Add([]byte{0xff, 0xff, 0xff, 0xff})
	f.Fuzz(func(t *testing.T, data []byte) {
		dir := t.TempDir()
		require.NoError(t, os.WriteFile(filepath.Join(dir, fmt.Sprintf("%020d.seg", 0)), data, 0o600))
		s, err := Open(dir, Options{})
		if err != nil {
			return
		}
		defer s.Close()
		for s.Len() > 0 {
			b, err := s.Peek(nil, 10)
			if err != nil || len(b) == 0 {
				t.Fatalf("Len %d but Peek %d, %v", s.Len(), len(b), err)
			}
			_ = s.Commit(len(b))
		}
	})
}

func TestPrependGoesFirstAndSurvivesRestart(t *testing.T) {
	dir := t.TempDir()
	s, err := Open(dir, Options{SegmentBytes: 64})
	require.NoError(t, err)
	for i := 10; i < 20; i++ {
		require.NoError(t, s.Append(rec(i)))
	}
	b, _ := s.Peek(nil, 2) // 10, 11 delivered: the head segment is partly consumed
	require.NoError(t, s.Commit(len(b)))
	n, err := s.Prepend([][]byte{rec(0), rec(1), rec(2)})
	require.NoError(t, err)
	assert.Equal(t, 3, n)
	assert.Equal(t, 11, s.Len())
	require.NoError(t, s.Close())

	s, err = Open(dir, Options{SegmentBytes: 64})
	require.NoError(t, err)
	require.NoError(t, s.Append(rec(20)))
	got := drain(t, s)
	assert.Equal(t, append(want(0, 3), want(12, 21)...), got)
	require.NoError(t, s.Close())
}

func TestPrependKeepsTheNewestThatFit(t *testing.T) {
	s, err := Open(t.TempDir(), Options{MaxBytes: 3 * 19})
	require.NoError(t, err)
	defer s.Close()
	require.NoError(t, s.Append(rec(9)))
	n, err := s.Prepend([][]byte{rec(0), rec(1), rec(2)})
	require.NoError(t, err)
	assert.Equal(t, 2, n, "room for two: the oldest is refused")
	assert.Equal(t, []string{string(rec(1)), string(rec(2)), string(rec(9))}, drain(t, s))
}
