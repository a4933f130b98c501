package client

import (
	"bytes"
	"sync"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/qqbridge/gateway/onebot11/ob11fake"
)

// trier takes the frames holding "take-me" (and panics on "boom"); the rest
// it declines, and they go the usual way to the embedded collector.
type trier struct {
	*collector
	mu    sync.Mutex
	taken [][]byte
}

func (t *trier) TryEvent(raw []byte) bool {
	if bytes.Contains(raw, []byte("boom")) {
		panic("boom")
	}
	if !bytes.Contains(raw, []byte("take-me")) {
		return false
	}
	t.mu.Lock()
	t.taken = append(t.taken, append([]byte(nil), raw...))
	t.mu.Unlock()
	return true
}

func TestEventTrierTakesFirstDeclinedGoTheUsualWay(t *testing.T) {
	f := newFake(t, ob11fake.Options{})
	url, err := f.ListenWS("127.0.0.1:0")
	require.NoError(t, err)
	tr := &trier{collector: newCollector()}
	obs := newObserver()
	c := start(t, Config{URL: url, Handler: tr, Observer: obs})
	waitReady(t, c)
	require.NoError(t, f.EmitRaw([]byte(`{"post_type":"message","raw_message":"take-me"}`)))
	require.NoError(t, f.EmitRaw([]byte(`{"post_type":"message","raw_message":"boom"}`)))
	require.NoError(t, f.EmitRaw([]byte("not json")))
	require.NoError(t, f.Emit(ob11fake.PrivateMessage(f.SelfID(), 7, "ok")))
	require.Equal(t, []int{7}, tr.waitEvents(t, 1), "a declined event reaches OnEvent")
	var info struct {
		UserID int64 `json:"user_id"`
	}
	require.NoError(t, c.Call(ctxT(t), "get_login_info", nil, &info), "a declined reply resolves its call")
	tr.mu.Lock()
	require.Len(t, tr.taken, 1)
	tr.mu.Unlock()
	require.Equal(t, 1, obs.droppedOf(DropMalformed))
	require.Equal(t, 1, obs.droppedOf(DropHandlerErr))
}
