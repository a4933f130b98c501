package ob11milky

import (
	"testing"

	"github.com/stretchr/testify/assert"
)

func TestBaseName(t *testing.T) {
	for in, want := range map[string]string{
		"/home/bot/a.zip":                     "a.zip",
		"/home/bot/dir/":                      "",
		`C:\Users\bot\report.pdf`:             "report.pdf",
		"d:/1.mp3":                            "1.mp3",
		"file:///tmp/x%20y.txt":               "x y.txt",
		"https://example.com/dl/data.csv?t=1": "data.csv",
		"https://example.com/":                "",
		"https://example.com":                 "",
		"base64://aGVsbG8=":                   "",
		"data:text/plain;base64,aGVsbG8=":     "",
		"EhQ0aGVfcmVzb3VyY2VfaWQ":             "", // a received media name: no file name in it
		"relative/path.txt":                   "",
	} {
		assert.Equal(t, want, baseName(in), in)
	}
}
