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

	"github.com/qqbridge/gateway/milky"
	"github.com/qqbridge/gateway/onebot11"
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

// With Env.LocalFile set, every local reference a bot sends (a file://
// URI, an absolute path; in a segment, an upload, an avatar) is cleaned on
// the string, checked, and passed on as the canonical URI of the checked
// path; a refusal names the field. Without it references pass unchanged.
func TestMediaLocalFiles(t *testing.T) {
	var checked []string
	underRoot := func(p string) error {
		checked = append(checked, p)
		if p == "/srv/media" || strings.HasPrefix(p, "/srv/media/") || strings.HasPrefix(p, "D:/media/") {
			return nil
		}
		return errors.New("outside /srv/media")
	}
	env := &Env{ForOneBot: segment.ForOneBot{Upstream: newScriptedCaller(), LocalFile: underRoot}}
	ctx := context.Background()
	for _, tc := range []struct{ in, want, err string }{
		{"file:///srv/media/a.png", "file:///srv/media/a.png", ""},
		{"/srv/media/./sub//a.png", "file:///srv/media/sub/a.png", ""},
		{"file://localhost/srv/media/a.png", "file:///srv/media/a.png", ""},
		{"FILE:///srv/media/a%20b.png", "file:///srv/media/a%20b.png", ""},
		{`D:\media\x\..\a.png`, "file:///D:/media/a.png", ""},
		{"file://D:/media/a.png", "file:///D:/media/a.png", ""},
		{"https://example.com/a.png", "https://example.com/a.png", ""},
		{"base64://iVBOR", "base64://iVBOR", ""},
		{"file:///etc/passwd", "", `file: local file "/etc/passwd" refused: outside /srv/media`},
		{"/srv/media/../../etc/passwd", "", `file: local file "/etc/passwd" refused: outside /srv/media`},
		{"file:///srv/media/a%2F..%2F..%2Fetc%2Fshadow", "", `file: local file "/srv/etc/shadow" refused: outside /srv/media`},
		{"file:///srv/mediaX/a.png", "", `file: local file "/srv/mediaX/a.png" refused: outside /srv/media`},
		{`C:\Windows\win.ini`, "", `file: local file "C:/Windows/win.ini" refused: outside /srv/media`},
		{"file://etc/passwd", "", `file: file URI "file://etc/passwd" names the host "etc": only local files can be sent`},
		{"file://localhost", "", `file: file URI "file://localhost" has no absolute path`},
		{"file:///srv/media/a.png#x", "", `file: file URI "file:///srv/media/a.png#x" has a query or fragment: percent-encode ? and # in file names`},
	} {
		got, err := env.MediaURI(ctx, "file", tc.in)
		if tc.err != "" {
			require.Error(t, err, tc.in)
			assert.Equal(t, tc.err, ErrorResponse(err).Message, tc.in)
			assert.Equal(t, onebot11.RetcodeBadRequest, ErrorResponse(err).Retcode, tc.in)
			continue
		}
		require.NoError(t, err, tc.in)
		assert.Equal(t, tc.want, got, tc.in)
	}
	assert.NotContains(t, checked, "", "the predicate only sees paths")

	// Every action that takes media goes through the check, naming its field.
	ids := newFakeIDs()
	for _, tc := range []struct{ action, params, msg string }{
		{"send_group_msg", `{"group_id":123456,"message":"[CQ:image,file=file:///etc/passwd]"}`,
			`send_group_msg: message[0] (image) file: local file "/etc/passwd" refused: outside /srv/media`},
		{"send_group_msg", `{"group_id":123456,"message":[{"type":"record","data":{"path":"/root/.ssh/id_rsa"}}]}`,
			`send_group_msg: message[0] (record) path: local file "/root/.ssh/id_rsa" refused: outside /srv/media`},
		// A refused file is reported, not replaced by the segment's url.
		{"send_group_msg", `{"group_id":123456,"message":[{"type":"image","data":{"file":"/etc/passwd","url":"https://example.com/a.png"}}]}`,
			`send_group_msg: message[0] (image) file: local file "/etc/passwd" refused: outside /srv/media`},
		{"send_group_msg", `{"group_id":123456,"message":[{"type":"file","data":{"file":"/etc/passwd"}}]}`,
			`send_group_msg: message[0] (file) file: local file "/etc/passwd" refused: outside /srv/media`},
		{"upload_group_file", `{"group_id":123456,"file":"/etc/passwd","name":"p"}`,
			`upload_group_file: parameter file: local file "/etc/passwd" refused: outside /srv/media`},
		{"set_qq_avatar", `{"file":"file:///etc/passwd"}`,
			`set_qq_avatar: parameter file: local file "/etc/passwd" refused: outside /srv/media`},
	} {
		caller := newScriptedCaller()
		env := &Env{ForOneBot: segment.ForOneBot{Upstream: caller, IDs: ids, SelfID: func() int64 { return 10001 }, LocalFile: underRoot}}
		r := Do(ctx, env, tc.action, json.RawMessage(tc.params))
		assert.Equal(t, tc.msg, r.Message, tc.params)
		assert.Equal(t, onebot11.RetcodeBadRequest, r.Retcode, tc.params)
		assert.Empty(t, caller.Calls(), "nothing goes upstream: %s", tc.params)
		assert.Equal(t, r, Validate(ctx, env, tc.action, json.RawMessage(tc.params)), "an _async call is refused the same way")
	}

	// No policy: local references pass as they came (today's behaviour).
	open := &Env{ForOneBot: segment.ForOneBot{Upstream: newScriptedCaller()}}
	got, err := open.MediaURI(ctx, "file", "file:///srv/media/../../etc/passwd")
	require.NoError(t, err)
	assert.Equal(t, "file:///srv/media/../../etc/passwd", got)
}
