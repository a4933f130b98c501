package onebot11

import (
	"fmt"
	"unicode/utf8"
)

func sprintf(format string, args ...any) string {
	if len(args) == 0 {
		return format
	}
	return fmt.Sprintf(format, args...)
}

// ClipBytes is how much of one bot-chosen value (an action name, a CQ code
// type, a path, a parser's complaint) an error message repeats: enough to
// recognise it, never megabytes in a reply or a log line.
const ClipBytes = 100

// MaxMessageBytes bounds a whole failure message, whatever built it: the
// last line of defence behind Clip, since a message is sent three times
// (message, wording, msg) and logged once.
const MaxMessageBytes = 1024

// LogValueBytes bounds an error or panic text in a log line: they may
// repeat parts of a request, and a log line must not grow with one.
const LogValueBytes = 300

// Clip returns s cut to at most ClipBytes bytes (on a rune boundary) with
// an ellipsis appended when it was cut. Every value from user input that an
// error message echoes goes through it.
func Clip(s string) string { return ClipTo(s, ClipBytes) }

func ClipTo(s string, n int) string {
	if len(s) <= n {
		return s
	}
	i := n
	for i > 0 && !utf8.RuneStart(s[i]) {
		i--
	}
	return s[:i] + "…"
}
