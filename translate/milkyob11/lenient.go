package milkyob11

import (
	"bytes"
	"strconv"
	"strings"

	"github.com/goccy/go-json"
	"github.com/qqbridge/gateway/milky"
)

// Implementations disagree on JSON types (the OneBot 11 catalog, §5: sizes and
// uins as strings in LLOneBot, levels as "LV12"), so replies are decoded
// into these lenient types rather than failing on a quoted number.

// num is an integer sent as a number, a numeric string, "", null or a float;
// anything else decodes as 0 (a reply's odd field must not fail a call).
type num int64

func (n *num) UnmarshalJSON(b []byte) error {
	b = bytes.TrimSpace(b)
	if len(b) > 0 && b[0] == '"' {
		var s string
		if json.Unmarshal(b, &s) != nil {
			*n = 0
			return nil
		}
		b = []byte(strings.TrimSpace(s))
	}
	if v, err := strconv.ParseInt(string(b), 10, 64); err == nil {
		*n = num(v)
		return nil
	}
	if f, err := strconv.ParseFloat(string(b), 64); err == nil {
		*n = num(int64(f))
		return nil
	}
	*n = 0
	return nil
}

// text is a string sent as a string or a number (ids, flags).
type text string

func (t *text) UnmarshalJSON(b []byte) error {
	b = bytes.TrimSpace(b)
	if len(b) > 0 && b[0] == '"' {
		var s string
		if err := json.Unmarshal(b, &s); err != nil {
			return err
		}
		*t = text(s)
		return nil
	}
	if bytes.Equal(b, []byte("null")) {
		*t = ""
		return nil
	}
	*t = text(b)
	return nil
}

// level reads a level like "12", 12 or "LV12" (digits anywhere).
func level(s string) int32 {
	var n int64
	for _, r := range s {
		if r >= '0' && r <= '9' {
			n = n*10 + int64(r-'0')
			if n > 1<<30 {
				return 0
			}
		}
	}
	return int32(n)
}

// sex maps OneBot's sex to Milky's enum.
func sex(s string) string {
	switch strings.ToLower(s) {
	case milky.SexMale:
		return milky.SexMale
	case milky.SexFemale:
		return milky.SexFemale
	}
	return milky.SexUnknown
}

// role maps OneBot's role to Milky's enum; anything unknown is a member.
func role(s string) string { return milky.MemberRole(s) }

func nonNeg32(v num) int32 {
	if v < 0 || v > 1<<31-1 {
		return 0
	}
	return int32(v)
}

func nonNeg64(v num) int64 {
	if v < 0 {
		return 0
	}
	return int64(v)
}
