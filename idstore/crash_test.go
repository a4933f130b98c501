package idstore

import (
	"bufio"
	"fmt"
	"math/rand/v2"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/qqbridge/gateway/idmap"
)

// Crash safety: what a SIGKILL leaves behind is exactly what write(2)
// handed the OS, and every id handed out was written before it was.

const (
	crashDirEnv   = "IDSTORE_CRASH_DIR"
	crashStartEnv = "IDSTORE_CRASH_START"
	crashMaxEnv   = "IDSTORE_CRASH_MAX"
)

// TestCrashChild is the victim process of TestKillNothingLost; it does
// nothing unless started by it. It maps new refs as fast as it can and
// prints each answer only after the call returned.
func TestCrashChild(t *testing.T) {
	dir := os.Getenv(crashDirEnv)
	if dir == "" {
		t.Skip("only run as the child of TestKillNothingLost")
	}
	start, _ := strconv.Atoi(os.Getenv(crashStartEnv))
	maxEntries, _ := strconv.Atoi(os.Getenv(crashMaxEnv))
	s, err := Open(dir, quiet(Options{MaxEntries: maxEntries, compactMin: 8 << 10, FlushInterval: time.Millisecond}))
	if err != nil {
		fmt.Println("open:", err)
		os.Exit(2)
	}
	out := os.Stdout // unbuffered, one write(2) per line: a line means "returned"
	for i := start; ; i++ {
		switch i % 3 {
		case 0, 1:
			id := s.IDFor(idmap.Ref{Scene: idmap.SceneGroup, Peer: 42, Seq: int64(i)})
			fmt.Fprintf(out, "%d id %d\n", i, id)
		case 2:
			r := s.RefForUpstream(idmap.SceneFriend, 7, int32(i), 0)
			fmt.Fprintf(out, "%d up %d\n", i, r.Seq)
		}
	}
}

type crashAnswer struct {
	i    int
	kind string
	val  int64
}

// TestKillNothingLost SIGKILLs a writing child process again and again at
// random moments (also during compactions, with a small MaxEntries), then
// checks that every answer it printed resolves after reopening: 0 broken.
func TestKillNothingLost(t *testing.T) {
	if testing.Short() {
		t.Skip("spawns processes")
	}
	for _, maxEntries := range []int{1 << 20, 2000} {
		t.Run(fmt.Sprint("max", maxEntries), func(t *testing.T) {
			dir := t.TempDir()
			rnd := rand.New(rand.NewPCG(uint64(maxEntries), 3))
			var answers []crashAnswer
			for kill := range 10 {
				answers = append(answers, runAndKill(t, dir, len(answers), maxEntries, 200+rnd.IntN(3000))...)
				_ = kill
			}
			s := openStore(t, dir, Options{MaxEntries: maxEntries})
			// Each kill may leave one mapping that was written but not
			// printed; it counts against MaxEntries too.
			keep := answers
			if window := maxEntries - 10; len(keep) > window {
				keep = keep[len(keep)-window:]
			}
			broken := 0
			for _, a := range keep {
				switch a.kind {
				case "id":
					got, ok := s.RefFor(int32(a.val))
					if !ok || got != (idmap.Ref{Scene: idmap.SceneGroup, Peer: 42, Seq: int64(a.i)}) {
						t.Logf("broken %+v: %+v %v", a, got, ok)
						broken++
					}
				case "up":
					id, ok := s.UpstreamID(idmap.Ref{Scene: idmap.SceneFriend, Peer: 7, Seq: a.val})
					if !ok || id != int32(a.i) {
						t.Logf("broken %+v: %d %v", a, id, ok)
						broken++
					}
				}
			}
			t.Logf("%d answers over 10 kills, %d checked, %d broken", len(answers), len(keep), broken)
			assert.Zero(t, broken)
		})
	}
}

func runAndKill(t *testing.T, dir string, start, maxEntries, after int) []crashAnswer {
	t.Helper()
	cmd := exec.Command(os.Args[0], "-test.run=^TestCrashChild$", "-test.count=1")
	cmd.Env = append(os.Environ(), crashDirEnv+"="+dir, crashStartEnv+"="+strconv.Itoa(start), crashMaxEnv+"="+strconv.Itoa(maxEntries))
	stdout, err := cmd.StdoutPipe()
	require.NoError(t, err)
	require.NoError(t, cmd.Start())
	sc := bufio.NewScanner(stdout)
	var got []crashAnswer
	killed := false
	for sc.Scan() {
		var a crashAnswer
		if _, err := fmt.Sscanf(sc.Text(), "%d %s %d", &a.i, &a.kind, &a.val); err != nil {
			continue // a test framework line, or the open error (reported below)
		}
		require.Equal(t, start+len(got), a.i, "answers in order")
		got = append(got, a)
		if len(got) == after && !killed {
			require.NoError(t, cmd.Process.Kill()) // SIGKILL
			killed = true
		}
	}
	_ = cmd.Wait()
	require.True(t, killed, "child stopped by itself after %d answers", len(got))
	return got
}

// Abandoning a Store without Close (the in-process view of a crash): a copy
// of its file as it is now holds every mapping handed out.
func TestAbandonedStoreLosesNothing(t *testing.T) {
	s := openStore(t, t.TempDir(), Options{})
	want := map[int32]idmap.Ref{}
	for i := range 3000 {
		r := idmap.Ref{Scene: idmap.SceneTemp, Peer: 9, Seq: int64(i)}
		want[s.IDFor(r)] = r
	}
	up := s.RefForUpstream(idmap.SceneGroup, 1, 5, 0)
	seq := s.SeqForFlag(idmap.FlagFriendRequest, "x")
	b, err := os.ReadFile(s.Path())
	require.NoError(t, err)
	dir := t.TempDir()
	require.NoError(t, os.WriteFile(filepath.Join(dir, FileName), b, 0o600))
	s2 := openStore(t, dir, Options{})
	for id, r := range want {
		got, ok := s2.RefFor(id)
		require.True(t, ok)
		require.Equal(t, r, got)
	}
	assert.Equal(t, up, s2.RefForUpstream(idmap.SceneGroup, 1, 5, 0))
	f, ok := s2.FlagForSeq(idmap.FlagFriendRequest, seq)
	assert.True(t, ok)
	assert.Equal(t, "x", f)
}

// writeRefs fills a store in dir with n refs, closes it and returns their ids.
func writeRefs(t *testing.T, dir string, n int) []int32 {
	t.Helper()
	s := openStore(t, dir, Options{})
	ids := make([]int32, n)
	for i := range ids {
		ids[i] = s.IDFor(idmap.Ref{Scene: idmap.SceneGroup, Peer: 1, Seq: int64(i)})
	}
	require.NoError(t, s.Close())
	return ids
}

// A write torn mid-record (the process died inside write(2), or the disk
// lost the end of the file) is cut off on open; everything before it
// stays, and new records go after it.
func TestTornTailTruncated(t *testing.T) {
	for _, cut := range []int{1, RecordSize / 2, RecordSize - 1} {
		t.Run(strconv.Itoa(cut), func(t *testing.T) {
			dir := t.TempDir()
			ids := writeRefs(t, dir, 100)
			path := filepath.Join(dir, FileName)
			full := fileSize(t, path)
			require.NoError(t, os.Truncate(path, full-int64(cut)))

			s := openStore(t, dir, Options{})
			assert.Equal(t, full-RecordSize, fileSize(t, path), "torn record removed")
			assert.Equal(t, 99, s.Stats().Entries)
			for i, id := range ids[:99] {
				got, ok := s.RefFor(id)
				require.True(t, ok)
				require.Equal(t, idmap.Ref{Scene: idmap.SceneGroup, Peer: 1, Seq: int64(i)}, got)
			}
			late := idmap.Ref{Scene: idmap.SceneFriend, Peer: 2, Seq: 2}
			lateID := s.IDFor(late)
			require.NoError(t, s.Close())
			s2 := openStore(t, dir, Options{})
			got, ok := s2.RefFor(lateID)
			require.True(t, ok)
			assert.Equal(t, late, got)
			assert.Equal(t, 100, s2.Stats().Entries)
		})
	}
}

// A damaged record (bit rot, a stray write) fails its checksum: the log is
// cut there, so the records before it keep their ids and nothing after it
// is trusted.
func TestCorruptRecordTruncated(t *testing.T) {
	for _, where := range []int{0, 1, 4, 20, RecordSize - 1} {
		t.Run(strconv.Itoa(where), func(t *testing.T) {
			dir := t.TempDir()
			ids := writeRefs(t, dir, 100)
			path := filepath.Join(dir, FileName)
			b, err := os.ReadFile(path)
			require.NoError(t, err)
			b[headerSize+60*RecordSize+where] ^= 0x10
			require.NoError(t, os.WriteFile(path, b, 0o600))

			s := openStore(t, dir, Options{})
			assert.Equal(t, int64(headerSize+60*RecordSize), fileSize(t, path))
			assert.Equal(t, 60, s.Stats().Entries)
			for i, id := range ids[:60] {
				got, ok := s.RefFor(id)
				require.True(t, ok)
				require.Equal(t, idmap.Ref{Scene: idmap.SceneGroup, Peer: 1, Seq: int64(i)}, got)
			}
		})
	}
}

// A file cut inside its header (a crash while creating it) is started afresh.
func TestTornHeaderRestarted(t *testing.T) {
	dir := t.TempDir()
	require.NoError(t, os.WriteFile(filepath.Join(dir, FileName), fileMagic[:5], 0o600))
	s := openStore(t, dir, Options{})
	id := s.IDFor(idmap.Ref{Seq: 1})
	require.NoError(t, s.Close())
	s2 := openStore(t, dir, Options{})
	_, ok := s2.RefFor(id)
	assert.True(t, ok)
}
