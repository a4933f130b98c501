package main

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"net/http"
	"strconv"
	"sync"
	"time"

	"github.com/gorilla/websocket"
)

// The action path: bots call send-group-message one call after the other on
// their own connection (HTTP keep-alive or WebSocket) and wait for the
// reply; the fake upstream answers at once.

// caller makes one call and returns when its reply has arrived.
type caller interface {
	call() error
	close()
}

var okStatus = []byte(`"status":"ok"`)

// httpCaller POSTs body to url on one keep-alive connection of its own.
type httpCaller struct {
	url  string
	body []byte
	hc   *http.Client
	buf  bytes.Buffer
}

func newHTTPCaller(url string, body []byte) *httpCaller {
	tr := &http.Transport{MaxIdleConnsPerHost: 1, IdleConnTimeout: time.Minute, DisableCompression: true}
	return &httpCaller{url: url, body: body, hc: &http.Client{Transport: tr, Timeout: 30 * time.Second}}
}

func (c *httpCaller) call() error {
	resp, err := c.hc.Post(c.url, "application/json", bytes.NewReader(c.body))
	if err != nil {
		return err
	}
	c.buf.Reset()
	_, err = c.buf.ReadFrom(io.LimitReader(resp.Body, 1<<20))
	resp.Body.Close()
	if err != nil {
		return err
	}
	if resp.StatusCode != http.StatusOK || !bytes.Contains(c.buf.Bytes(), okStatus) {
		return fmt.Errorf("POST %s: HTTP %d: %.300s", c.url, resp.StatusCode, c.buf.Bytes())
	}
	return nil
}

func (c *httpCaller) close() { c.hc.CloseIdleConnections() }

// wsCaller sends frame on one WebSocket and reads the next frame as the
// reply (the connection gets no events: it is an API-only endpoint).
type wsCaller struct {
	conn  *websocket.Conn
	frame []byte
	buf   bytes.Buffer
}

func newWSCaller(ctx context.Context, url string, frame []byte) (*wsCaller, error) {
	d := websocket.Dialer{HandshakeTimeout: 10 * time.Second}
	c, _, err := d.DialContext(ctx, url, nil)
	if err != nil {
		return nil, fmt.Errorf("dial %s: %w", url, err)
	}
	return &wsCaller{conn: c, frame: frame}, nil
}

func (c *wsCaller) call() error {
	if err := c.conn.WriteMessage(websocket.TextMessage, c.frame); err != nil {
		return err
	}
	_ = c.conn.SetReadDeadline(time.Now().Add(30 * time.Second))
	_, r, err := c.conn.NextReader()
	if err != nil {
		return err
	}
	c.buf.Reset()
	if _, err := c.buf.ReadFrom(r); err != nil {
		return err
	}
	if !bytes.Contains(c.buf.Bytes(), okStatus) {
		return fmt.Errorf("ws reply is not ok: %.300s", c.buf.Bytes())
	}
	return nil
}

func (c *wsCaller) close() { _ = c.conn.Close() }

// callResult is what one action measurement saw.
type callResult struct {
	calls   int
	latency []time.Duration // every call of every caller
	cpu     cpuTime         // the target process's CPU over the measurement
	elapsed time.Duration
}

// measureCalls runs callers in parallel, each making perCaller calls after
// one unmeasured warm-up call, and reads the target's CPU around them.
func measureCalls(callers []caller, perCaller int, p *proc) (callResult, error) {
	for _, c := range callers {
		if err := c.call(); err != nil {
			return callResult{}, err
		}
	}
	lat := make([][]time.Duration, len(callers))
	errs := make([]error, len(callers))
	var wg sync.WaitGroup
	cpu0, err := p.cpu()
	if err != nil {
		return callResult{}, err
	}
	start := time.Now()
	for j, c := range callers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			l := make([]time.Duration, 0, perCaller)
			for range perCaller {
				t := time.Now()
				if err := c.call(); err != nil {
					errs[j] = err
					return
				}
				l = append(l, time.Since(t))
			}
			lat[j] = l
		}()
	}
	wg.Wait()
	elapsed := time.Since(start)
	// Deferred work (the id store's batched commits) counts too.
	p.settle(10 * time.Second)
	cpu1, err := p.cpu()
	if err != nil {
		return callResult{}, err
	}
	res := callResult{calls: len(callers) * perCaller, cpu: cpu1.sub(cpu0), elapsed: elapsed}
	for j := range callers {
		if errs[j] != nil {
			return callResult{}, errs[j]
		}
		res.latency = append(res.latency, lat[j]...)
	}
	return res, nil
}

// oneBotSendGroupMsg is the call of the first direction's bots: a CQ string
// with three codes (mention, face, image by URL).
const oneBotSendGroupMsg = `{"group_id":30001,"message":"hello [CQ:at,qq=10002] see [CQ:face,id=14] and [CQ:image,file=https://example.com/a.png?x=1&amp;y=2]"}`

func oneBotWSFrame(action, params string) []byte {
	return []byte(`{"action":"` + action + `","params":` + params + `,"echo":` + strconv.Itoa(1) + `}`)
}

// milkySendGroupMessage is the same message as a Milky bot sends it.
const milkySendGroupMessage = `{"group_id":30001,"message":[{"type":"text","data":{"text":"hello "}},{"type":"mention","data":{"user_id":10002}},{"type":"text","data":{"text":" see "}},{"type":"face","data":{"face_id":"14"}},{"type":"text","data":{"text":" and "}},{"type":"image","data":{"uri":"https://example.com/a.png?x=1&y=2"}}]}`
