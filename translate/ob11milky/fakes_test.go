package ob11milky

import (
	"context"
	"fmt"
	"sync"

	"github.com/qqbridge/gateway/internal/conformance"

	"github.com/qqbridge/gateway/idmap"

	"github.com/goccy/go-json"
	"github.com/qqbridge/gateway/milky"
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

// recordedCall is one upstream call as the fake saw it.
type recordedCall struct {
	API string
	Req json.RawMessage
}

// scriptedCaller is a milky.Caller that answers calls in order from a
// script and records what it was asked. A call beyond the script, or for
// another API than scripted, fails (and the runner reports it).
type scriptedCaller struct {
	mu     sync.Mutex
	script []scriptedReply
	calls  []recordedCall
}

type scriptedReply struct {
	API  string
	Data json.RawMessage // decoded into resp when Err is nil
	Err  error
}

func (s *scriptedCaller) Call(_ context.Context, api string, req any, resp any) error {
	if req == nil {
		req = milky.Empty{}
	}
	body, err := json.Marshal(req)
	if err != nil {
		return fmt.Errorf("fake caller: marshal %s request: %w", api, err)
	}
	conformance.Log(conformance.Request, api, body)
	s.mu.Lock()
	i := len(s.calls)
	s.calls = append(s.calls, recordedCall{API: api, Req: body})
	s.mu.Unlock()
	if i >= len(s.script) {
		return fmt.Errorf("fake caller: unexpected call %d to %s (script has %d)", i+1, api, len(s.script))
	}
	r := s.script[i]
	if r.API != api {
		return fmt.Errorf("fake caller: call %d is %s, script says %s", i+1, api, r.API)
	}
	if r.Err != nil {
		return r.Err
	}
	if resp != nil && len(r.Data) > 0 {
		return json.Unmarshal(r.Data, resp)
	}
	return nil
}

// answerCaller answers every call with a function of the API; for fuzzing
// and benchmarks, where the sequence is not scripted.
type answerCaller func(api string, body []byte) (json.RawMessage, error)

func (a answerCaller) Call(_ context.Context, api string, req any, resp any) error {
	body, err := json.Marshal(req)
	if err != nil {
		return err
	}
	data, err := a(api, body)
	if err != nil {
		return err
	}
	if resp != nil && len(data) > 0 {
		return json.Unmarshal(data, resp)
	}
	return nil
}
