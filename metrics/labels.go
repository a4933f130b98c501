package metrics

import (
	"strings"
	"sync"
	"sync/atomic"
)

// labelSet keeps one label's values bounded. A value is kept when it is in
// the closed set (if there is one), or else when it looks like a name
// (lowercase letters, digits, '_', '.', at most 64 bytes, no run of 5+
// digits, so no QQ/group id can pass) and fewer than limit distinct values
// have been seen. Anything else becomes overflow.
//
// get returns the set's own copy of a value, never the caller's string: a
// label value is kept for the life of the process (by the set and by the
// metric vector it names a series in), and callers hand in strings that
// are parts of a frame or request buffer about to be reused (an event's
// segment type, an action name).
type labelSet struct {
	overflow string
	limit    int32
	closed   atomic.Pointer[map[string]string] // nil: open set; value is the key's own copy
	seen     sync.Map                          // string -> the same string, the set's copy
	count    atomic.Int32
}

func newLabelSet(overflow string, limit int, closed ...string) *labelSet {
	l := &labelSet{overflow: overflow, limit: int32(limit)}
	if len(closed) > 0 {
		l.restrict(closed)
	}
	return l
}

// restrict replaces the accepted values with names.
func (l *labelSet) restrict(names []string) {
	m := make(map[string]string, len(names))
	for _, n := range names {
		n = strings.Clone(n)
		m[n] = n
	}
	l.closed.Store(&m)
}

// get returns the set's copy of v, or the overflow value.
func (l *labelSet) get(v string) string {
	if c := l.closed.Load(); c != nil {
		if own, ok := (*c)[v]; ok {
			return own
		}
		return l.overflow
	}
	if own, ok := l.seen.Load(v); ok {
		return own.(string)
	}
	if !nameLike(v) {
		return l.overflow
	}
	if l.count.Add(1) > l.limit {
		l.count.Add(-1)
		return l.overflow
	}
	v = strings.Clone(v)
	own, loaded := l.seen.LoadOrStore(v, v)
	if loaded {
		l.count.Add(-1) // another goroutine admitted it first
	}
	return own.(string)
}

// nameLike accepts identifiers such as "send_group_msg", ".handle_quick_operation",
// "message.group" or "http_401", and refuses anything carrying an id.
func nameLike(v string) bool {
	if v == "" || len(v) > 64 {
		return false
	}
	digits := 0
	for i := 0; i < len(v); i++ {
		c := v[i]
		switch {
		case c >= '0' && c <= '9':
			digits++
			if digits >= 5 {
				return false
			}
			continue
		case c >= 'a' && c <= 'z', c == '_', c == '.':
		default:
			return false
		}
		digits = 0
	}
	return true
}
