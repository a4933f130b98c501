package onebot11

import (
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// The sticky reader gives the values and the messages of Params, keeps the
// first failure (naming its field) and answers usable values after it.
func TestReaderSticky(t *testing.T) {
	r := params(t, `{"a":"12","b":"x","c":"y","l":[1,"2"],"s":5,"o":{"k":1}}`).Reader()
	assert.Equal(t, int64(12), r.Int64("a"))
	assert.NoError(t, r.Err())
	assert.True(t, r.OK())
	assert.Equal(t, []int64{1, 2}, r.Int64List("l"))
	assert.Equal(t, "5", r.String("s"))
	var o struct{ K int }
	assert.Equal(t, "o", r.Decode(&o, "obj", "o"))
	assert.Equal(t, 1, o.K)

	assert.Equal(t, int64(0), r.Int64("b"))
	assert.Equal(t, int64(7), r.OptInt64(7, "c")) // the default after a failure
	assert.False(t, r.Bool("missing"))
	assert.Equal(t, "d", r.OptString("d", "absent"))
	r.Failf("parameter %s: later", "z")
	require.EqualError(t, r.Err(), "parameter b: want an integer, got x")
	var e *Error
	require.ErrorAs(t, r.Err(), &e)
	assert.Equal(t, RetcodeBadRequest, e.Retcode)
	assert.False(t, r.OK())
	assert.Equal(t, "o", r.Name("zz", "o"))
	assert.Equal(t, "zz", r.Name("zz"))
}

// Each getter's failure is Params' message, byte for byte.
func TestReaderMessagesMatchParams(t *testing.T) {
	p := params(t, `{"h":"x","f":1.5,"big":"99999999999999999999","l":[1,"q"],"d":[1]}`)
	checks := []struct {
		read func(r *Reader)
		old  func() error
	}{
		{func(r *Reader) { r.Int64("h") }, func() error { _, err := p.Int64("h"); return err }},
		{func(r *Reader) { r.Int64("missing", "other") }, func() error { _, err := p.Int64("missing", "other"); return err }},
		{func(r *Reader) { r.OptInt64(0, "f") }, func() error { _, err := p.OptInt64(0, "f"); return err }},
		{func(r *Reader) { r.Int32("big") }, func() error { _, err := p.Int32("big"); return err }},
		{func(r *Reader) { r.Bool("h") }, func() error { _, err := p.Bool("h"); return err }},
		{func(r *Reader) { r.OptBool(false, "h") }, func() error { _, err := p.OptBool(false, "h"); return err }},
		{func(r *Reader) { r.String("l") }, func() error { _, err := p.String("l"); return err }},
		{func(r *Reader) { r.OptString("", "l") }, func() error { _, err := p.OptString("", "l"); return err }},
		{func(r *Reader) { r.Int64List("l") }, func() error { _, err := p.Int64List("l"); return err }},
		{func(r *Reader) { var s string; r.Decode(&s, "d") }, func() error { var s string; _, err := p.Decode(&s, "d"); return err }},
	}
	for i, c := range checks {
		r := p.Reader()
		c.read(r)
		want := c.old()
		require.Error(t, want, "case %d", i)
		assert.EqualError(t, r.Err(), want.Error(), "case %d", i)
	}
}
