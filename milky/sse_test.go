package milky

import (
	"errors"
	"io"
	"strings"
	"testing"
	"testing/iotest"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// parseAll runs the parser to the end; a skipped oversized message shows up
// as the pseudo-message {Event: "TOO_LARGE"}.
func parseAll(t testing.TB, r io.Reader, max int) []SSEMessage {
	p := NewSSEReader(r, max)
	var out []SSEMessage
	for i := 0; ; i++ {
		if i > 1_000_000 {
			t.Fatal("parser does not terminate")
		}
		msg, err := p.Next()
		if errors.Is(err, ErrSSETooLarge) {
			out = append(out, SSEMessage{Event: "TOO_LARGE"})
			continue
		}
		if err == io.EOF {
			return out
		}
		if err != nil {
			t.Fatalf("unexpected error: %v", err)
		}
		out = append(out, msg)
	}
}

func TestSSEParser(t *testing.T) {
	type m = SSEMessage
	cases := []struct {
		name string
		in   string
		max  int
		want []SSEMessage
	}{
		{"single", "event: milky_event\ndata: {}\n\n", 0, []m{{Event: "milky_event", Data: []byte("{}")}}},
		{"multi-line data joined with LF", "event: milky_event\ndata: {\ndata: \"a\":1\ndata: }\n\n", 0,
			[]m{{Event: "milky_event", Data: []byte("{\n\"a\":1\n}")}}},
		{"CRLF", "event: milky_event\r\ndata: x\r\ndata: y\r\n\r\n", 0, []m{{Event: "milky_event", Data: []byte("x\ny")}}},
		{"CR only", "event: a\rdata: x\r\r", 0, []m{{Event: "a", Data: []byte("x")}}},
		{"mixed terminators", "data: a\r\n\ndata: b\n\r\ndata: c\r\r", 0,
			[]m{{Event: "message", Data: []byte("a")}, {Event: "message", Data: []byte("b")}, {Event: "message", Data: []byte("c")}}},
		{"comments ignored", ": keep-alive\n\n:x\nevent: e\n: mid\ndata: 1\n\n:\n\n", 0, []m{{Event: "e", Data: []byte("1")}}},
		{"other event names are returned (the stream filters)", "event: ping\ndata: 1\n\nevent: milky_event\ndata: 2\n\n", 0,
			[]m{{Event: "ping", Data: []byte("1")}, {Event: "milky_event", Data: []byte("2")}}},
		{"no event name means message", "data: x\n\n", 0, []m{{Event: "message", Data: []byte("x")}}},
		{"no space after colon", "data:x\n\n", 0, []m{{Event: "message", Data: []byte("x")}}},
		{"only one space stripped", "data:  x \n\n", 0, []m{{Event: "message", Data: []byte(" x ")}}},
		{"colon in value kept", "data: {\"a\":\"b:c\"}\n\n", 0, []m{{Event: "message", Data: []byte(`{"a":"b:c"}`)}}},
		{"field without colon", "data\n\n", 0, []m{{Event: "message", Data: []byte("")}}},
		{"empty data line", "data:\ndata:\n\n", 0, []m{{Event: "message", Data: []byte("\n")}}},
		{"event without data not dispatched, name reset", "event: a\n\ndata: x\n\n", 0, []m{{Event: "message", Data: []byte("x")}}},
		{"last event field wins", "event: a\nevent: milky_event\ndata: x\n\n", 0, []m{{Event: "milky_event", Data: []byte("x")}}},
		{"incomplete message at EOF dropped", "data: x\n", 0, nil},
		{"unterminated line at EOF dropped", "data: x\n\ndata: y", 0, []m{{Event: "message", Data: []byte("x")}}},
		{"leading BOM skipped", "\xEF\xBB\xBFdata: x\n\n", 0, []m{{Event: "message", Data: []byte("x")}}},
		{"id and retry tolerated", "id: 7\nretry: 1000\ndata: x\n\nretry: soon\ndata: y\n\n", 0,
			[]m{{Event: "message", Data: []byte("x"), ID: "7"}, {Event: "message", Data: []byte("y"), ID: "7"}}},
		{"id with NUL ignored", "id: a\x00b\ndata: x\n\n", 0, []m{{Event: "message", Data: []byte("x")}}},
		{"unknown fields ignored", "foo: bar\nDATA: no\ndata: x\n\n", 0, []m{{Event: "message", Data: []byte("x")}}},
		{"oversized line skipped, stream continues", "data: 0123456789\n\ndata: ok\n\n", 8,
			[]m{{Event: "TOO_LARGE"}, {Event: "message", Data: []byte("ok")}}},
		{"oversized line far past the cut", "data: " + strings.Repeat("x", 100) + "\nevent: milky_event\n\ndata: ok\n\n", 8,
			[]m{{Event: "TOO_LARGE"}, {Event: "message", Data: []byte("ok")}}},
		{"oversized across lines", "data: 12345\ndata: 12345\n\ndata: 1234567\n\n", 8,
			[]m{{Event: "TOO_LARGE"}, {Event: "message", Data: []byte("1234567")}}},
		{"empty input", "", 0, nil},
	}
	for _, tc := range cases {
		max := tc.max
		if max == 0 {
			max = 1 << 20
		}
		t.Run(tc.name, func(t *testing.T) {
			assert.Equal(t, tc.want, parseAll(t, strings.NewReader(tc.in), max), "whole input")
			// Byte-at-a-time reads put every boundary (CR|LF included) between reads.
			assert.Equal(t, tc.want, parseAll(t, iotest.OneByteReader(strings.NewReader(tc.in)), max), "one byte per read")
		})
	}
}

func TestSSEParserReadError(t *testing.T) {
	boom := errors.New("boom")
	p := NewSSEReader(io.MultiReader(strings.NewReader("data: x\n\ndata: y\n"), iotest.ErrReader(boom)), 1<<20)
	msg, err := p.Next()
	require.NoError(t, err)
	assert.Equal(t, "x", string(msg.Data))
	_, err = p.Next()
	assert.ErrorIs(t, err, boom)
}

func TestAppendSSE(t *testing.T) {
	assert.Equal(t, "event: milky_event\ndata: {\"a\":1}\n\n", string(AppendSSE(nil, []byte(`{"a":1}`))))
	// Raw newlines never end the message early; the parser rebuilds them as \n.
	out := AppendSSE(nil, []byte("a\nb\r\nc\rd"))
	assert.Equal(t, "event: milky_event\ndata: a\ndata: b\ndata: c\ndata: d\n\n", string(out))
	msgs := parseAll(t, strings.NewReader(string(out)), 1<<20)
	require.Len(t, msgs, 1)
	assert.Equal(t, "a\nb\nc\nd", string(msgs[0].Data))
}

// refSSE is a deliberately naive reading of the spec, the oracle for the fuzz
// target: split into lines first, then interpret.
func refSSE(in string) []SSEMessage {
	in = strings.TrimPrefix(in, "\xEF\xBB\xBF")
	var lines []string
	for {
		i := strings.IndexAny(in, "\r\n")
		if i < 0 {
			break // the unterminated tail is not a line
		}
		lines = append(lines, in[:i])
		if in[i] == '\r' && i+1 < len(in) && in[i+1] == '\n' {
			i++
		}
		in = in[i+1:]
	}
	var (
		out   []SSEMessage
		event string
		data  *strings.Builder
		id    string
	)
	for _, l := range lines {
		if l == "" {
			if data != nil {
				name := event
				if name == "" {
					name = "message"
				}
				d := strings.TrimSuffix(data.String(), "\n")
				out = append(out, SSEMessage{Event: name, Data: []byte(d), ID: id})
			}
			event, data = "", nil
			continue
		}
		if l[0] == ':' {
			continue
		}
		name, value, _ := strings.Cut(l, ":")
		value = strings.TrimPrefix(value, " ")
		switch name {
		case "event":
			event = value
		case "data":
			if data == nil {
				data = &strings.Builder{}
			}
			data.WriteString(value + "\n")
		case "id":
			if !strings.Contains(value, "\x00") {
				id = value
			}
		}
	}
	return out
}

func FuzzSSEParser(f *testing.F) {
	for _, s := range []string{
		"event: milky_event\ndata: {}\n\n",
		"event: milky_event\r\ndata: a\r\ndata: b\r\n\r\n",
		"data: x\r\r:comment\n\nevent: other\ndata\n\n",
		"\xEF\xBB\xBFid: 1\nretry: 5\ndata:  y\n\n",
		"data: x\r",
		"\r\n\r\n\n\r",
	} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, in string) {
		want := refSSE(in)
		got := parseAll(t, strings.NewReader(in), 1<<30)
		if len(want) == 0 {
			want = nil
		}
		for i := range got {
			if got[i].Data == nil {
				got[i].Data = []byte{}
			}
		}
		for i := range want {
			if want[i].Data == nil {
				want[i].Data = []byte{}
			}
		}
		require.Equal(t, want, got)
		require.Equal(t, got, parseAll(t, iotest.OneByteReader(strings.NewReader(in)), 1<<30))
	})
}
