// Package scripted is the fake upstream of the translation packages'
// golden tests, shared by both directions: a Caller that answers calls in
// order from a script and records what it was asked, and the runner that
// reads the script from a golden case's (call, reply) sections and writes
// the transcript back. The protocol-specific part (which error a reply
// line stands for) comes from a Protocol.
package scripted

import (
	"context"
	"fmt"
	"sync"

	"github.com/goccy/go-json"
)

// Reply is one scripted answer.
type Reply struct {
	Name string          // the action or API the call must name
	Data json.RawMessage // decoded into resp when Err is nil
	Err  error
}

// Call is one upstream call as the fake saw it.
type Call struct {
	Name   string
	Params json.RawMessage
}

// Caller is a milky.Caller and an onebot11.Caller answering calls in
// order from Script. A call beyond the script, or naming another action
// than scripted, fails (and the runner reports it).
type Caller struct {
	Script []Reply
	// Sent, when set, sees every request body (the Milky conformance log).
	Sent func(name string, body []byte)

	mu    sync.Mutex
	calls []Call
}

// Calls is what the caller was asked so far, in order.
func (s *Caller) Calls() []Call {
	s.mu.Lock()
	defer s.mu.Unlock()
	return append([]Call(nil), s.calls...)
}

func (s *Caller) Call(_ context.Context, name string, params any, resp any) error {
	if params == nil {
		params = struct{}{}
	}
	body, err := json.Marshal(params)
	if err != nil {
		return fmt.Errorf("fake caller: marshal %s request: %w", name, err)
	}
	if s.Sent != nil {
		s.Sent(name, body)
	}
	s.mu.Lock()
	i := len(s.calls)
	s.calls = append(s.calls, Call{Name: name, Params: body})
	s.mu.Unlock()
	if i >= len(s.Script) {
		return fmt.Errorf("fake caller: unexpected call %d to %s (script has %d)", i+1, name, len(s.Script))
	}
	r := s.Script[i]
	if r.Name != name {
		return fmt.Errorf("fake caller: call %d is %s, script says %s", i+1, name, r.Name)
	}
	if r.Err != nil {
		return r.Err
	}
	return decode(r.Data, resp)
}

// Answer answers every call with a function of the action and its request
// body; for fuzzing and benchmarks, where the sequence is not scripted.
type Answer func(name string, body []byte) (json.RawMessage, error)

func (a Answer) Call(_ context.Context, name string, params any, resp any) error {
	body, err := json.Marshal(params)
	if err != nil {
		return err
	}
	data, err := a(name, body)
	if err != nil {
		return err
	}
	return decode(data, resp)
}

func decode(data json.RawMessage, resp any) error {
	if resp != nil && len(data) > 0 {
		return json.Unmarshal(data, resp)
	}
	return nil
}
