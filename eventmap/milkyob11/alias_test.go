package milkyob11

import (
	"bytes"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/qqbridge/gateway/idmap"
	"github.com/qqbridge/gateway/milky"
)

// TestMappingKeepsNoPartOfTheFrame: the decoder reads the frame in place
// (its strings are parts of raw), and the caller reuses raw once the
// Result is released. So nothing the mapping keeps may be part of raw.
// Each golden case is mapped twice into one Env whose stores are the real
// in-memory ones: once with the first frame overwritten in between, once
// without. A kept alias (a flag store key, a cached name...) changes under
// the overwrite, and the second mapping then differs (a request mapped
// again gets a new seq instead of the one it had).
func TestMappingKeepsNoPartOfTheFrame(t *testing.T) {
	requests := 0
	for _, c := range goldenCases(t) {
		input := c.Sections[0].Body
		for _, try := range []bool{false, true} {
			clean := mapTwice(t, input, try, false)
			poisoned := mapTwice(t, input, try, true)
			require.Equal(t, clean, poisoned, "%s (TryMapRaw %v): the second mapping changed when the first frame was overwritten", c.Name, try)
			if strings.Contains(clean[0], "_request") || strings.Contains(clean[0], "invitation") {
				requests++
			}
		}
	}
	require.Positive(t, requests, "no case went through the flag store")
}

// mapTwice maps input twice in a fresh Env with real stores and returns
// both encodings; with poison, the first frame is overwritten after its
// Result is released.
func mapTwice(t *testing.T, input string, try, poison bool) [2]string {
	ids := idmap.NewMemory(idmap.Options{})
	var untranslated []string
	env := &Env{
		SelfID: testSelf, Seqs: ids, Flags: ids, Dir: testDir(), Quotes: quotes{},
		Now: func() int64 { return testNow },
		// A callback that keeps typ copies it (Env.OnUntranslated).
		OnUntranslated: func(kind, typ string) { untranslated = append(untranslated, kind+" "+strings.Clone(typ)) },
	}
	var out [2]string
	for i := range out {
		frame := []byte(input)
		var res Result
		if try {
			var ok bool
			if res, ok = TryMapRaw(env, frame); !ok {
				var err error
				res, err = MapRaw(env, frame)
				if err != nil {
					out[i] = "error " + err.Error()
					continue
				}
			}
		} else {
			var err error
			if res, err = MapRaw(env, frame); err != nil {
				out[i] = "error " + err.Error()
				continue
			}
		}
		var b bytes.Buffer
		for _, ev := range res.Events {
			enc, err := milky.AppendTypedEvent(nil, ev)
			require.NoError(t, err)
			b.Write(enc)
			b.WriteByte('\n')
		}
		b.WriteString("skipped " + res.Skipped + "\n" + strings.Join(untranslated, ","))
		out[i] = b.String()
		res.Release()
		if poison {
			// Same length and still JSON-free garbage: any alias now reads
			// as a run of '#'.
			for j := range frame {
				frame[j] = '#'
			}
		}
	}
	return out
}
