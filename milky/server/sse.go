package server

import (
	"bytes"
	"io"
	"net"
	"strconv"
	"time"
)

// The SSE response is written by hand on the hijacked connection, so every
// write has its own deadline and the writer notices a vanished client; the
// body is chunked so proxies see where it ends.
const sseHeader = "HTTP/1.1 200 OK\r\n" +
	"Content-Type: text/event-stream; charset=utf-8\r\n" +
	"Cache-Control: no-cache\r\n" +
	"X-Accel-Buffering: no\r\n" + // tell nginx not to buffer
	"Transfer-Encoding: chunked\r\n" +
	"\r\n"

var (
	sseEventLine = []byte("event: milky_event\n")
	sseDataField = []byte("data: ")
	sseKeepAlive = []byte(": keep-alive\n\n")
)

func (s *Server) runSSE(c net.Conn, sub *subscriber) {
	// SSE clients send nothing; a read returns only when they leave.
	_ = c.SetReadDeadline(time.Time{})
	readerDone := make(chan struct{})
	go func() {
		defer close(readerDone)
		_, _ = io.Copy(io.Discard, c)
	}()
	defer func() { closeConn(c); <-readerDone }()

	var buf []byte
	write := func(b []byte) bool {
		_ = c.SetWriteDeadline(time.Now().Add(s.cfg.WriteTimeout))
		_, err := c.Write(b)
		if err != nil {
			s.log.Debug("milky /event SSE write failed", "remote", sub.remote, "err", err)
		}
		return err == nil
	}
	if !write([]byte(sseHeader)) {
		return
	}
	// flush writes one peeked batch as one chunk, committing it only when
	// the write succeeded.
	batch := make([][]byte, 0, batchEvents)
	flush := func() bool {
		b, mark := sub.q.Peek(batch[:0], batchEvents, 0)
		buf = appendChunk(buf[:0], b)
		clear(b)
		if !write(buf) {
			return false
		}
		sub.q.Commit(mark, mark.Len())
		return true
	}
	keep := time.NewTicker(s.cfg.SSEKeepAlive)
	defer keep.Stop()
	for {
		select {
		case <-sub.q.Ready():
			// One token may stand for more than a batch: write until empty.
			for sub.q.Len() > 0 {
				if !flush() {
					return
				}
			}
		case <-keep.C:
			if !write(appendChunk(buf[:0], nil)) {
				return
			}
		case <-readerDone:
			return
		case <-sub.kicked:
			_ = write([]byte("0\r\n\r\n"))
			return
		case <-s.draining:
			for sub.q.Len() > 0 {
				if !flush() {
					return
				}
			}
			_ = write([]byte("0\r\n\r\n"))
			return
		}
	}
}

// appendChunk appends one HTTP chunk holding an SSE message per event, or
// a keep-alive comment when events is empty.
func appendChunk(dst []byte, events [][]byte) []byte {
	size := len(sseKeepAlive)
	if len(events) > 0 {
		size = 0
		for _, ev := range events {
			size += sseMessageLen(ev)
		}
	}
	dst = strconv.AppendInt(dst, int64(size), 16)
	dst = append(dst, '\r', '\n')
	if len(events) == 0 {
		dst = append(dst, sseKeepAlive...)
	}
	for _, ev := range events {
		dst = appendSSEMessage(dst, ev)
	}
	return append(dst, '\r', '\n')
}

// appendSSEMessage writes "event: milky_event", the payload as data lines
// (one per line of payload: encoded JSON has none, pre-encoded bytes may)
// and the blank line that ends the message.
func appendSSEMessage(dst, payload []byte) []byte {
	dst = append(dst, sseEventLine...)
	for {
		line, rest, more := bytes.Cut(payload, []byte{'\n'})
		dst = append(dst, sseDataField...)
		dst = append(dst, bytes.TrimSuffix(line, []byte{'\r'})...)
		dst = append(dst, '\n')
		if !more {
			break
		}
		payload = rest
	}
	return append(dst, '\n')
}

func sseMessageLen(payload []byte) int {
	n := len(sseEventLine) + 1
	for {
		line, rest, more := bytes.Cut(payload, []byte{'\n'})
		n += len(sseDataField) + len(bytes.TrimSuffix(line, []byte{'\r'})) + 1
		if !more {
			return n
		}
		payload = rest
	}
}
