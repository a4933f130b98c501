package ob11milky

import (
	"context"
	"testing"

	"github.com/qqbridge/gateway/segment"

	"github.com/goccy/go-json"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/qqbridge/gateway/milky"
)

func TestMediaURI(t *testing.T) {
	tests := []struct{ in, want string }{
		{"http://example.com/a.png", "http://example.com/a.png"},
		{"HTTPS://example.com/a.png?x=1&y=2", "HTTPS://example.com/a.png?x=1&y=2"},
		{"base64://iVBORw0KGgo=", "base64://iVBORw0KGgo="},
		{"file:///tmp/a.png", "file:///tmp/a.png"},
		{"file://d:/1.png", "file://d:/1.png"}, // LLOneBot's non-RFC form passes through
		{"data:image/png;base64,iVBOR", "base64://iVBOR"},
		{"/tmp/a.png", "file:///tmp/a.png"},
		{"/tmp/a b#c?.png", "file:///tmp/a%20b%23c%3F.png"},
		{`C:\Users\bot\a.png`, "file:///C:/Users/bot/a.png"},
		{"d:/music/1.mp3", "file:///d:/music/1.mp3"},
		{"  /padded.png  ", "file:///padded.png"},
		// Not a URL or absolute path: a received resource id.
		{"EhQ0aGVfcmVzb3VyY2U", "https://fresh.example/EhQ0aGVfcmVzb3VyY2U"},
		{"./relative.png", "https://fresh.example/./relative.png"},
		{"data:text/plain,hello", "https://fresh.example/data:text/plain,hello"},
	}
	var asked []string
	env := &Env{
		ForOneBot: segment.ForOneBot{Upstream: answerCaller(func(api string, body []byte) (json.RawMessage, error) {
			require.Equal(t, milky.APIGetResourceTempURL, api)
			var in milky.GetResourceTempURLInput
			require.NoError(t, json.Unmarshal(body, &in))
			asked = append(asked, in.ResourceID)
			out, _ := json.Marshal(milky.GetResourceTempURLOutput{URL: "https://fresh.example/" + in.ResourceID})
			return out, nil
		})},
	}
	for _, tt := range tests {
		got, err := env.MediaURI(context.Background(), "file", tt.in)
		require.NoError(t, err, tt.in)
		assert.Equal(t, tt.want, got, tt.in)
	}
	assert.Equal(t, []string{"EhQ0aGVfcmVzb3VyY2U", "./relative.png", "data:text/plain,hello"}, asked)

	_, err := env.MediaURI(context.Background(), "message[0] (image) file", "   ")
	require.Error(t, err)
	assert.Equal(t, "message[0] (image) file: empty file reference", err.Error())
}
