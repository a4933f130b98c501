package onebot11

import "github.com/goccy/go-json"

// Reader is the sticky form of Params: every getter returns a usable value
// (zero, or the default) after a failure and only the first failure is kept,
// so a handler reads all its parameters and checks Err once, before its first
// side effect. Reads run in the handler's order, so the error a bot sees is
// the one an early return after each read would have given; the messages are
// Params' own.
//
// A Reader belongs to one action call and is not safe for concurrent use.
type Reader struct {
	p   Params
	err error
}

// Reader starts a sticky read of p.
func (p Params) Reader() *Reader { return &Reader{p: p} }

// Params is the parameter set being read.
func (r *Reader) Params() Params { return r.p }

// Err is the first failure, nil if none.
func (r *Reader) Err() error { return r.err }

// OK reports whether no read has failed so far; checks that depend on a
// value read earlier run only then.
func (r *Reader) OK() bool { return r.err == nil }

// Fail records err (a handler's own check) unless a failure is already kept;
// a nil err is ignored.
func (r *Reader) Fail(err error) {
	if r.err == nil && err != nil {
		r.err = err
	}
}

// Failf records a RetcodeBadRequest failure built like Errorf.
func (r *Reader) Failf(format string, args ...any) {
	if r.err == nil {
		r.err = Errorf(RetcodeBadRequest, format, args...)
	}
}

// Raw returns the raw JSON of the first present name (see Params.Raw).
func (r *Reader) Raw(names ...string) (json.RawMessage, string, bool) { return r.p.Raw(names...) }

// Has reports whether any of the names is present and not null.
func (r *Reader) Has(names ...string) bool { return r.p.Has(names...) }

// Name is the first present of names, or the first name when none is (for
// error messages about a value already read).
func (r *Reader) Name(names ...string) string {
	if _, name, ok := r.p.Raw(names...); ok {
		return name
	}
	if len(names) > 0 {
		return names[0]
	}
	return ""
}

// Len is the number of parameters present.
func (r *Reader) Len() int { return r.p.Len() }

// keep records err and returns v, or the zero value after a failure.
func keep[T any](r *Reader, v T, err error) T {
	if err != nil {
		r.Fail(err)
		var zero T
		return zero
	}
	return v
}

// keepDef is keep for optional reads: def after a failure.
func keepDef[T any](r *Reader, def, v T, err error) T {
	if err != nil {
		r.Fail(err)
		return def
	}
	return v
}

// Int64 reads a required integer (Params.Int64).
func (r *Reader) Int64(names ...string) int64 {
	v, err := r.p.Int64(names...)
	return keep(r, v, err)
}

// OptInt64 reads an optional integer, def when absent (Params.OptInt64).
func (r *Reader) OptInt64(def int64, names ...string) int64 {
	v, err := r.p.OptInt64(def, names...)
	return keepDef(r, def, v, err)
}

// Int32 reads a required int32 such as a message id (Params.Int32).
func (r *Reader) Int32(names ...string) int32 {
	v, err := r.p.Int32(names...)
	return keep(r, v, err)
}

// String reads a required string (Params.String).
func (r *Reader) String(names ...string) string {
	v, err := r.p.String(names...)
	return keep(r, v, err)
}

// OptString reads an optional string, def when absent (Params.OptString).
func (r *Reader) OptString(def string, names ...string) string {
	v, err := r.p.OptString(def, names...)
	return keepDef(r, def, v, err)
}

// Bool reads a required boolean (Params.Bool).
func (r *Reader) Bool(names ...string) bool {
	v, err := r.p.Bool(names...)
	return keep(r, v, err)
}

// OptBool reads an optional boolean, def when absent (Params.OptBool).
func (r *Reader) OptBool(def bool, names ...string) bool {
	v, err := r.p.OptBool(def, names...)
	return keepDef(r, def, v, err)
}

// Int64List reads a required list of integers (Params.Int64List).
func (r *Reader) Int64List(names ...string) []int64 {
	v, err := r.p.Int64List(names...)
	return keep(r, v, err)
}

// Decode unmarshals a required parameter into v and returns the name it was
// found under (Params.Decode); v is left alone after an earlier failure.
func (r *Reader) Decode(v any, names ...string) string {
	if r.err != nil {
		return r.Name(names...)
	}
	name, err := r.p.Decode(v, names...)
	r.Fail(err)
	return name
}
