package main

import (
	"bytes"
	"context"
	"encoding/json"
	"os"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// The relay is this test binary re-executed (os.Executable), as it is the
// tool's own binary under go run.
func TestMain(m *testing.M) {
	if os.Getenv(relayEnv) != "" {
		os.Exit(relayMain(os.Args[1:]))
	}
	os.Exit(m.Run())
}

// TestBench_Tiny runs the whole tool with tiny counts: it builds the
// gateway and starts processes, so only with GATEWAY_BENCH=1
// (GATEWAY_BENCH=1 go test ./bench). It checks that every figure is
// measured, not what it is: timing assertions on a shared machine lie.
func TestBench_Tiny(t *testing.T) {
	if os.Getenv("GATEWAY_BENCH") != "1" {
		t.Skip("set GATEWAY_BENCH=1 to build and run the gateway")
	}
	tmp := t.TempDir()
	bin, err := buildGateway(context.Background(), tmp)
	require.NoError(t, err)
	for _, name := range []string{"ob11milky", "milkyob11"} {
		t.Run(name, func(t *testing.T) {
			dir := directions[name]
			if err := available(context.Background(), bin, dir, tmp); err != nil {
				t.Skip(err)
			}
			o := defaults()
			o.direction, o.gateway = name, bin
			o.events, o.window, o.paced, o.calls, o.callers, o.rounds = 300, 32, 200*time.Millisecond, 20, 2, 2
			o.groups = 3 // the fake answers each group's lookups: no problem reported
			ctx, cancel := context.WithTimeout(context.Background(), 3*time.Minute)
			defer cancel()
			rep, err := runBench(ctx, o)
			require.NoError(t, err)
			assert.Empty(t, rep.problems, "one upstream call per bot call, every call answered by the fake")
			transports := 2
			if dir.wsPath == "" {
				transports = 1
			}
			require.Len(t, rep.rows(), 4+2*transports)
			for i := range 2 {
				require.Len(t, rep.rate[i], 2)
				assert.Positive(t, rep.rate[i][0])
				assert.Len(t, rep.paced[i], 2*int(o.rate*o.paced.Seconds()))
				for tr := range transports {
					assert.Len(t, rep.lat[i][tr], 2*o.calls)
				}
			}
			assert.Positive(t, rep.gwPeak.HWM)
			assert.Positive(t, rep.gwPeak.Anon)
			assert.Positive(t, rep.gwPeak.File)
			assert.Positive(t, rep.heapPeak)
			var md bytes.Buffer
			rep.markdown(&md)
			assert.Contains(t, md.String(), "| event throughput / raw relay's |")
			assert.Contains(t, md.String(), "| peak RSS after ")
		})
	}
}

// TestBench_UnavailableDirection: a direction the binary does not run is
// refused with the gateway's own reason, before anything starts. Skipped
// once the gateway runs it.
func TestBench_UnavailableDirection(t *testing.T) {
	if os.Getenv("GATEWAY_BENCH") != "1" {
		t.Skip("set GATEWAY_BENCH=1 to build and run the gateway")
	}
	tmp := t.TempDir()
	bin, err := buildGateway(context.Background(), tmp)
	require.NoError(t, err)
	err = available(context.Background(), bin, directions["milkyob11"], tmp)
	if err == nil {
		t.Skip("this gateway runs milkyob11")
	}
	assert.Contains(t, err.Error(), "not available")
}

func TestFrames_StampAndMarker(t *testing.T) {
	for name, tpl := range map[string]*frameTemplate{"milky": milkyGroupMessage(3), "onebot": oneBotGroupMessage(3)} {
		for _, i := range []int64{0, 7, 1_234_567} {
			frame := tpl.stamp(i)
			assert.True(t, json.Valid(frame), "%s %d: %s", name, i, frame)
			assert.Equal(t, i, markerIndex(frame), name)
		}
	}
	var ev struct {
		Data struct {
			MessageSeq int64 `json:"message_seq"`
		} `json:"data"`
	}
	require.NoError(t, json.Unmarshal(milkyGroupMessage(1).stamp(42), &ev))
	assert.Equal(t, int64(100_000_000_042), ev.Data.MessageSeq)
	var ob struct {
		MessageID int32  `json:"message_id"`
		RealSeq   string `json:"real_seq"` // NapCat's: a string
	}
	require.NoError(t, json.Unmarshal(oneBotGroupMessage(1).stamp(42), &ob))
	assert.Equal(t, int32(1_000_000_042), ob.MessageID)
	assert.Equal(t, "100000000042", ob.RealSeq)
	assert.Equal(t, int64(-1), markerIndex([]byte(`{"post_type":"meta_event"}`)))
	assert.Equal(t, int64(-1), markerIndex([]byte(`bench#12x`)))

	// -groups 3: event 7 is in the second group, in every field naming it.
	var mg struct {
		Data struct {
			PeerID int64 `json:"peer_id"`
			Group  struct {
				GroupID int64 `json:"group_id"`
			} `json:"group"`
			Member struct {
				GroupID int64 `json:"group_id"`
			} `json:"group_member"`
		} `json:"data"`
	}
	require.NoError(t, json.Unmarshal(milkyGroupMessage(3).stamp(7), &mg))
	assert.Equal(t, [3]int64{30002, 30002, 30002}, [3]int64{mg.Data.PeerID, mg.Data.Group.GroupID, mg.Data.Member.GroupID})
	var og struct {
		GroupID int64 `json:"group_id"`
	}
	require.NoError(t, json.Unmarshal(oneBotGroupMessage(3).stamp(8), &og))
	assert.Equal(t, int64(30003), og.GroupID)
}

func TestOneBotUpstream_Reply(t *testing.T) {
	u := &oneBotUpstream{fake{hub: newHub()}}
	for _, tc := range []struct{ in, want string }{
		{`{"action":"send_group_msg","params":{"group_id":1,"message":"a,b}"},"echo":7}`, `{"status":"ok","retcode":0,"data":{"message_id":1},"message":"","echo":7}`},
		{`{"action":"get_login_info","echo":{"seq":"x,}"}}`, `{"status":"ok","retcode":0,"data":{"user_id":10001,"nickname":"bench"},"message":"","echo":{"seq":"x,}"}}`},
		{`{"action":"nope","echo":"e\"1"}`, `{"status":"failed","retcode":1404,"data":null,"message":"not in the benchmark's fake","echo":"e\"1"}`},
		{`{"action":"get_status"}`, `{"status":"ok","retcode":0,"data":{"online":true,"good":true},"message":"","echo":null}`},
		{`{"action":"get_group_info","params":{"group_id":30007},"echo":1}`, `{"status":"ok","retcode":0,"data":{"group_id":30007,"group_name":"Test Group","member_count":42,"max_member_count":200},"message":"","echo":1}`},
	} {
		got := u.reply([]byte(tc.in))
		assert.JSONEq(t, tc.want, string(got), tc.in)
	}
	assert.Equal(t, int64(1), u.sends())
	assert.Equal(t, int64(4), u.others())
}

func TestReplyEcho(t *testing.T) {
	v, ok := replyEcho([]byte(`{"status":"ok","echo":123}`))
	assert.True(t, ok)
	assert.Equal(t, int64(123), v)
	_, ok = replyEcho([]byte(`{"post_type":"message"}`))
	assert.False(t, ok)
}

func TestStats(t *testing.T) {
	d := []time.Duration{5, 1, 4, 2, 3}
	assert.Equal(t, time.Duration(3), pct(d, 0.5))
	assert.Equal(t, time.Duration(5), pct(d, 0.99))
	assert.Equal(t, time.Duration(1), pct(d, 0))
	assert.Equal(t, time.Duration(0), pct(nil, 0.5))
	assert.InDelta(t, 2.5, median([]float64{4, 1, 2, 3}), 1e-9)
	assert.Equal(t, "1.07M", count(1_070_000))
}

// TestProc_ReadsItself: the /proc readers parse this very process.
func TestProc_ReadsItself(t *testing.T) {
	m, err := readMem(os.Getpid())
	require.NoError(t, err)
	assert.Positive(t, m.HWM)
	assert.Positive(t, m.Anon)
	assert.GreaterOrEqual(t, m.RSS, m.Anon)
	// Burn a little CPU so the reading is past one clock tick.
	deadline := time.Now().Add(30 * time.Millisecond)
	for x := 0; time.Now().Before(deadline); x++ {
		_ = strings.Repeat("x", x%64)
	}
	c, err := cpuOf(os.Getpid())
	require.NoError(t, err)
	assert.Positive(t, c.total())
	assert.Equal(t, cpuTime{}, c.sub(c))
	assert.Positive(t, syscallCost())
}

// TestKernelShare: the kernel's part of a CPU figure, none for no CPU.
func TestKernelShare(t *testing.T) {
	assert.Zero(t, kernelShare(cpuTime{}))
	assert.InDelta(t, 0.25, kernelShare(cpuTime{user: 3 * time.Millisecond, sys: time.Millisecond}), 1e-9)
	assert.Equal(t, "98.8 µs (25 % kernel)", cpuCell(98.8, []float64{0.2, 0.25, 0.3}))
}

func TestCLI_BadFlags(t *testing.T) {
	var out, errb bytes.Buffer
	assert.Equal(t, 2, cli([]string{"-rounds", "0"}, &out, &errb))
	assert.Contains(t, errb.String(), "must be positive")
	errb.Reset()
	assert.Equal(t, 2, cli([]string{"extra"}, &out, &errb))
	assert.Contains(t, errb.String(), "unexpected argument")
}

// TestRelay_BothDirections drives the raw relay (this test binary
// re-executed) over each direction's fake upstream: events arrive in order
// and every call gets the fake's answer, over HTTP and, where the
// direction has one, WebSocket. No gateway is built.
func TestRelay_BothDirections(t *testing.T) {
	for _, name := range []string{"ob11milky", "milkyob11"} {
		t.Run(name, func(t *testing.T) {
			dir := directions[name]
			ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
			defer cancel()
			x, err := startRelay(ctx, dir, 1)
			require.NoError(t, err)
			defer func() {
				if x.ev.bot != nil {
					x.ev.bot.close()
				}
				x.p.terminate(5 * time.Second)
				x.up.close()
			}()
			var next atomic.Int64
			require.NoError(t, x.ev.connect(ctx, dir, x, &next))
			res, err := x.eventRound(ctx, 200, 16, 0)
			require.NoError(t, err)
			assert.Len(t, res.latency, 200)
			res, err = x.eventRound(ctx, 20, 0, 1000)
			require.NoError(t, err)
			assert.Len(t, res.latency, 20)
			_, err = x.callRound(ctx, dir, false, 2, 5)
			require.NoError(t, err)
			if dir.wsPath != "" {
				_, err = x.callRound(ctx, dir, true, 2, 5)
				require.NoError(t, err)
			}
			assert.Equal(t, x.calls, x.up.sends())
		})
	}
}

func TestRow_Verdict(t *testing.T) {
	assert.Equal(t, "met", row{ok: true}.verdict())
	assert.Equal(t, "MISSED", row{}.verdict())
	assert.Equal(t, "met? (negative: noise)", row{ok: true, unresolved: true}.verdict())
	assert.Equal(t, "MISSED (negative: noise)", row{unresolved: true}.verdict())
}
