package segment

import (
	"path/filepath"

	"github.com/qqbridge/gateway/internal/golden"
	"testing"

	"github.com/goccy/go-json"
	"github.com/stretchr/testify/require"

	"github.com/qqbridge/gateway/idmap/idmaptest"
)

// general is the conversion without the fast path.
func general(c *Incoming, in []byte) (string, bool) {
	segs, err := DecodeOneBotMessage(in)
	if err != nil {
		return "", false
	}
	b, _ := json.Marshal(c.FromOneBot(testScene, testPeer, segs))
	return string(b), true
}

func checkFastMatches(t *testing.T, in []byte) {
	var untranslatedFast, untranslatedGeneral []string
	cf := &Incoming{Seqs: idmaptest.NewSeqs(), Quotes: fakeQuotes{}, OnUntranslated: func(s string) { untranslatedFast = append(untranslatedFast, s) }}
	cg := &Incoming{Seqs: idmaptest.NewSeqs(), Quotes: fakeQuotes{}, OnUntranslated: func(s string) { untranslatedGeneral = append(untranslatedGeneral, s) }}
	fast, ok := cf.fromOneBotFast(testScene, testPeer, in)
	if !ok {
		return
	}
	want, wok := general(cg, in)
	require.True(t, wok, "fast path accepted what the general decoder rejects: %q", in)
	got, _ := json.Marshal(fast)
	require.Equal(t, want, string(got), "input %q", in)
	require.Equal(t, untranslatedGeneral, untranslatedFast, "input %q", in)
}

var fastSeeds = []string{
	`[{"type":"reply","data":{"id":"7"}},{"type":"at","data":{"qq":"10001","name":"bot"}},{"type":"text","data":{"text":" hi"}},{"type":"image","data":{"file":"A.png","sub_type":0,"url":"https://x/a.png","file_size":"12"}}]`,
	`[{"type":"face","data":{"id":"14","raw":{"faceIndex":14,"faceType":3},"resultId":null}},{"type":"text","data":{"text":"中文 \"q\" \u00e9"}}]`,
	`[{"type":"image","data":{"width":1.5e3,"height":-0,"sub_type":1,"file_id":123456789012345678}},{"type":"x","data":null},{"data":{}},{"type":null}]`,
	`[{"type":"at","data":{"qq":"all","qq":"20002"}},{"type":"file","data":{"file":"a","file_size":true,"hash":false}},{"type":"forward","data":{"id":"r","preview":["a",1]}}]`,
	`[{"type":"text","data":{"text":"a"},"data":{"x":1}}]`, `[{"Type":"text"}]`, `[{"type":1}]`, `[1]`, `[]`, ` [ ] `, `[{"type":"text","data":[]}]`,
	`[{"type":"text","extra":{"a":[1,2]},"data":{"text":"ok"}}]`, `[{"type":"te\u0078t","data":{"text":"x"}}]`, `[{"type":"text","data":{"t\u0065xt":"x"}}]`,
	`[{"type":"dice","data":{"result":6}},{"type":"json","data":{"data":"{\"app\":\"com.x\"}"}},{"type":"record","data":{"file":"r","duration":1e2}}]`,
}

func TestFastPathMatchesGeneral(t *testing.T) {
	for _, s := range fastSeeds {
		checkFastMatches(t, []byte(s))
	}
	cases, err := loadIncoming()
	require.NoError(t, err)
	for _, in := range cases {
		checkFastMatches(t, in)
	}
}

// FuzzFastPath: whatever the fast path accepts converts exactly as the
// general decoder does.
func FuzzFastPath(f *testing.F) {
	for _, s := range fastSeeds {
		f.Add([]byte(s))
	}
	seedInputs(f, "incoming")
	f.Fuzz(func(t *testing.T, in []byte) { checkFastMatches(t, in) })
}

func loadIncoming() ([][]byte, error) {
	cases, err := golden.LoadAll(filepath.Join("testdata", "incoming"))
	if err != nil {
		return nil, err
	}
	var out [][]byte
	for _, c := range cases {
		out = append(out, []byte(c.Sections[0].Body))
	}
	return out, nil
}
