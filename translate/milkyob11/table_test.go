package milkyob11

import (
	"os"
	"path/filepath"
	"testing"

	"github.com/stretchr/testify/assert"

	"github.com/qqbridge/gateway/milky"
	"github.com/qqbridge/gateway/onebot11"
	"github.com/qqbridge/gateway/translate/class"
)

// allMilkyAPIs are the 64 endpoints of Milky 1.2 (milky/api.go).
var allMilkyAPIs = []string{
	milky.APIGetLoginInfo, milky.APIGetImplInfo, milky.APIGetUserProfile, milky.APIGetFriendList, milky.APIGetFriendInfo,
	milky.APIGetGroupList, milky.APIGetGroupInfo, milky.APIGetGroupMemberList, milky.APIGetGroupMemberInfo,
	milky.APIGetPeerPins, milky.APISetPeerPin, milky.APISetAvatar, milky.APISetNickname, milky.APISetBio,
	milky.APIGetCustomFaceURLList, milky.APIGetCookies, milky.APIGetCSRFToken, milky.APISendPrivateMessage,
	milky.APISendGroupMessage, milky.APIRecallPrivateMessage, milky.APIRecallGroupMessage, milky.APIGetMessage,
	milky.APIGetHistoryMessages, milky.APIGetResourceTempURL, milky.APIGetForwardedMessages, milky.APIMarkMessageAsRead,
	milky.APISendFriendNudge, milky.APISendProfileLike, milky.APIDeleteFriend, milky.APIGetFriendRequests,
	milky.APIAcceptFriendRequest, milky.APIRejectFriendRequest, milky.APISetGroupName, milky.APISetGroupAvatar,
	milky.APISetGroupMemberCard, milky.APISetGroupMemberSpecialTitle, milky.APISetGroupMemberAdmin,
	milky.APISetGroupMemberMute, milky.APISetGroupWholeMute, milky.APIKickGroupMember, milky.APIGetGroupAnnouncements,
	milky.APISendGroupAnnouncement, milky.APIDeleteGroupAnnouncement, milky.APIGetGroupEssenceMessages,
	milky.APISetGroupEssenceMessage, milky.APIQuitGroup, milky.APISendGroupMessageReaction, milky.APISendGroupNudge,
	milky.APIGetGroupNotifications, milky.APIAcceptGroupRequest, milky.APIRejectGroupRequest,
	milky.APIAcceptGroupInvitation, milky.APIRejectGroupInvitation, milky.APIUploadPrivateFile, milky.APIUploadGroupFile,
	milky.APIGetPrivateFileDownloadURL, milky.APIGetGroupFileDownloadURL, milky.APIGetGroupFiles, milky.APIMoveGroupFile,
	milky.APIRenameGroupFile, milky.APIDeleteGroupFile, milky.APICreateGroupFolder, milky.APIRenameGroupFolder,
	milky.APIDeleteGroupFolder,
}

func TestTableCoversMilky(t *testing.T) {
	assert.Len(t, allMilkyAPIs, 64)
	assert.Len(t, APIs, 64)
	for _, name := range allMilkyAPIs {
		a := APIs[name]
		if !assert.NotNil(t, a, "%s has no table row", name) {
			continue
		}
		assert.Equal(t, name, a.Name)
		assert.Contains(t, []string{"system", "message", "friend", "group", "file"}, a.Category, name)
		switch a.Class {
		case class.Unsupported:
			assert.Nil(t, a.Handler, "%s: unsupported rows have no handler", name)
			assert.NotEmpty(t, a.Reason, "%s: unsupported rows say why", name)
		case class.Translated, class.Emulated:
			assert.NotNil(t, a.Handler, name)
			assert.NotEmpty(t, a.OneBot, "%s: lists the actions it calls", name)
		default:
			t.Errorf("%s: unknown class %q", name, a.Class)
		}
		for _, act := range a.Requires {
			assert.Contains(t, a.OneBot, act, "%s requires %s but does not list it", name, act)
			offered := false
			for _, i := range onebot11.Impls {
				offered = offered || i.Offers(act)
			}
			assert.True(t, offered, "%s requires %s, which no implementation offers", name, act)
		}
		// Every API has at least one golden case.
		files, _ := filepath.Glob(filepath.Join("testdata", "apis", name, "*.txt"))
		assert.NotEmpty(t, files, "%s has no golden case", name)
	}
	entries, _ := os.ReadDir(filepath.Join("testdata", "apis"))
	for _, e := range entries {
		assert.NotNil(t, APIs[e.Name()], "testdata/apis/%s is not a Milky API", e.Name())
	}
}

// TestServedCounts pins the per-implementation totals COVERAGE.md reports;
// the brief's floor is 52 of 64 served on NapCat and LLOneBot.
func TestServedCounts(t *testing.T) {
	for _, impl := range []onebot11.Impl{onebot11.NapCat, onebot11.LLOneBot} {
		served := 0
		for _, a := range APIs {
			if c, _ := a.On(impl); c != class.Unsupported {
				served++
			}
		}
		assert.GreaterOrEqual(t, served, 52, impl)
	}
}

func TestMisconfiguredEnv(t *testing.T) {
	_, err := Do(t.Context(), &Env{Impl: onebot11.NapCat}, milky.APIGetLoginInfo, []byte(`{}`))
	var ae *milky.APIError
	if assert.ErrorAs(t, err, &ae) {
		assert.Equal(t, RetcodeUpstream, ae.Retcode)
		assert.Contains(t, ae.Message, "misconfigured")
	}
}

func TestUnsupportedNamesImplAndReason(t *testing.T) {
	env := &Env{Impl: onebot11.GoCQHTTP}
	_, err := Do(t.Context(), env, milky.APISetAvatar, []byte(`{"uri":"file:///a.png"}`))
	var ae *milky.APIError
	if assert.ErrorAs(t, err, &ae) {
		assert.Equal(t, RetcodeUnsupported, ae.Retcode)
		assert.Equal(t, "set_avatar is not supported on a go-cqhttp upstream: go-cqhttp offers none of set_qq_avatar", ae.Message)
	}
	_, err = Do(t.Context(), env, "no_such_api", nil)
	assert.ErrorIs(t, err, milky.ErrUnknownAPI)
}

func TestEmojiID(t *testing.T) {
	assert.Equal(t, "76", emojiID("76", "face"))
	assert.Equal(t, "128293", emojiID("🔥", "emoji"))
	assert.Equal(t, "128293", emojiID("128293", "emoji"))
}

// Server is what the reverse direction's Milky server calls.
var _ milky.APIHandler = Server{}

func TestServerIsDo(t *testing.T) {
	env := fuzzEnv(onebot11.NapCat)
	data, err := Server{Env: env}.HandleAPI(t.Context(), milky.APIGetGroupInfo, []byte(`{"group_id":123456}`))
	assert.NoError(t, err)
	assert.Equal(t, int64(123456), data.(milky.GetGroupInfoOutput).Group.GroupID)
	data, err = Server{Env: env}.HandleAPI(t.Context(), milky.APISetGroupName, []byte(`{"group_id":123456,"new_group_name":"x"}`))
	assert.NoError(t, err)
	assert.Equal(t, milky.Empty{}, data, "APIs without output answer {}")
}
