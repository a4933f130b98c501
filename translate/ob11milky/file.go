package ob11milky

import (
	"strings"

	"github.com/qqbridge/gateway/milky"
	"github.com/qqbridge/gateway/onebot11"
)

// fileActions are the file actions of the catalog (§1.5). The handlers live
// in file_upload.go, file_manage.go, file_list.go and file_url.go.
var fileActions = []Action{
	{Name: "upload_group_file", Category: "file", Class: Translated, Handler: uploadGroupFile,
		Milky: []string{milky.APIUploadGroupFile, milky.APIGetResourceTempURL}},
	{Name: "delete_group_file", Category: "file", Class: Translated, Handler: deleteGroupFile,
		Milky: []string{milky.APIDeleteGroupFile}},
	{Name: "create_group_file_folder", Category: "file", Class: Translated, Handler: createGroupFileFolder,
		Milky: []string{milky.APICreateGroupFolder}},
	{Name: "delete_group_folder", Category: "file", Class: Translated, Handler: deleteGroupFolder,
		Milky: []string{milky.APIDeleteGroupFolder}},
	{Name: "get_group_file_system_info", Category: "file", Class: Emulated, Handler: getGroupFileSystemInfo,
		Milky: []string{milky.APIGetGroupFiles}},
	{Name: "get_group_root_files", Category: "file", Class: Translated, Handler: getGroupRootFiles,
		Milky: []string{milky.APIGetGroupFiles}},
	{Name: "get_group_files_by_folder", Category: "file", Class: Translated, Handler: getGroupFilesByFolder,
		Milky: []string{milky.APIGetGroupFiles}},
	{Name: "get_group_file_url", Category: "file", Class: Translated, Handler: getGroupFileURL,
		Milky: []string{milky.APIGetGroupFileDownloadURL}},
	{Name: "move_group_file", Category: "file", Class: Translated, Handler: moveGroupFile,
		Milky: []string{milky.APIMoveGroupFile}},
	{Name: "rename_group_file", Category: "file", Class: Translated, Handler: renameGroupFile,
		Milky: []string{milky.APIRenameGroupFile}},
	{Name: "rename_group_file_folder", Category: "file", Class: Translated, Handler: renameGroupFileFolder,
		Milky: []string{milky.APIRenameGroupFolder}},
	{Name: "trans_group_file", Category: "file", Class: Unsupported,
		Reason: "Milky 1.2 has no API to make a temporary group file permanent"},
	{Name: "set_group_file_forever", Category: "file", Class: Unsupported,
		Reason: "Milky 1.2 has no API to make a temporary group file permanent"},
	{Name: "group_file_folder_makedir", Category: "file", Class: Translated, Handler: groupFileFolderMakedir,
		Milky: []string{milky.APICreateGroupFolder}},
	{Name: "post_group_file", Category: "file", Class: Translated, Handler: postGroupFile,
		Milky: []string{milky.APISendGroupMessage, milky.APIUploadGroupFile, milky.APIGetResourceTempURL}},
	{Name: "upload_private_file", Category: "file", Class: Translated, Handler: uploadPrivateFile,
		Milky: []string{milky.APIUploadPrivateFile, milky.APIGetResourceTempURL}},
	{Name: "get_private_file_url", Category: "file", Class: Translated, Handler: getPrivateFileURL,
		Milky: []string{milky.APIGetPrivateFileDownloadURL}},
	{Name: "upload_flash_file", Category: "file", Class: Unsupported,
		Reason: "QQ flash transfer (闪传) has no Milky 1.2 API"},
	{Name: "download_flash_file", Category: "file", Class: Unsupported,
		Reason: "QQ flash transfer (闪传) has no Milky 1.2 API"},
	{Name: "get_flash_file_info", Category: "file", Class: Unsupported,
		Reason: "QQ flash transfer (闪传) has no Milky 1.2 API"},
	{Name: "download_file", Category: "file", Class: Unsupported,
		Reason: "Milky 1.2 has no API to download a URL into the implementation's cache; " +
			"pass http(s):// or base64:// URIs straight to segments and upload_*_file instead, the implementation fetches them"},
}

// requiredString reads a string parameter that must not be blank.
func requiredString(p *onebot11.Reader, names ...string) string {
	v := p.String(names...)
	if p.OK() && strings.TrimSpace(v) == "" {
		p.Failf("parameter %s: empty", p.Name(names...))
	}
	return v
}

// groupFileParams reads group_id and file_id, the pair most group file
// actions take. go-cqhttp's busid is accepted and not needed: Milky file ids
// are unique on their own.
func groupFileParams(p *onebot11.Reader) (int64, string) {
	groupID := uinParam(p, "group_id")
	fileID := requiredString(p, "file_id")
	p.OptInt64(0, "busid")
	return groupID, fileID
}

// folderParam reads an optional folder id; "" (absent) is the root, which
// Milky takes as its default "/".
func folderParam(p *onebot11.Reader, names ...string) string {
	return strings.TrimSpace(p.OptString("", names...))
}
