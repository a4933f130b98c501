package ob11milky

import (
	"os"
	"path/filepath"
	"testing"

	"github.com/qqbridge/gateway/translate/class"
	"github.com/stretchr/testify/assert"
)

// The message (§1.1), file (§1.5) and request (§1.6) actions of the OneBot 11
// catalog, plus the standard can_send_image/can_send_record the seeds omit.
var catalogActions = map[string][]string{
	"message": {
		"send_private_msg", "send_group_msg", "send_msg", "delete_msg", "get_msg", "get_forward_msg",
		"send_private_forward_msg", "send_group_forward_msg", "get_history_msg", "get_group_msg_history",
		"get_friend_msg_history", "clear_msgs", "forward_friend_single_msg", "forward_group_single_msg",
		"set_msg_emoji_like", "unset_msg_emoji_like", "set_group_comment_face", "mark_msg_as_read",
		"voice_msg_to_text", "send_group_ai_record", "get_ai_characters", "get_image", "get_record", "get_file",
		"can_send_image", "can_send_record",
	},
	"file": {
		"upload_group_file", "delete_group_file", "create_group_file_folder", "delete_group_folder",
		"get_group_file_system_info", "get_group_root_files", "get_group_files_by_folder", "get_group_file_url",
		"move_group_file", "rename_group_file", "rename_group_file_folder", "trans_group_file",
		"set_group_file_forever", "group_file_folder_makedir", "post_group_file", "upload_private_file",
		"get_private_file_url", "upload_flash_file", "download_flash_file", "get_flash_file_info", "download_file",
	},
	"request": {
		"set_friend_add_request", "set_group_add_request", "get_group_system_msg", "get_group_ignore_add_request",
		"get_doubt_friends_add_request", "set_doubt_friends_add_request",
	},
}

// TestCatalogMessageFileRequest: every catalog action of these categories
// is classified in the table under its category, and every one (unsupported
// ones too) has golden cases showing what a bot gets.
func TestCatalogMessageFileRequest(t *testing.T) {
	assert.Len(t, catalogActions["message"], 24+2)
	assert.Len(t, catalogActions["file"], 21)
	assert.Len(t, catalogActions["request"], 6)
	for category, names := range catalogActions {
		for _, name := range names {
			a := Actions[name]
			if !assert.NotNil(t, a, "%s is not in the action table", name) {
				continue
			}
			assert.Equal(t, category, a.Category, name)
			if a.Class == class.Translated {
				assert.NotEmpty(t, a.Milky, "%s: Milky APIs it may call", name)
			}
			entries, err := os.ReadDir(filepath.Join("testdata", "actions", name))
			if assert.NoError(t, err, "%s: golden cases", name) {
				assert.NotEmpty(t, entries, "%s: golden cases", name)
			}
		}
	}
}
