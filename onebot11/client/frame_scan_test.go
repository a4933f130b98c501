package client

import (
	"testing"

	"github.com/goccy/go-json"
	"github.com/stretchr/testify/require"
)

var frameSeeds = []string{
	`{"post_type":"message","message_type":"group","message":[{"type":"text","data":{"text":"hi"}}],"sub_type":"normal"}`,
	`{"status":"ok","retcode":0,"data":{"message_id":1},"echo":"12"}`,
	`{"status":"failed","retcode":100,"data":null,"message":"bad","wording":"w","msg":"m","echo":12}`,
	`{"post_type":"meta_event","meta_event_type":"heartbeat","interval":5000,"status":{"online":true}}`,
	`{"post_type":"meta_event","meta_event_type":"lifecycle","sub_type":"connect"}`,
	`{"post_type":"x\u0079"}`, `{"Post_Type":"message"}`, `{"post_type":1}`, `{"post_type":null}`, `{"echo":1,"echo":2}`,
	`{"a":1}`, `{}`, `{"a":}`, `{"post_type":"中文"}`,
}

// FuzzScanFrame: a frame the scan accepts is the frame the general decoder
// reads.
func FuzzScanFrame(f *testing.F) {
	for _, s := range frameSeeds {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, in []byte) {
		var fast frame
		if !scanFrame(in, &fast) {
			return
		}
		var want frame
		require.NoError(t, json.Unmarshal(in, &want), "scan accepted what the decoder rejects: %q", in)
		require.Equal(t, norm(want), norm(fast), "input %q", in)
	})
}

func norm(f frame) frame {
	for _, r := range []*json.RawMessage{&f.Echo, &f.Status, &f.Retcode, &f.Data, &f.Message, &f.Wording, &f.Msg, &f.SubType, &f.Interval} {
		if len(*r) == 0 {
			*r = nil
		}
	}
	return f
}

func TestScanFrameSeeds(t *testing.T) {
	accepted := 0
	for _, s := range frameSeeds {
		var fast, want frame
		if !scanFrame([]byte(s), &fast) {
			continue
		}
		accepted++
		require.NoError(t, json.Unmarshal([]byte(s), &want))
		require.Equal(t, norm(want), norm(fast), s)
	}
	require.GreaterOrEqual(t, accepted, 6)
}
