package onebot11

import (
	"testing"

	"github.com/goccy/go-json"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func params(t *testing.T, s string) Params {
	t.Helper()
	p, err := ParseParams(json.RawMessage(s))
	require.NoError(t, err)
	return p
}

func TestParamsLenient(t *testing.T) {
	p := params(t, `{"a":123,"b":"456","c":" 7 ","d":1e3,"e":true,"f":"false","g":1,"h":"x","id":"9","n":null,"l":["1",2],"big":"3330331745"}`)
	for name, want := range map[string]int64{"a": 123, "b": 456, "c": 7, "d": 1000} {
		v, err := p.Int64(name)
		require.NoError(t, err, name)
		assert.Equal(t, want, v, name)
	}
	v, err := p.Int64("message_id", "id") // alias order
	require.NoError(t, err)
	assert.Equal(t, int64(9), v)
	b, err := p.Bool("e")
	require.NoError(t, err)
	assert.True(t, b)
	b, err = p.Bool("f")
	require.NoError(t, err)
	assert.False(t, b)
	b, err = p.Bool("g")
	require.NoError(t, err)
	assert.True(t, b)
	def, err := p.OptBool(true, "n") // null counts as absent
	require.NoError(t, err)
	assert.True(t, def)
	s, err := p.String("a") // numbers are accepted as strings (flags)
	require.NoError(t, err)
	assert.Equal(t, "123", s)
	l, err := p.Int64List("l")
	require.NoError(t, err)
	assert.Equal(t, []int64{1, 2}, l)
	// A negative int32 id re-sent as uint32 (Overflow#32) maps back.
	id, err := p.Int32("big")
	require.NoError(t, err)
	assert.Equal(t, int32(-964635551), id)

	_, err = p.Int64("h")
	assert.EqualError(t, err, "parameter h: want an integer, got x")
	_, err = p.Int64("missing")
	assert.EqualError(t, err, "missing parameter missing")
	_, err = p.Int64("missing", "other")
	assert.EqualError(t, err, "missing parameter missing (or other)")
	_, err = p.Bool("h")
	assert.EqualError(t, err, "parameter h: want a boolean, got x")
	_, err = ParseParams(json.RawMessage(`[1]`))
	require.Error(t, err)
	assert.Contains(t, err.Error(), "params: must be a JSON object")
	empty, err := ParseParams(nil)
	require.NoError(t, err)
	assert.Equal(t, 0, empty.Len())
}
