package transport

import (
	"testing"

	"github.com/stretchr/testify/assert"
)

func TestRedactURL(t *testing.T) {
	for in, want := range map[string]string{
		"ws://user:pw@host:8080/event?access_token=secret&x=1#frag": "ws://%2A%2A%2A@host:8080/event?access_token=***&x=1",
		"http://host/hook?token=abc&access_token=":                  "http://host/hook?token=***&access_token=***",
		"http://host/plain": "http://host/plain",
		"://bad":            "(unparsable URL)",
		"no-scheme-secret":  "(unparsable URL)",
	} {
		assert.Equal(t, want, RedactURL(in), in)
	}
}
