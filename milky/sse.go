package milky

import (
	"bufio"
	"bytes"
	"errors"
	"fmt"
	"io"
)

// Server-sent events: the parser the client reads /event with and the
// encoder the server writes it with. The parser follows the WHATWG
// "event stream interpretation" rules: lines end in CRLF, LF or CR; a
// leading ':' marks a comment; "field: value" drops one space after the
// colon; data lines join with \n; a blank line dispatches; an unterminated
// message at EOF is dropped; a leading BOM is skipped.

// SSEEventName is the SSE event name Milky gives every event.
const SSEEventName = "milky_event"

// SSEMessage is one dispatched SSE message.
type SSEMessage struct {
	Event string // "message" when the stream named none
	Data  []byte // data lines joined with \n; owned by the caller
	ID    string // last event ID seen so far (tolerated, unused)
}

// ErrSSETooLarge reports a message whose data exceeded the limit. It was
// skipped whole; the stream itself is still good.
var ErrSSETooLarge = errors.New("sse: message too large")

type SSEReader struct {
	r       *bufio.Reader
	max     int  // data bytes per message
	started bool // BOM check done
	skipLF  bool // the last line ended in CR: a following LF belongs to it
	line    []byte
	long    bool // the current line was cut at max

	event  []byte
	data   []byte
	over   bool // the current message's data exceeded max
	lastID string
}

func NewSSEReader(r io.Reader, max int) *SSEReader {
	return &SSEReader{r: bufio.NewReaderSize(r, 32<<10), max: max}
}

// Next returns the next complete message. Messages without data are not
// dispatched (per the spec). ErrSSETooLarge is not fatal: call Next again.
// Any other error (io.EOF included) ends the stream.
func (p *SSEReader) Next() (SSEMessage, error) {
	for {
		line, err := p.readLine()
		if err != nil {
			return SSEMessage{}, err
		}
		if len(line) == 0 {
			if msg, ok, err := p.dispatch(); ok || err != nil {
				return msg, err
			}
			continue
		}
		p.field(line)
	}
}

func (p *SSEReader) dispatch() (SSEMessage, bool, error) {
	event, data, over := p.event, p.data, p.over
	p.event, p.data, p.over = p.event[:0], nil, false
	if over {
		return SSEMessage{}, false, fmt.Errorf("%w (over %d bytes, event %q)", ErrSSETooLarge, p.max, eventName(event))
	}
	if data == nil {
		return SSEMessage{}, false, nil
	}
	data = data[:len(data)-1] // every data line appended a trailing \n
	return SSEMessage{Event: eventName(event), Data: data, ID: p.lastID}, true, nil
}

func eventName(b []byte) string {
	if len(b) == 0 {
		return "message"
	}
	return string(b)
}

func (p *SSEReader) field(line []byte) {
	if line[0] == ':' {
		return // comment (keep-alives)
	}
	name, value := line, []byte(nil)
	if i := bytes.IndexByte(line, ':'); i >= 0 {
		name, value = line[:i], line[i+1:]
		if len(value) > 0 && value[0] == ' ' {
			value = value[1:]
		}
	}
	switch string(name) {
	case "event":
		p.event = append(p.event[:0], value...)
	case "data":
		if p.over {
			return
		}
		if p.long || len(p.data)+len(value)+1 > p.max {
			p.over, p.data = true, nil
			return
		}
		if p.data == nil {
			p.data = make([]byte, 0, len(value)+1)
		}
		p.data = append(append(p.data, value...), '\n')
	case "id":
		if bytes.IndexByte(value, 0) < 0 {
			p.lastID = string(value)
		}
	case "retry":
		// Tolerated; our own back-off decides when to reconnect.
	}
}

// readLine returns the next line without its terminator. The slice is only
// valid until the next call. A line longer than max is cut and marked long.
func (p *SSEReader) readLine() ([]byte, error) {
	p.line, p.long = p.line[:0], false
	if p.skipLF {
		b, err := p.r.Peek(1)
		if err != nil {
			return nil, err
		}
		if b[0] == '\n' {
			_, _ = p.r.Discard(1)
		}
		p.skipLF = false
	}
	if !p.started {
		// Peek(3) only when the first byte fits: it would wait for 3 bytes.
		if b, err := p.r.Peek(1); err == nil && b[0] == 0xEF {
			if b, err := p.r.Peek(3); err == nil && bytes.Equal(b, []byte("\xEF\xBB\xBF")) {
				_, _ = p.r.Discard(3)
			}
		}
		p.started = true
	}
	for {
		if _, err := p.r.Peek(1); err != nil {
			return nil, err // EOF mid-line: the spec drops the partial line
		}
		buf, _ := p.r.Peek(p.r.Buffered())
		i := bytes.IndexAny(buf, "\r\n")
		chunk := buf
		if i >= 0 {
			chunk = buf[:i]
		}
		if !p.long {
			if room := p.max + 16 - len(p.line); len(chunk) > room {
				p.line = append(p.line, chunk[:max(room, 0)]...)
				p.long = true
			} else {
				p.line = append(p.line, chunk...)
			}
		}
		if i < 0 {
			_, _ = p.r.Discard(len(buf))
			continue
		}
		p.skipLF = buf[i] == '\r'
		_, _ = p.r.Discard(i + 1)
		return p.line, nil
	}
}

// AppendSSE appends one milky_event message carrying payload. JSON from
// json.Marshal has no raw newlines, but split defensively so a payload can
// never end the message early.
func AppendSSE(dst, payload []byte) []byte {
	dst = append(dst, "event: "+SSEEventName+"\n"...)
	for {
		i := bytes.IndexAny(payload, "\r\n")
		if i < 0 {
			break
		}
		dst = append(append(append(dst, "data: "...), payload[:i]...), '\n')
		if payload[i] == '\r' && i+1 < len(payload) && payload[i+1] == '\n' {
			i++
		}
		payload = payload[i+1:]
	}
	dst = append(append(append(dst, "data: "...), payload...), '\n')
	return append(dst, '\n')
}
