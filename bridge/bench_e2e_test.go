package bridge_test

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"runtime"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/goccy/go-json"
	"github.com/gorilla/websocket"

	"github.com/qqbridge/gateway/bridge"
	"github.com/qqbridge/gateway/milky"
	milkyserver "github.com/qqbridge/gateway/milky/server"
)

// What the gateway costs per event and per call, against a raw WebSocket
// relay that moves the same frames untranslated (the floor). Everything runs
// in this process on loopback: a bare milky/server upstream, the gateway or
// the relay, and a minimal bot that reads frames into a reused buffer (the
// same bot code for every variant, so only the middle differs).
//
//	go test -run='^$' -bench='EventPath|EventLatency|ActionPath' -benchtime=3s -count=3 ./bridge

const (
	benchSelfID = 10001
	// benchWindow bounds the events in flight in the throughput benchmark:
	// enough to keep every stage busy, far below both queues (Milky
	// subscriber queue, OneBot event buffer), so nothing is ever dropped.
	benchWindow = 128
	benchMarker = "bench#"
	seqDigits   = 10
)

// BenchmarkEventPath: Milky message_receive events (~1 KiB, 3 segments)
// published upstream until the bot has read b.N of them, at most
// benchWindow in flight; ns/op is the cost per event at saturation.
func BenchmarkEventPath(b *testing.B) {
	b.Run("gateway", func(b *testing.B) { benchEvents(b, gatewayEventRig, benchWindow) })
	b.Run("raw_relay", func(b *testing.B) { benchEvents(b, relayEventRig, benchWindow) })
}

// BenchmarkEventLatency: the same events one at a time (publish, wait for
// the bot to read it, next); ns/op is the unloaded end-to-end latency and
// p50-µs / p99-µs its distribution.
func BenchmarkEventLatency(b *testing.B) {
	b.Run("gateway", func(b *testing.B) { benchEvents(b, gatewayEventRig, 1) })
	b.Run("raw_relay", func(b *testing.B) { benchEvents(b, relayEventRig, 1) })
}

// BenchmarkActionPath: sequential send_group_msg calls (CQ string with 3
// codes) from a bot over forward WS until the reply arrives. raw_relay hands
// the frame unchanged to a WebSocket upstream answering a canned reply;
// raw_relay_http POSTs it unchanged to the Milky upstream's /api (the hop a
// Milky gateway cannot avoid), still without translating anything.
func BenchmarkActionPath(b *testing.B) {
	frame := []byte(`{"action":"send_group_msg","params":{"group_id":30001,` +
		`"message":"hello [CQ:at,qq=10002] see [CQ:face,id=14] and [CQ:image,file=https://example.com/a.png?x=1&amp;y=2]"},"echo":1}`)
	b.Run("gateway", func(b *testing.B) {
		_, upstream, api := startBenchUpstream(b)
		g := startBenchGateway(b, upstream)
		benchCalls(b, dialBot(b, "ws://"+g.Addr()+"/api"), frame)
		// One upstream call per bot call, nothing else on the way.
		if sent := api.seq.Load(); sent != int64(b.N) {
			b.Fatalf("%d send_group_message calls upstream for %d bot calls", sent, b.N)
		}
	})
	b.Run("raw_relay", func(b *testing.B) {
		up := startCannedWS(b, []byte(`{"status":"ok","retcode":0,"data":{"message_id":1},"echo":1}`))
		relay := startCallRelayWS(b, up)
		benchCalls(b, dialBot(b, relay), frame)
	})
	b.Run("raw_relay_http", func(b *testing.B) {
		_, upstream, _ := startBenchUpstream(b)
		relay := startCallRelayHTTP(b, upstream+"/api/"+milky.APISendGroupMessage)
		benchCalls(b, dialBot(b, relay), frame)
	})
}

// ---- event path ----

// eventRig is a running path: publish sends event i upstream, bot is where
// it arrives.
type eventRig struct {
	publish func(i int)
	bot     *websocket.Conn
}

func gatewayEventRig(b *testing.B) eventRig {
	srv, upstream, _ := startBenchUpstream(b)
	g := startBenchGateway(b, upstream)
	bot := dialBot(b, "ws://"+g.Addr()+"/")
	// The lifecycle frame comes after the connection joined the fan-out.
	_ = bot.SetReadDeadline(time.Now().Add(wait))
	if _, _, err := bot.ReadMessage(); err != nil {
		b.Fatalf("lifecycle frame: %v", err)
	}
	return eventRig{publish: publisher(srv), bot: bot}
}

func relayEventRig(b *testing.B) eventRig {
	srv, upstream, _ := startBenchUpstream(b)
	relay := startEventRelay(b, "ws"+strings.TrimPrefix(upstream, "http")+"/event")
	bot := dialBot(b, relay)
	waitFor(b, "relay subscribed upstream", func() bool { return srv.Subscribers() == 1 })
	return eventRig{publish: publisher(srv), bot: bot}
}

// publisher publishes event i from one reused template: Publish encodes
// synchronously, so the buffer may change once it returns.
func publisher(srv *milkyserver.Server) func(int) {
	tpl := newEventTemplate()
	ev := &milky.Event{Time: 1750000000, SelfID: benchSelfID, EventType: milky.EventMessageReceive}
	return func(i int) {
		ev.Data = tpl.stamp(i)
		srv.Publish(ev)
	}
}

// benchEvents publishes b.N events with at most window in flight and waits
// until the bot has read all of them.
func benchEvents(b *testing.B, rig func(*testing.B) eventRig, window int) {
	r := rig(b)
	n := b.N
	sent := make([]time.Duration, n)
	recv := make([]time.Duration, n)
	credits := make(chan struct{}, window)
	done := make(chan struct{})
	var readErr error
	heap0 := liveHeap()
	start := time.Now()
	b.ReportAllocs()
	b.ResetTimer()
	go func() {
		defer close(done)
		var buf bytes.Buffer
		for got := 0; got < n; {
			if err := readFrame(r.bot, &buf); err != nil {
				readErr = fmt.Errorf("after %d of %d events: %w", got, n, err)
				return
			}
			i := markerSeq(buf.Bytes())
			if i < 0 {
				continue // lifecycle, heartbeat
			}
			if i >= n || recv[i] != 0 {
				readErr = fmt.Errorf("unexpected or repeated event %d", i)
				return
			}
			recv[i] = time.Since(start)
			got++
			<-credits
		}
	}()
	for i := range n {
		select {
		case credits <- struct{}{}:
		case <-done:
			b.Fatalf("bot stopped reading: %v", readErr)
		}
		sent[i] = time.Since(start)
		r.publish(i)
	}
	<-done
	b.StopTimer()
	if readErr != nil {
		b.Fatal(readErr)
	}
	// What the path still holds per event once it is done with it (the
	// gateway and the upstream stay up; the bot keeps nothing): message id
	// map entries are expected, whole events are not.
	b.ReportMetric(float64(int64(liveHeap())-int64(heap0))/float64(n), "retained-B/event")
	if window == 1 {
		lat := make([]time.Duration, n)
		for i := range n {
			lat[i] = recv[i] - sent[i]
		}
		slices.Sort(lat)
		b.ReportMetric(float64(lat[n/2])/1e3, "p50-µs")
		b.ReportMetric(float64(lat[(n*99)/100])/1e3, "p99-µs")
	}
}

// liveHeap is the live heap after a full collection.
func liveHeap() uint64 {
	runtime.GC()
	var m runtime.MemStats
	runtime.ReadMemStats(&m)
	return m.HeapAlloc
}

// eventTemplate is benchEvent's message_receive data (~1 KiB: text,
// mention, image, group and member) with two fixed-width number fields:
// message_seq (unique, as real messages are) and the marker in the text
// the bot reads the event's index from.
type eventTemplate struct {
	buf           []byte
	seqAt, markAt int
}

func newEventTemplate() *eventTemplate {
	text := benchMarker + strings.Repeat("0", seqDigits) + "# " + strings.Repeat("lorem ipsum [dolor] sit amet & co, ", 12)
	raw := `{"message_scene":"group","peer_id":30001,"message_seq":1000000000,"sender_id":20002,"time":1750000000,` +
		`"segments":[{"type":"text","data":{"text":"` + text + `"}},` +
		`{"type":"mention","data":{"user_id":20001,"name":"Alice"}},` +
		`{"type":"image","data":{"resource_id":"EhQ1MjY0ZmFhZjM2MjQ5ZjRkYjE2MxjQ7wEg_wooy","temp_url":"https://multimedia.nt.qq.com.cn/download?appid=1407&fileid=EhQ1MjY0&rkey=CAQSKAB6","width":640,"height":480,"summary":"[图片]","sub_type":"normal"}}],` +
		`"group":{"group_id":30001,"group_name":"Test Group","member_count":42,"max_member_count":200},` +
		`"group_member":{"user_id":20002,"nickname":"Bob","sex":"male","group_id":30001,"card":"Bobby","title":"","level":12,"role":"member","join_time":1700000000,"last_sent_time":1750000000}}`
	return &eventTemplate{
		buf:    []byte(raw),
		seqAt:  strings.Index(raw, `"message_seq":`) + len(`"message_seq":`),
		markAt: strings.Index(raw, benchMarker) + len(benchMarker),
	}
}

func (t *eventTemplate) stamp(i int) json.RawMessage {
	putDigits(t.buf[t.seqAt:t.seqAt+seqDigits], 1_000_000_000+i)
	putDigits(t.buf[t.markAt:t.markAt+seqDigits], i)
	return t.buf
}

func putDigits(dst []byte, v int) {
	for k := len(dst) - 1; k >= 0; k-- {
		dst[k] = byte('0' + v%10)
		v /= 10
	}
}

// markerSeq is the event index in a frame, or -1 if it carries none. Both
// the Milky frame and the OneBot one (message array and raw_message) carry
// the marker verbatim; the first one is read.
func markerSeq(frame []byte) int {
	k := bytes.Index(frame, []byte(benchMarker))
	if k < 0 || len(frame) < k+len(benchMarker)+seqDigits {
		return -1
	}
	v := 0
	for _, c := range frame[k+len(benchMarker) : k+len(benchMarker)+seqDigits] {
		if c < '0' || c > '9' {
			return -1
		}
		v = v*10 + int(c-'0')
	}
	return v
}

// startEventRelay is the floor of the event path: per bot connection it
// dials the Milky /event WebSocket and copies every frame to the bot as is.
func startEventRelay(b *testing.B, upstream string) string {
	return startRelay(b, func(bot *websocket.Conn, track func(*websocket.Conn)) {
		src, _, err := websocket.DefaultDialer.Dial(upstream, nil)
		if err != nil {
			return
		}
		track(src)
		for {
			mt, data, err := src.ReadMessage()
			if err != nil {
				return
			}
			if err := bot.WriteMessage(mt, data); err != nil {
				return
			}
		}
	})
}

// ---- action path ----

// benchCalls sends frame b.N times, one after the other, each time waiting
// for the reply and requiring status ok.
func benchCalls(b *testing.B, bot *websocket.Conn, frame []byte) {
	ok := []byte(`"status":"ok"`)
	var buf bytes.Buffer
	b.ReportAllocs()
	b.ResetTimer()
	for range b.N {
		if err := bot.WriteMessage(websocket.TextMessage, frame); err != nil {
			b.Fatal(err)
		}
		if err := readFrame(bot, &buf); err != nil {
			b.Fatal(err)
		}
		if !bytes.Contains(buf.Bytes(), ok) {
			b.Fatalf("reply is not ok: %s", buf.Bytes())
		}
	}
	b.StopTimer()
}

// startCannedWS is a WebSocket upstream answering every frame with reply.
func startCannedWS(b *testing.B, reply []byte) string {
	return startRelay(b, func(c *websocket.Conn, _ func(*websocket.Conn)) {
		for {
			if _, _, err := c.NextReader(); err != nil {
				return
			}
			if err := c.WriteMessage(websocket.TextMessage, reply); err != nil {
				return
			}
		}
	})
}

// startCallRelayWS is the floor of the action path: per bot connection it
// dials the upstream WebSocket and, frame by frame, passes the request up
// and the reply down unchanged.
func startCallRelayWS(b *testing.B, upstream string) string {
	return startRelay(b, func(bot *websocket.Conn, track func(*websocket.Conn)) {
		up, _, err := websocket.DefaultDialer.Dial(upstream, nil)
		if err != nil {
			return
		}
		track(up)
		for {
			mt, req, err := bot.ReadMessage()
			if err != nil {
				return
			}
			if err := up.WriteMessage(mt, req); err != nil {
				return
			}
			mt, resp, err := up.ReadMessage()
			if err != nil {
				return
			}
			if err := bot.WriteMessage(mt, resp); err != nil {
				return
			}
		}
	})
}

// startCallRelayHTTP relays each bot frame as the body of a POST to
// target and the response body back, unchanged.
func startCallRelayHTTP(b *testing.B, target string) string {
	client := &http.Client{Timeout: wait, Transport: http.DefaultTransport.(*http.Transport).Clone()}
	b.Cleanup(client.CloseIdleConnections)
	return startRelay(b, func(bot *websocket.Conn, _ func(*websocket.Conn)) {
		for {
			_, req, err := bot.ReadMessage()
			if err != nil {
				return
			}
			resp, err := client.Post(target, "application/json", bytes.NewReader(req))
			if err != nil {
				return
			}
			body, err := io.ReadAll(resp.Body)
			_ = resp.Body.Close()
			if err != nil {
				return
			}
			if err := bot.WriteMessage(websocket.TextMessage, body); err != nil {
				return
			}
		}
	})
}

// ---- scaffolding ----

// benchAPI answers what the gateway asks of the upstream in these
// benchmarks, at once; anything else is an unknown API (the bot then sees
// a failed reply and the benchmark stops).
type benchAPI struct{ seq atomic.Int64 }

func (a *benchAPI) HandleAPI(_ context.Context, api string, _ []byte) (any, error) {
	switch api {
	case milky.APIGetLoginInfo:
		return &milky.GetLoginInfoOutput{Uin: benchSelfID, Nickname: "bench"}, nil
	case milky.APISendGroupMessage:
		return &milky.SendMessageOutput{MessageSeq: a.seq.Add(1), Time: 1750000000}, nil
	}
	return nil, fmt.Errorf("%w: %s", milky.ErrUnknownAPI, api)
}

// startBenchUpstream serves a bare Milky server on loopback; it returns
// the server and its base URL.
func startBenchUpstream(b *testing.B) (*milkyserver.Server, string, *benchAPI) {
	api := &benchAPI{}
	srv := milkyserver.New(milkyserver.Config{API: api, Logger: testLogger(), QueueEvents: 4 * benchWindow})
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		b.Fatal(err)
	}
	go func() { _ = srv.Serve(ln) }()
	b.Cleanup(func() { _ = srv.Close() })
	return srv, "http://" + ln.Addr().String(), api
}

// startBenchGateway runs the gateway against upstream (no metrics
// listener; the metrics are still recorded) and waits until it is ready.
func startBenchGateway(b *testing.B, upstream string) *bridge.Runtime {
	g := bridge.NewOneBotOnMilky(bridge.Options{
		Version:           "bench",
		UpstreamURL:       upstream,
		UpstreamTimeout:   5 * time.Second,
		Listen:            "127.0.0.1:0",
		ReconnectInterval: 100 * time.Millisecond,
		Logger:            testLogger(),
	}, nil)
	if err := g.Start(context.Background()); err != nil {
		b.Fatal(err)
	}
	b.Cleanup(func() {
		c, cancel := context.WithTimeout(context.Background(), wait)
		defer cancel()
		if err := g.Shutdown(c); err != nil {
			b.Errorf("gateway shutdown: %v", err)
		}
	})
	waitFor(b, "gateway ready", g.Ready)
	return g
}

// startRelay serves WebSocket connections with handle on loopback and
// returns the ws:// URL. handle registers any connection it dials with
// track, so cleanup closes those too.
func startRelay(b *testing.B, handle func(c *websocket.Conn, track func(*websocket.Conn))) string {
	var (
		mu    sync.Mutex
		conns []*websocket.Conn
	)
	track := func(c *websocket.Conn) {
		mu.Lock()
		conns = append(conns, c)
		mu.Unlock()
	}
	up := websocket.Upgrader{CheckOrigin: func(*http.Request) bool { return true }}
	ts := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		c, err := up.Upgrade(w, r, nil)
		if err != nil {
			return
		}
		track(c)
		defer c.Close()
		handle(c, track)
	}))
	b.Cleanup(func() {
		mu.Lock()
		for _, c := range conns {
			_ = c.Close()
		}
		mu.Unlock()
		ts.Close()
	})
	return "ws" + strings.TrimPrefix(ts.URL, "http")
}

// dialBot connects the benchmark's bot.
func dialBot(b *testing.B, url string) *websocket.Conn {
	d := websocket.Dialer{HandshakeTimeout: wait}
	c, _, err := d.Dial(url, nil)
	if err != nil {
		b.Fatalf("dial %s: %v", url, err)
	}
	b.Cleanup(func() { _ = c.Close() })
	return c
}

// readFrame reads the next data frame into buf (reused: a bot that keeps
// up allocates nothing per frame), with a deadline against hangs.
func readFrame(c *websocket.Conn, buf *bytes.Buffer) error {
	_ = c.SetReadDeadline(time.Now().Add(wait))
	_, r, err := c.NextReader()
	if err != nil {
		return err
	}
	buf.Reset()
	_, err = buf.ReadFrom(r)
	return err
}

// waitFor polls cond every 10ms until it holds or wait passes.
func waitFor(tb testing.TB, what string, cond func() bool) {
	tb.Helper()
	deadline := time.Now().Add(wait)
	for !cond() {
		if time.Now().After(deadline) {
			tb.Fatalf("timed out waiting for %s", what)
		}
		time.Sleep(10 * time.Millisecond)
	}
}
