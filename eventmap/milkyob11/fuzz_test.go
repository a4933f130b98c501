package milkyob11

import (
	"testing"

	"github.com/goccy/go-json"
)

// FuzzMapRaw: any bytes as an upstream event map without panicking, every
// produced event encodes, errors are bounded, and nothing the mapping
// keeps is part of the frame (TestMappingKeepsNoPartOfTheFrame's check).
func FuzzMapRaw(f *testing.F) {
	for _, c := range goldenCases(f) {
		f.Add([]byte(c.Sections[0].Body))
	}
	f.Add([]byte(`{"post_type":"message","message_type":"group","group_id":30001,"user_id":20002,"message":"[CQ:reply,id=99999999999]","sender":[]}`))
	f.Add([]byte(`{"post_type":"notice","notice_type":"notify","sub_type":"poke","user_id":20002,"target_id":10001,"raw_info":"<gtip/>"}`))
	f.Fuzz(func(t *testing.T, in []byte) {
		te := newTestEnv()
		res, err := MapRaw(te.Env, in)
		if err != nil {
			if len(err.Error()) > 200 {
				t.Fatalf("unbounded error: %d bytes", len(err.Error()))
			}
			return
		}
		for _, ev := range res.Events {
			if _, err := json.Marshal(ev); err != nil {
				t.Fatal(err)
			}
		}
		for _, try := range []bool{false, true} {
			if clean, poisoned := mapTwice(t, string(in), try, false), mapTwice(t, string(in), try, true); clean != poisoned {
				t.Fatalf("TryMapRaw %v: the second mapping changed when the first frame was overwritten:\n%.300s\n%.300s", try, clean[1], poisoned[1])
			}
		}
	})
}
