package onebot11

import (
	"strings"
	"testing"

	"github.com/goccy/go-json"
	"github.com/stretchr/testify/require"
)

// The typed encoding must give json.Marshal's bytes and FormatCQ's text.

func encodeSample(text, name string) Message {
	return Message{
		{Type: "text", Params: []Param{{"text", text}}},
		{Type: "at", Params: []Param{{"qq", "20001"}, {"name", name}}},
		{Type: "image", Params: []Param{{"file", "r" + name}, {"sub_type", "0"}, {"url", "https://x/?a=1&b=[2]," + text}, {"summary", "[图片]"}}},
		{Type: "file", Params: []Param{{"file", "f"}, {"file_id", "f"}, {"name", name}, {"file_size", "12"}, {"file_hash", text}}},
		{Type: "xml", Params: []Param{{"data", text}, {"resid", "3"}}},
		{Type: "forward", Params: []Param{{"id", name}}},
	}
}

func checkEncoding(t *testing.T, m Message) {
	t.Helper()
	segs := m.Segments()
	want, err := json.Marshal(segs)
	require.NoError(t, err)
	require.Equal(t, string(want), string(m.AppendJSON(nil)))
	via, err := json.Marshal(m)
	require.NoError(t, err)
	require.Equal(t, string(want), string(via))
	cq := FormatCQ(segs)
	require.Equal(t, cq, string(m.AppendCQ(nil)))

	src := 0
	for _, ev := range []*MessageEvent{
		{Header: Header{Time: 1, SelfID: 2, PostType: PostMessage}, MessageType: "group", SubType: "normal",
			MessageID: -5, MessageSeq: 7, RealID: 7, UserID: 9, GroupID: 11, Message: m, MessageFormat: FormatArray,
			RawMessage: cq, Font: 14, Sender: Sender{UserID: 9, Nickname: m[1].Params[1].Value, Card: "c<", Sex: "male", Level: "1", Role: "member", Title: "t"}},
		{Header: Header{PostType: PostMessageSent}, MessageType: "private", TargetID: 3, Message: &m, MessageFormat: FormatArray},
		{Header: Header{PostType: PostMessageSent}, MessageType: "private", TargetID: 3, Message: cq,
			MessageFormat: FormatString, RawMessage: cq, Sender: Sender{GroupID: 4}, TempSource: &src},
		{Header: Header{PostType: PostMessage}, MessageType: "private", Message: &cq, MessageFormat: FormatString, RawMessage: cq},
	} {
		got, err := ev.AppendJSON(nil)
		require.NoError(t, err)
		switch ev.Message.(type) {
		case Message, *Message:
			ev.Message = segs
		}
		want, err := json.Marshal(ev)
		require.NoError(t, err)
		require.Equal(t, string(want), string(got))
	}
}

func TestMessageEncoding(t *testing.T) {
	checkEncoding(t, encodeSample("hi <b> & [x], \"q\" \\ \n\t\b\f\x01\x7f \u2028\u2029 é中 \xff\xe2\x82", "A,&[]"))
	checkEncoding(t, encodeSample("", ""))
	require.Equal(t, "[]", string(Message(nil).AppendJSON(nil)))
}

func FuzzMessageEncoding(f *testing.F) {
	f.Add("plain", "name")
	f.Add("<&>\u2028\x00\"\\", "\xff,[]")
	f.Fuzz(func(t *testing.T, text, name string) {
		checkEncoding(t, encodeSample(text, name))
		want, _ := json.Marshal(text)
		require.Equal(t, string(want), string(AppendJSONString(nil, text)))
	})
}

func BenchmarkAppendJSONString(b *testing.B) {
	s := strings.Repeat("lorem ipsum [dolor] sit amet & co, ", 12)
	var buf []byte
	b.SetBytes(int64(len(s)))
	for b.Loop() {
		buf = AppendJSONString(buf[:0], s)
	}
}

// Every byte at every offset of a word-scanned string, against json.Marshal.
func TestAppendJSONStringEveryByte(t *testing.T) {
	for c := 0; c < 256; c++ {
		for at := 0; at < 17; at++ {
			b := []byte(strings.Repeat("abcdefgh", 3))
			b[at] = byte(c)
			want, err := json.Marshal(string(b))
			require.NoError(t, err)
			require.Equal(t, string(want), string(AppendJSONString(nil, string(b))), "byte %#x at %d", c, at)
		}
	}
}

// Every CQ-special byte at every offset of a word-scanned string, against
// EscapeText and EscapeValue.
func TestAppendCQEscapedEveryByte(t *testing.T) {
	for _, c := range []byte("&[],Y_\\^\x00\xff") {
		for at := 0; at < 17; at++ {
			b := []byte(strings.Repeat("abcdefgh", 3))
			b[at] = c
			b[(at+5)%len(b)] = '&'
			require.Equal(t, EscapeText(string(b)), string(appendCQEscaped(nil, string(b), false)), "byte %#x at %d", c, at)
			require.Equal(t, EscapeValue(string(b)), string(appendCQEscaped(nil, string(b), true)), "byte %#x at %d", c, at)
		}
	}
}
