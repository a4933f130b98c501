package idmap

import (
	"errors"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/qqbridge/gateway/milky"
)

func TestFlagFormats(t *testing.T) {
	assert.Equal(t, "friend:0:10002:u_abc", FriendRequestFlag("u_abc", 10002, false))
	assert.Equal(t, "friend:1:10002:u_a:b", FriendRequestFlag("u_a:b", 10002, true))
	assert.Equal(t, "group:join_request:123456:9:1", GroupRequestFlag(FlagJoinRequest, 123456, 9, true))
	assert.Equal(t, "group:invited_join_request:123456:9:0", GroupRequestFlag(FlagInvitedJoinRequest, 123456, 9, false))
	assert.Equal(t, "invite:654321:5", GroupInvitationFlag(654321, 5))
}

func TestParseFlag(t *testing.T) {
	tests := []struct {
		in   string
		want Flag
		err  string // substring of the error; "" = success
	}{
		{in: "friend:0:10002:u_abc", want: Flag{Kind: FlagFriend, InitiatorID: 10002, InitiatorUID: "u_abc"}},
		{in: "friend:1:10002:u_a:b:c", want: Flag{Kind: FlagFriend, InitiatorID: 10002, InitiatorUID: "u_a:b:c", Filtered: true}},
		{in: "friend:0:0:u_x", want: Flag{Kind: FlagFriend, InitiatorUID: "u_x"}},
		{in: "group:join_request:123456:9:0", want: Flag{Kind: FlagJoinRequest, GroupID: 123456, Seq: 9}},
		{in: "group:invited_join_request:123456:0:1", want: Flag{Kind: FlagInvitedJoinRequest, GroupID: 123456, Filtered: true}},
		{in: "invite:4294967295:5", want: Flag{Kind: FlagInvitation, GroupID: 4294967295, Seq: 5}},
		{in: "", err: "not a request flag"},
		{in: "12345", err: "not a request flag"},
		{in: "friend:0:10002:", err: "want friend"},
		{in: "friend:2:10002:u", err: "want friend"},
		{in: "friend:0:-1:u", err: "want friend"},
		{in: "friend:0:u", err: "want friend"},
		{in: "group:kick:123456:9:0", err: "want group:join_request|invited_join_request"},
		{in: "group:join_request:123456:9", err: "want group:join_request|invited_join_request"},
		{in: "group:join_request:123:9:0", err: "want group:join_request"}, // 123 is not a uin
		{in: "group:join_request:123456:-9:0", err: "want group:join_request"},
		{in: "group:join_request:123456:9:yes", err: "want group:join_request"},
		{in: "invite:123456", err: "want invite"},
		{in: "invite:123456:5:0", err: "want invite"},
		{in: "invite:99999999999:5", err: "want invite"},
	}
	for _, tt := range tests {
		t.Run(tt.in, func(t *testing.T) {
			got, err := ParseFlag(tt.in)
			if tt.err != "" {
				require.Error(t, err)
				assert.Contains(t, err.Error(), tt.err)
				var fe *FlagError
				require.True(t, errors.As(err, &fe))
				return
			}
			require.NoError(t, err)
			assert.Equal(t, tt.want, got)
			assert.Equal(t, tt.in, got.String())
		})
	}
}

// FuzzParseFlag: whatever parses formats back to a string that parses to
// the same flag, and flags built from any fields survive a round trip.
func FuzzParseFlag(f *testing.F) {
	for _, s := range []string{
		"friend:0:10002:u_abc", "friend:1:10002:u_a:b:c", "group:join_request:123456:9:0",
		"group:invited_join_request:123456:9:1", "invite:654321:5", "friend::::", "group:::::", "invite::",
	} {
		f.Add(s, "u_x", int64(10002), int64(9), true)
	}
	f.Fuzz(func(t *testing.T, s, uid string, id, seq int64, filtered bool) {
		if flag, err := ParseFlag(s); err == nil {
			again, err := ParseFlag(flag.String())
			require.NoError(t, err, "re-parse of %q", flag.String())
			require.Equal(t, flag, again)
		}
		if uid != "" && id >= 0 {
			got, err := ParseFlag(FriendRequestFlag(uid, id, filtered))
			require.NoError(t, err)
			require.Equal(t, Flag{Kind: FlagFriend, InitiatorUID: uid, InitiatorID: id, Filtered: filtered}, got)
		}
		if milky.ValidUin(id) && seq >= 0 {
			got, err := ParseFlag(GroupRequestFlag(FlagJoinRequest, id, seq, filtered))
			require.NoError(t, err)
			require.Equal(t, Flag{Kind: FlagJoinRequest, GroupID: id, Seq: seq, Filtered: filtered}, got)
			got, err = ParseFlag(GroupInvitationFlag(id, seq))
			require.NoError(t, err)
			require.Equal(t, Flag{Kind: FlagInvitation, GroupID: id, Seq: seq}, got)
		}
	})
}
