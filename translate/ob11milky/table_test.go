package ob11milky

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"

	"github.com/qqbridge/gateway/milky"
	"github.com/qqbridge/gateway/translate/class"
)

// TestActionTable: every row is complete, names only real Milky APIs, and
// every handled action has golden cases.
func TestActionTable(t *testing.T) {
	known := map[string]bool{}
	for _, name := range milkyAPINames() {
		known[name] = true
	}
	assert.Len(t, known, 64, "Milky 1.2 has 64 APIs")
	categories := map[string]bool{"message": true, "friend": true, "group": true, "file": true, "request": true, "system": true, "other": true}
	for name, a := range Actions {
		assert.Equal(t, name, a.Name)
		assert.True(t, categories[a.Category], "%s: category %q", name, a.Category)
		switch a.Class {
		case class.Translated, class.Emulated:
			assert.NotNil(t, a.Handler, "%s: handler", name)
			if a.Class == class.Translated {
				assert.NotEmpty(t, a.Milky, "%s: Milky APIs", name)
			}
		case class.Unsupported:
			assert.Nil(t, a.Handler, "%s", name)
			assert.NotEmpty(t, a.Reason, "%s: reason", name)
		default:
			t.Errorf("%s: class %q", name, a.Class)
		}
		for _, api := range a.Milky {
			assert.True(t, known[api], "%s: unknown Milky API %q", name, api)
		}
		if a.Handler != nil && a.Category != "file" {
			dir := filepath.Join("testdata", "actions", strings.TrimPrefix(name, "."))
			entries, err := os.ReadDir(dir)
			assert.NoError(t, err, "%s: golden cases", name)
			assert.NotEmpty(t, entries, "%s: golden cases", name)
		}
	}
}

// milkyAPINames lists the 64 Milky 1.2 API name constants.
func milkyAPINames() []string {
	return []string{
		milky.APIGetLoginInfo, milky.APIGetImplInfo, milky.APIGetUserProfile, milky.APIGetFriendList,
		milky.APIGetFriendInfo, milky.APIGetGroupList, milky.APIGetGroupInfo, milky.APIGetGroupMemberList,
		milky.APIGetGroupMemberInfo, milky.APIGetPeerPins, milky.APISetPeerPin, milky.APISetAvatar,
		milky.APISetNickname, milky.APISetBio, milky.APIGetCustomFaceURLList, milky.APIGetCookies,
		milky.APIGetCSRFToken, milky.APISendPrivateMessage, milky.APISendGroupMessage,
		milky.APIRecallPrivateMessage, milky.APIRecallGroupMessage, milky.APIGetMessage,
		milky.APIGetHistoryMessages, milky.APIGetResourceTempURL, milky.APIGetForwardedMessages,
		milky.APIMarkMessageAsRead, milky.APISendFriendNudge, milky.APISendProfileLike, milky.APIDeleteFriend,
		milky.APIGetFriendRequests, milky.APIAcceptFriendRequest, milky.APIRejectFriendRequest,
		milky.APISetGroupName, milky.APISetGroupAvatar, milky.APISetGroupMemberCard,
		milky.APISetGroupMemberSpecialTitle, milky.APISetGroupMemberAdmin, milky.APISetGroupMemberMute,
		milky.APISetGroupWholeMute, milky.APIKickGroupMember, milky.APIGetGroupAnnouncements,
		milky.APISendGroupAnnouncement, milky.APIDeleteGroupAnnouncement, milky.APIGetGroupEssenceMessages,
		milky.APISetGroupEssenceMessage, milky.APIQuitGroup, milky.APISendGroupMessageReaction,
		milky.APISendGroupNudge, milky.APIGetGroupNotifications, milky.APIAcceptGroupRequest,
		milky.APIRejectGroupRequest, milky.APIAcceptGroupInvitation, milky.APIRejectGroupInvitation,
		milky.APIUploadPrivateFile, milky.APIUploadGroupFile, milky.APIGetPrivateFileDownloadURL,
		milky.APIGetGroupFileDownloadURL, milky.APIGetGroupFiles, milky.APIMoveGroupFile,
		milky.APIRenameGroupFile, milky.APIDeleteGroupFile, milky.APICreateGroupFolder,
		milky.APIRenameGroupFolder, milky.APIDeleteGroupFolder,
	}
}
