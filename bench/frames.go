package main

import (
	"bytes"
	"strings"
)

// Events are pre-encoded once per direction and stamped in place: the fake
// upstream spends no time encoding, so what the measurement sees is the
// path under test. Each event carries its index twice, as a unique message
// sequence (so the gateway's id store grows as with real traffic) and as a
// marker in the message text, which survives translation verbatim and tells
// the bot which event arrived.

const (
	marker       = "bench#"
	markerDigits = 12
	selfID       = 10001
	groupID      = 30001
)

// frameTemplate is one encoded event with fixed-width decimal fields that
// stamp fills in from the event's index.
type frameTemplate struct {
	buf    []byte
	fields []stampField
	markAt int
}

// stampField is one field a frame carries index i in: base+i in width
// digits (a JSON number may not start with 0, so base has width digits),
// or base + i%mod when mod > 0 (the group of event i, of mod groups).
type stampField struct {
	key   string // what precedes the digits: `"message_seq":`, `"real_seq":"`
	width int
	base  int64
	mod   int64
	at    int // where the digits start in the frame
}

// groupFields are the fields holding the group id in a frame, spreading
// events over groups groups (groupID up, five digits: at most maxGroups).
func groupFields(groups int, keys ...string) []stampField {
	f := make([]stampField, len(keys))
	for k, key := range keys {
		f[k] = stampField{key: key, width: 5, base: groupID, mod: int64(groups)}
	}
	return f
}

// maxGroups is how many groups five digits from groupID hold.
const maxGroups = 99_999 - groupID + 1

// newFrameTemplate finds each field's digits after its key, and the
// marker's digits.
func newFrameTemplate(raw string, fields ...stampField) *frameTemplate {
	t := &frameTemplate{buf: []byte(raw), fields: fields}
	for k := range t.fields {
		f := &t.fields[k]
		f.at = strings.Index(raw, f.key) + len(f.key)
		if f.at < len(f.key) || f.at+f.width > len(raw) {
			panic("bench: template without " + f.key)
		}
	}
	t.markAt = strings.Index(raw, marker) + len(marker)
	if t.markAt < len(marker) {
		panic("bench: template without marker")
	}
	return t
}

// stamp writes index i into the template and returns it; the bytes are
// valid until the next stamp.
func (t *frameTemplate) stamp(i int64) []byte {
	for _, f := range t.fields {
		v := i
		if f.mod > 0 {
			v = i % f.mod
		}
		putDigits(t.buf[f.at:f.at+f.width], f.base+v)
	}
	putDigits(t.buf[t.markAt:t.markAt+markerDigits], i)
	return t.buf
}

func putDigits(dst []byte, v int64) {
	for k := len(dst) - 1; k >= 0; k-- {
		dst[k] = byte('0' + v%10)
		v /= 10
	}
}

// zeros is a marker or sequence placeholder of the stamped width.
var zeros = strings.Repeat("0", markerDigits)

// markerText is the message text every event carries (~450 bytes).
var markerText = marker + zeros + "# " + strings.Repeat("lorem ipsum [dolor] sit amet & co, ", 12)

// markerIndex is the event index in a frame, or -1 if it carries none
// (lifecycle, heartbeat, action reply). The first marker is read: both the
// message array and raw_message carry it.
func markerIndex(frame []byte) int64 {
	k := bytes.Index(frame, []byte(marker))
	if k < 0 || len(frame) < k+len(marker)+markerDigits {
		return -1
	}
	var v int64
	for _, c := range frame[k+len(marker) : k+len(marker)+markerDigits] {
		if c < '0' || c > '9' {
			return -1
		}
		v = v*10 + int64(c-'0')
	}
	return v
}

// milkyGroupMessage is a Milky 1.2 message_receive event (~1 KiB: text,
// mention, image, group and member), as an implementation pushes it on
// /event; event i is in group groupID + i%groups.
func milkyGroupMessage(groups int) *frameTemplate {
	raw := `{"time":1750000000,"self_id":10001,"event_type":"message_receive","data":` +
		`{"message_scene":"group","peer_id":30001,"message_seq":` + zeros + `,"sender_id":20002,"time":1750000000,` +
		`"segments":[{"type":"text","data":{"text":"` + markerText + `"}},` +
		`{"type":"mention","data":{"user_id":20001,"name":"Alice"}},` +
		`{"type":"image","data":{"resource_id":"EhQ1MjY0ZmFhZjM2MjQ5ZjRkYjE2MxjQ7wEg_wooy","temp_url":"https://multimedia.nt.qq.com.cn/download?appid=1407&fileid=EhQ1MjY0&rkey=CAQSKAB6","width":640,"height":480,"summary":"[图片]","sub_type":"normal"}}],` +
		`"group":{"group_id":30001,"group_name":"Test Group","member_count":42,"max_member_count":200},` +
		`"group_member":{"user_id":20002,"nickname":"Bob","sex":"male","group_id":30001,"card":"Bobby","title":"","level":12,"role":"member","join_time":1700000000,"last_sent_time":1750000000}}}`
	return newFrameTemplate(raw, append(groupFields(groups, `"peer_id":`, `"group":{"group_id":`, `"sex":"male","group_id":`),
		stampField{key: `"message_seq":`, width: markerDigits, base: 100_000_000_000})...)
}

// oneBotGroupMessage is the same message as a OneBot 11 implementation
// (NapCat style, array message) pushes it on its universal WebSocket. Like
// NapCat it carries the conversation's own seq as a string, real_seq, which
// the gateway takes as the Milky message_seq (a store lookup for that seq
// before the insert: dearer than the next-seq path an implementation
// without real_seq takes). Sent messages read back get real_seqs from 1
// up (oneBotUpstream.reply), far below these. Event i is in group
// groupID + i%groups.
func oneBotGroupMessage(groups int) *frameTemplate {
	raw := `{"time":1750000000,"self_id":10001,"post_type":"message","message_type":"group","sub_type":"normal",` +
		`"message_id":1000000000,"message_seq":1,"real_id":1,"real_seq":"` + zeros + `","group_id":30001,"user_id":20002,"anonymous":null,"font":14,` +
		`"message":[{"type":"text","data":{"text":"` + markerText + `"}},` +
		`{"type":"at","data":{"qq":"20001"}},` +
		`{"type":"image","data":{"file":"5264faaf36249f4db163.png","url":"https://multimedia.nt.qq.com.cn/download?appid=1407&fileid=EhQ1MjY0&rkey=CAQSKAB6","summary":"[图片]","sub_type":0}}],` +
		`"raw_message":"` + markerText + `[CQ:at,qq=20001][CQ:image,file=5264faaf36249f4db163.png]",` +
		`"sender":{"user_id":20002,"nickname":"Bob","card":"Bobby","sex":"male","age":0,"area":"","level":"12","role":"member","title":""}}`
	// message_id is an int32: 10 digits from 1e9 leave room for 1.1e9 events.
	return newFrameTemplate(raw, append(groupFields(groups, `"group_id":`),
		stampField{key: `"message_id":`, width: 10, base: 1_000_000_000},
		stampField{key: `"real_seq":"`, width: markerDigits, base: 100_000_000_000})...)
}
