package milkyob11

import (
	"context"
	"errors"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/qqbridge/gateway/milky"
	"github.com/qqbridge/gateway/onebot11"
)

// --media-local-files applies to what Milky bots send too: a file:// URI
// outside the allowed directory is the bot's bad parameter (-400, naming
// the field) and nothing reaches the upstream.
func TestLocalFilePolicyOnMilkyURIs(t *testing.T) {
	underRoot := func(p string) error {
		if strings.HasPrefix(p, "/srv/media/") {
			return nil
		}
		return errors.New("outside /srv/media")
	}
	calls := 0
	env := &Env{
		Upstream: callerFunc(func(context.Context, string, any, any) error { calls++; return nil }),
		Impl:     onebot11.NapCat, Seqs: newFakeSeqs(), Flags: newFakeFlags(), LocalFile: underRoot,
		SelfID: func() int64 { return 10001 }, Now: func() int64 { return 1700000000 },
	}
	for api, body := range map[string]string{
		milky.APISendGroupMessage: `{"group_id":123456,"message":[{"type":"image","data":{"uri":"file:///etc/passwd"}}]}`,
		milky.APIUploadGroupFile:  `{"group_id":123456,"file_uri":"file:///srv/media/../../etc/passwd","file_name":"x"}`,
	} {
		_, err := Do(context.Background(), env, api, []byte(body))
		var ae *milky.APIError
		require.True(t, errors.As(err, &ae), "%s: %v", api, err)
		assert.Equal(t, milky.RetcodeBadParam, ae.Retcode, api)
		assert.Contains(t, ae.Message, "refused", api)
	}
	assert.Zero(t, calls, "nothing reached the upstream")
	_, err := Do(context.Background(), env, milky.APIUploadGroupFile, []byte(`{"group_id":123456,"file_uri":"file:///srv/media/a.txt","file_name":"a.txt"}`))
	require.NoError(t, err)
	assert.Equal(t, 1, calls)
}

// callerFunc adapts a function to onebot11.Caller.
type callerFunc func(ctx context.Context, action string, params, resp any) error

func (f callerFunc) Call(ctx context.Context, action string, params, resp any) error {
	return f(ctx, action, params, resp)
}
