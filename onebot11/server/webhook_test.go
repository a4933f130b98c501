package server

import (
	"crypto/hmac"
	"crypto/sha1"
	"encoding/hex"
	"fmt"
	"math/rand/v2"
	"strings"
	"testing"
	"time"

	"github.com/goccy/go-json"
	"github.com/qqbridge/gateway/onebot11/ob11test"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func independentHMAC(secret string, body []byte) string {
	m := hmac.New(sha1.New, []byte(secret))
	m.Write(body)
	return "sha1=" + hex.EncodeToString(m.Sum(nil))
}

func TestSignatureKnownVector(t *testing.T) {
	// HMAC-SHA1("key", "The quick brown fox jumps over the lazy dog") (RFC 2104 test usage).
	assert.Equal(t, "sha1=de7c9b85b8b78aa6bc8a7a36f70a90701c9db4d9",
		signature("key", []byte("The quick brown fox jumps over the lazy dog")))
}

func randomEvent(r *rand.Rand, i int) []byte {
	pieces := []string{"你好", "😀", "\u2028", "\u2029", `\"`, "&#91;CQ:face,id=1&#93;", "é", "\t", "ascii", "<>&", "\u0000"}
	var sb strings.Builder
	for range r.IntN(8) + 1 {
		sb.WriteString(pieces[r.IntN(len(pieces))])
	}
	msg, _ := json.Marshal(sb.String())
	// Raw U+2028 as UTF-8 inside the JSON string too (json.Marshal escapes it).
	return fmt.Appendf(nil, `{"time":1,"self_id":%d,"post_type":"message","message_id":%d,"message":%s,"raw":"%s"}`,
		testSelfID, i, msg, "\u2028名")
}

func TestWebhookSignatureAndOrder(t *testing.T) {
	const secret = "s3cr3t-密钥"
	env, wh, ctx := startWebhookEnv(t, ServerConfig{Secret: secret})

	r := rand.New(rand.NewPCG(1, 2))
	const n = 300
	sent := make([][]byte, n)
	for i := range n {
		sent[i] = randomEvent(r, i+1)
		env.s.Publish(sent[i])
	}
	for i := range n {
		d, err := wh.NextEvent(ctx)
		require.NoError(t, err)
		require.Equal(t, string(sent[i]), string(d.Body), "bytes posted unchanged and in order")
		assert.Equal(t, independentHMAC(secret, d.Body), d.Header.Get("X-Signature"))
		if i == 0 {
			assert.Equal(t, "application/json", d.Header.Get("Content-Type"))
			assert.Equal(t, "10001", d.Header.Get("X-Self-ID"))
			assert.True(t, strings.HasPrefix(d.Header.Get("User-Agent"), "qqbridge-gateway"))
		}
	}
	assert.Zero(t, wh.BadSignatures())
	assert.Zero(t, wh.BadBodies())
}

func TestWebhookWithoutSecretHasNoSignature(t *testing.T) {
	env, wh, ctx := startWebhookEnv(t, ServerConfig{})
	env.s.Publish(testEvent(1))
	d, err := wh.NextEvent(ctx)
	require.NoError(t, err)
	assert.Empty(t, d.Header.Get("X-Signature"))
}

func TestWebhookQuickOperation(t *testing.T) {
	env, wh, ctx := startWebhookEnv(t, ServerConfig{Secret: "k"})

	op := json.RawMessage(`{"reply":"pong 你好","at_sender":false}`)
	wh.QuickOperation(op, 1)
	wh.QuickOperation(json.RawMessage(`{}`), 1)     // empty object: nothing to do
	wh.QuickOperation(json.RawMessage(`"text"`), 1) // not an object: ignored
	for i := 1; i <= 4; i++ {                       // the 4th gets 204
		env.s.Publish(testEvent(i))
	}
	for range 4 {
		_, err := wh.NextEvent(ctx)
		require.NoError(t, err)
	}
	select {
	case q := <-env.b.quickCh:
		assert.JSONEq(t, string(testEvent(1)), string(q.event))
		assert.JSONEq(t, string(op), string(q.op))
	case <-ctx.Done():
		t.Fatal("quick operation not passed to the backend")
	}
	// Let the sender finish the remaining events, then check no more ops.
	eventually(t, func() bool { return env.s.webhooks[0].queue.len() == 0 }, "queue drained")
	time.Sleep(20 * time.Millisecond)
	env.b.mu.Lock()
	defer env.b.mu.Unlock()
	assert.Len(t, env.b.quick, 1)
}

func TestWebhookRetriesThenDelivers(t *testing.T) {
	env, wh, ctx := startWebhookEnv(t, ServerConfig{WebhookRetryInterval: 5 * time.Millisecond, ReconnectInterval: 10 * time.Millisecond})
	wh.Fail(500, 2)
	env.s.Publish(testEvent(1))
	d, err := wh.NextEvent(ctx)
	require.NoError(t, err)
	assert.Equal(t, 1, eventSeq(t, d.Body))
	assert.Equal(t, 3, wh.Attempts(), "two failures then success")
}

func TestWebhookDownKeepsEventsQueued(t *testing.T) {
	env, wh, ctx := startWebhookEnv(t, ServerConfig{WebhookRetryInterval: time.Millisecond, ReconnectInterval: 5 * time.Millisecond})
	eventually(t, func() bool { return env.obs.get(&env.obs.opened, "webhook") == 1 }, "the target counts as up from its start")
	wh.Fail(503, 13) // more than one full round of 1+3 attempts, three times over
	for i := 1; i <= 10; i++ {
		env.s.Publish(testEvent(i))
	}
	eventually(t, func() bool { return env.s.Connections()["webhook"] == 0 }, "target marked down")
	assert.Equal(t, 1, env.obs.get(&env.obs.closed, "webhook"))
	for i := 1; i <= 10; i++ {
		d, err := wh.NextEvent(ctx)
		require.NoError(t, err)
		require.Equal(t, i, eventSeq(t, d.Body), "in order, none lost")
	}
	assert.Len(t, wh.Deliveries(), 10, "none duplicated")
	eventually(t, func() bool { return env.s.Connections()["webhook"] == 1 }, "target up again")
	// Opened less closed is what the connections gauge shows: one target up.
	assert.Equal(t, 1, env.obs.get(&env.obs.closed, "webhook"))
	assert.Equal(t, 2, env.obs.get(&env.obs.opened, "webhook"))
	// Stopped, it counts as closed: the gauge is back to 0.
	require.NoError(t, env.s.Shutdown(ctx))
	assert.Equal(t, 2, env.obs.get(&env.obs.closed, "webhook"))
}

func TestWebhookRejectedEventIsDropped(t *testing.T) {
	env, wh, ctx := startWebhookEnv(t, ServerConfig{})
	wh.Fail(400, 1)
	env.s.Publish(testEvent(1))
	env.s.Publish(testEvent(2))
	d, err := wh.NextEvent(ctx)
	require.NoError(t, err)
	assert.Equal(t, 2, eventSeq(t, d.Body))
	assert.Equal(t, 1, env.obs.get(&env.obs.drops, "webhook/rejected"))
}

func TestWebhookQueueIsBounded(t *testing.T) {
	wh := ob11test.NewWebhookReceiver("")
	t.Cleanup(wh.Close)
	env := newEnv(t, ServerConfig{Webhooks: []string{wh.URL}, QueueSize: 5, WebhookRetryInterval: time.Millisecond, ReconnectInterval: time.Hour})
	// Not started: nothing is sent, the queue only fills.
	for i := 1; i <= 20; i++ {
		env.s.Publish(testEvent(i))
	}
	assert.Equal(t, 15, env.obs.get(&env.obs.drops, "webhook/buffer_full"))
	assert.Equal(t, 5, env.s.webhooks[0].queue.len())
	ctx := testCtx(t)
	env.s.Start(ctx)
	for i := 16; i <= 20; i++ {
		d, err := wh.NextEvent(ctx)
		require.NoError(t, err)
		assert.Equal(t, i, eventSeq(t, d.Body), "the newest events survive")
	}
}

func TestWebhookUnreachableDoesNotDelayOthers(t *testing.T) {
	good := ob11test.NewWebhookReceiver("")
	t.Cleanup(good.Close)
	dead := ob11test.NewWebhookReceiver("")
	deadURL := dead.URL
	dead.Close() // connection refused from now on
	env := newEnv(t, ServerConfig{Webhooks: []string{deadURL, good.URL}, WebhookRetryInterval: 50 * time.Millisecond})
	ctx := testCtx(t)
	env.s.Start(ctx)
	for i := 1; i <= 20; i++ {
		env.s.Publish(testEvent(i))
	}
	for i := 1; i <= 20; i++ {
		d, err := good.NextEvent(ctx)
		require.NoError(t, err)
		assert.Equal(t, i, eventSeq(t, d.Body))
	}
}

func TestSignatureMatchesIndependentHMAC(t *testing.T) {
	r := rand.New(rand.NewPCG(3, 4))
	for i := range 10000 {
		body := randomEvent(r, i)
		secret := fmt.Sprintf("k-%d-密", r.IntN(1000))
		require.Equal(t, independentHMAC(secret, body), signature(secret, body))
		require.True(t, ob11test.ValidSignature(secret, body, signature(secret, body)))
	}
}
