package ob11milky

import (
	"sync"

	"github.com/qqbridge/gateway/idmap"
	"github.com/qqbridge/gateway/internal/conformance"
	"github.com/qqbridge/gateway/internal/scripted"
)

// fakeIDs is an in-memory idmap.Mapper handing out sequential ids from 1
// (skipping preloaded ones), so golden files can name the ids they expect.
type fakeIDs struct {
	mu    sync.Mutex
	byID  map[int32]idmap.Ref
	byRef map[idmap.Ref]int32
	next  int32
}

func newFakeIDs() *fakeIDs {
	return &fakeIDs{byID: map[int32]idmap.Ref{}, byRef: map[idmap.Ref]int32{}, next: 1}
}

func (f *fakeIDs) preload(id int32, ref idmap.Ref) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.byID[id] = ref
	f.byRef[ref] = id
}

func (f *fakeIDs) IDFor(ref idmap.Ref) int32 {
	f.mu.Lock()
	defer f.mu.Unlock()
	if id, ok := f.byRef[ref]; ok {
		return id
	}
	for {
		if _, taken := f.byID[f.next]; !taken {
			break
		}
		f.next++
	}
	id := f.next
	f.next++
	f.byID[id] = ref
	f.byRef[ref] = id
	return id
}

func (f *fakeIDs) RefFor(id int32) (idmap.Ref, bool) {
	f.mu.Lock()
	defer f.mu.Unlock()
	ref, ok := f.byID[id]
	return ref, ok
}

// newScriptedCaller is the golden tests' fake Milky upstream; it logs
// each request for the conformance check.
func newScriptedCaller() *scripted.Caller { return &scripted.Caller{Sent: logRequest} }

func logRequest(api string, body []byte) { conformance.Log(conformance.Request, api, body) }

// answerCaller answers every call with a function of the API; for fuzzing
// and benchmarks, where the sequence is not scripted.
type answerCaller = scripted.Answer
