package milkyob11

import (
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/qqbridge/gateway/onebot11"
	"github.com/qqbridge/gateway/segment"
)

// checkDecode: what the fast path accepts decodes exactly as
// onebot11.DecodeUpstreamEvent decodes it.
func checkDecode(t *testing.T, in []byte) bool {
	var fast, fast2 onebot11.UpstreamEvent
	var segs segment.Scanned
	defer segs.Release()
	ok := decodeFast(in, &fast, nil, false)
	ok2 := decodeFast(in, &fast2, &segs, false)
	// The events-only pass (TryMapRaw's) takes a subset, decoding it alike.
	var fast3 onebot11.UpstreamEvent
	var segs3 segment.Scanned
	defer segs3.Release()
	if decodeFast(in, &fast3, &segs3, true) {
		require.True(t, ok2, "events-only pass took what the full pass did not: %q", in)
		require.Equal(t, fast2, fast3, "input %q (events only)", in)
	}
	if !ok && !ok2 {
		return false
	}
	var want onebot11.UpstreamEvent
	require.NoError(t, onebot11.DecodeUpstreamEvent(in, &want), "fast path accepted what the general decoder rejects: %q", in)
	if ok {
		require.Equal(t, want, fast, "input %q", in)
	}
	if ok2 {
		require.Equal(t, want, fast2, "input %q (message scanned)", in)
		if segs.Valid() {
			// The scanned message converts as its bytes do.
			c := &segment.Incoming{}
			wantSegs, err := c.FromOneBotRaw("group", 30001, want.Message)
			require.NoError(t, err)
			require.Equal(t, wantSegs, c.FromScanned("group", 30001, segs), "input %q", in)
		}
	}
	return true
}

var decodeSeeds = []string{
	string(napcatGroupMessage),
	`{"post_type":"notice","notice_type":"notify","sub_type":"poke","raw_info":[{"txt":"x"}],"code":12,"sender":{"level":"3"},"sender":{"card":"c"}}`,
	`{"time":1,"time":2,"real_seq":17,"message":"[CQ:face,id=1]","extra":{"a":[1,{"b":null}]}}`,
	`{"Time":1}`, `{"time":1.5}`, `{"time":"1"}`, `{"time":null}`, `{"post_type":"me\u0073sage"}`, `{"raw_info":null}`,
	`{"real_seq":"x"}`, `{"code":true}`, `{"time":99999999999999999999}`, `{"sender":1}`, `{"a":1} x`, `{"a":1`, `[]`,
	`{"file":{"id":"f"}}`, `{"post_type":"中文"}`, "{\"post_type\":\"\xff\"}",
}

func TestDecodeFastMatchesGeneral(t *testing.T) {
	accepted := 0
	for _, s := range decodeSeeds {
		if checkDecode(t, []byte(s)) {
			accepted++
		}
	}
	for _, c := range goldenCases(t) {
		if checkDecode(t, []byte(c.Sections[0].Body)) {
			accepted++
		}
	}
	require.Greater(t, accepted, 50, "the fast path takes the common events")
}

func FuzzDecodeFast(f *testing.F) {
	for _, s := range decodeSeeds {
		f.Add([]byte(s))
	}
	for _, c := range goldenCases(f) {
		f.Add([]byte(c.Sections[0].Body))
	}
	f.Fuzz(func(t *testing.T, in []byte) { checkDecode(t, in) })
}
