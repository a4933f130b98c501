package ob11milky

import (
	"context"
	"errors"
	"strings"
	"testing"

	"github.com/qqbridge/gateway/segment"

	"github.com/goccy/go-json"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/qqbridge/gateway/idmap"
	"github.com/qqbridge/gateway/milky"
	"github.com/qqbridge/gateway/onebot11"
)

// fuzzEnv answers every call the conversion may make.
func fuzzEnv() *Env {
	ids := newFakeIDs()
	ids.preload(1, idmap.Ref{Scene: milky.SceneGroup, Peer: 123456, Seq: 1})
	ids.preload(2, idmap.Ref{Scene: milky.SceneFriend, Peer: 10002, Seq: 2})
	ids.preload(3, idmap.Ref{Scene: milky.SceneTemp, Peer: 10003, Seq: 3})
	msg := `{"message":{"message_scene":"group","peer_id":123456,"message_seq":1,"sender_id":10002,"time":1,` +
		`"segments":[{"type":"text","data":{"text":"x"}},{"type":"image","data":{"resource_id":"r","temp_url":""}},` +
		`{"type":"reply","data":{"message_seq":1}},{"type":"mention","data":{"user_id":10003}}]}}`
	return &Env{
		ForOneBot: segment.ForOneBot{IDs: ids, SelfID: func() int64 { return 10001 }, Upstream: answerCaller(func(api string, body []byte) (json.RawMessage, error) {
			switch api {
			case milky.APIGetMessage:
				return json.RawMessage(msg), nil
			case milky.APIGetResourceTempURL:
				if strings.Contains(string(body), "missing") {
					return nil, &milky.APIError{API: api, Retcode: -404, Message: "no such resource"}
				}
				return json.RawMessage(`{"url":"https://example.com/fresh"}`), nil
			}
			return nil, &milky.APIError{API: api, HTTPStatus: 404}
		})},
	}
}

func TestOutgoingNestingLimit(t *testing.T) {
	content := any("deepest")
	for i := 0; i < segment.MaxForwardDepth+2; i++ {
		content = []onebot11.Segment{{Type: "node", Data: map[string]any{"user_id": 10002, "nickname": "n", "content": content}}}
	}
	_, err := fuzzEnv().OutgoingMessage(context.Background(), content.([]onebot11.Segment), milky.SceneGroup, 123456)
	require.Error(t, err)
	assert.Contains(t, err.Error(), "nested deeper than 8")

	content = any("ok")
	for i := 0; i < segment.MaxForwardDepth; i++ {
		content = []onebot11.Segment{{Type: "node", Data: map[string]any{"user_id": 10002, "nickname": "n", "content": content}}}
	}
	out, err := fuzzEnv().OutgoingMessage(context.Background(), content.([]onebot11.Segment), milky.SceneGroup, 123456)
	require.NoError(t, err)
	require.Len(t, out, 1)
}

func TestOutgoingNodeByIDFetchesFreshMedia(t *testing.T) {
	segs := []onebot11.Segment{{Type: "node", Data: map[string]any{"id": "1"}}}
	out, err := fuzzEnv().OutgoingMessage(context.Background(), segs, milky.SceneFriend, 10002)
	require.NoError(t, err)
	body, err := json.Marshal(out)
	require.NoError(t, err)
	assert.JSONEq(t, `[{"type":"forward","data":{"messages":[{"user_id":10002,"sender_name":"10002","segments":[
		{"type":"text","data":{"text":"x"}},
		{"type":"image","data":{"uri":"https://example.com/fresh","sub_type":"normal"}},
		{"type":"mention","data":{"user_id":10003}}]}]}}]`, string(body))
}

// FuzzOutgoingMessage: any message, as JSON (string/object/array form) or
// as a raw CQ string, converts or fails with a OneBot error; never panics,
// never yields an empty message or a mention Milky would reject.
func FuzzOutgoingMessage(f *testing.F) {
	for _, s := range []string{
		`"hi [CQ:face,id=14]"`,
		`"[CQ:at,qq=all] [CQ:at,qq=10002][CQ:reply,id=1]x"`,
		`"[CQ:image,file=https://a/b.png,subType=1,summary=s][CQ:record,file=/a.mp3][CQ:video,file=C:\\v.mp4,thumb=missing]"`,
		`{"type":"text","data":{"text":"one"}}`,
		`[{"type":"node","data":{"user_id":10002,"nickname":"a","content":"[CQ:face,id=1]"}},{"type":"node","data":{"id":1}}]`,
		`[{"type":"node","data":{"uin":"10003","name":"b","content":[{"type":"node","data":{"content":{"type":"text","data":{"text":"in"}}}}]}}]`,
		`[{"type":"json","data":{"data":{"app":"x"}}},{"type":"forward","data":{"id":"abc"}}]`,
		`[{"type":"dice","data":{}},{"type":"text","data":{"text":""}}]`,
		`[{"type":"reply","data":{"id":"4294967295"}},{"type":"face","data":{"id":1,"large":"true"}}]`,
		`[{"type":"image","data":{"file":"missing"}}]`,
		`[{"type":"node","data":{"id":"2"}},{"type":"node","data":{"id":"3"}}]`,
		`[]`, `""`, `null`, `[{"type":"at","data":{"qq":null}}]`, `42`, `-1.5e3`, `12x`,
		`hi [CQ:node,content=&#91;CQ:face&#44;id=1&#93;]`,
	} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		env := fuzzEnv()
		ctx := context.Background()
		try := func(segs []onebot11.Segment) {
			for _, target := range []struct {
				scene string
				peer  int64
			}{{milky.SceneGroup, 123456}, {milky.SceneFriend, 10002}} {
				out, err := env.OutgoingMessage(ctx, segs, target.scene, target.peer)
				if err != nil {
					var ob *onebot11.Error
					var api *milky.APIError
					if !errors.As(err, &ob) && !errors.As(err, &api) {
						t.Fatalf("error of unexpected kind %T: %v", err, err)
					}
					continue
				}
				require.NotEmpty(t, out)
				checkOutgoing(t, out, 0)
				_, err = json.Marshal(out)
				require.NoError(t, err)
			}
		}
		if segs, err := onebot11.ParseMessage(data, false); err == nil {
			try(segs)
		}
		if segs, err := onebot11.ParseCQ(string(data)); err == nil {
			try(segs)
		}
	})
}

func checkOutgoing(t *testing.T, segs []milky.OutgoingSegment, depth int) {
	require.LessOrEqual(t, depth, segment.MaxForwardDepth+1)
	for _, s := range segs {
		switch d := s.Data.(type) {
		case milky.OutgoingMention:
			require.True(t, milky.ValidUin(d.UserID), "mention %d", d.UserID)
		case milky.OutgoingText:
			require.NotEmpty(t, d.Text)
		case milky.OutgoingForward:
			require.NotEmpty(t, d.Messages)
			for _, m := range d.Messages {
				require.True(t, milky.ValidUin(m.UserID), "node sender %d", m.UserID)
				require.NotEmpty(t, m.Segments)
				checkOutgoing(t, m.Segments, depth+1)
			}
		}
	}
}
