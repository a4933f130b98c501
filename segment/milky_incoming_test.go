package segment

import (
	"testing"

	"github.com/stretchr/testify/assert"
)

func TestUinFromAvatar(t *testing.T) {
	for in, want := range map[string]int64{
		"https://q1.qlogo.cn/g?b=qq&nk=20001&s=640": 20001,
		"https://q1.qlogo.cn/g?nk=42":               42,
		"https://q1.qlogo.cn/g?nk=-3":               0,
		"https://q1.qlogo.cn/g?nk=abc":              0,
		"https://q1.qlogo.cn/g?%zz":                 0,
		"no query":                                  0,
		"":                                          0,
	} {
		assert.Equal(t, want, uinFromAvatar(in), in)
	}
}
