package onebot11

import (
	"testing"

	"github.com/stretchr/testify/require"
)

func TestDecodeUpstreamEventPlain(t *testing.T) {
	var ev UpstreamEvent
	require.NoError(t, DecodeUpstreamEvent([]byte(`{"time":1750000000,"self_id":10001,"post_type":"message","message_type":"group","message_id":-5,"real_seq":"4321","group_id":30001,"user_id":20002,"message":[{"type":"text","data":{"text":"x"}}],"sender":{"user_id":20002,"level":"3"}}`), &ev))
	require.Equal(t, int64(4321), int64(ev.RealSeq))
	require.Equal(t, int64(-5), ev.MessageID)
	require.Equal(t, Str("3"), ev.Sender.Level)
	require.JSONEq(t, `[{"type":"text","data":{"text":"x"}}]`, string(ev.Message))
}

// Odd JSON types take the normalising fallback instead of losing the event.
func TestDecodeUpstreamEventLenient(t *testing.T) {
	var ev UpstreamEvent
	require.NoError(t, DecodeUpstreamEvent([]byte(`{"time":1.75e9,"self_id":"10001","post_type":"notice","notice_type":"group_upload","group_id":"30001","user_id":true,"operator_id":[1],"duration":"x","sender":"nobody","file":{"id":7,"name":"a","size":"2048","busid":"102"},"likes":{"x":1},"sub_type":3,"message":null}`), &ev))
	require.Equal(t, int64(1750000000), ev.Time)
	require.Equal(t, int64(10001), ev.SelfID)
	require.Equal(t, int64(30001), ev.GroupID)
	require.Equal(t, int64(1), ev.UserID)
	require.Zero(t, ev.OperatorID)
	require.Zero(t, ev.Duration)
	require.Equal(t, "3", ev.SubType)
	require.Equal(t, UpstreamFile{ID: "7", Name: "a", Size: 2048, BusID: 102}, ev.File)
	require.Nil(t, ev.Likes)
	require.Nil(t, ev.Message)
}

func TestDecodeUpstreamEventNotObject(t *testing.T) {
	var ev UpstreamEvent
	require.Error(t, DecodeUpstreamEvent([]byte(`[1,2]`), &ev))
	require.Error(t, DecodeUpstreamEvent([]byte(`{"time":`), &ev))
}
