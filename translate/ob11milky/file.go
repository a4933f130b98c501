package ob11milky

import (
	"strings"

	"github.com/qqbridge/gateway/milky"
	"github.com/qqbridge/gateway/onebot11"
)

// fileActions are the file actions of the catalog (§1.5). The handlers live
// in file_upload.go, file_manage.go, file_list.go and file_url.go.
var fileActions = []Action{
	translated("file", "upload_group_file", uploadGroupFile,
		milky.APIUploadGroupFile, milky.APIGetResourceTempURL),
	translated("file", "delete_group_file", deleteGroupFile, milky.APIDeleteGroupFile),
	translated("file", "create_group_file_folder", createGroupFileFolder, milky.APICreateGroupFolder),
	translated("file", "delete_group_folder", deleteGroupFolder, milky.APIDeleteGroupFolder),
	emulated("file", "get_group_file_system_info", getGroupFileSystemInfo, milky.APIGetGroupFiles),
	translated("file", "get_group_root_files", getGroupRootFiles, milky.APIGetGroupFiles),
	translated("file", "get_group_files_by_folder", getGroupFilesByFolder, milky.APIGetGroupFiles),
	translated("file", "get_group_file_url", getGroupFileURL, milky.APIGetGroupFileDownloadURL),
	translated("file", "move_group_file", moveGroupFile, milky.APIMoveGroupFile),
	translated("file", "rename_group_file", renameGroupFile, milky.APIRenameGroupFile),
	translated("file", "rename_group_file_folder", renameGroupFileFolder, milky.APIRenameGroupFolder),
	unsupported("file", "trans_group_file", "Milky 1.2 has no API to make a temporary group file permanent"),
	unsupported("file", "set_group_file_forever", "Milky 1.2 has no API to make a temporary group file permanent"),
	translated("file", "group_file_folder_makedir", groupFileFolderMakedir, milky.APICreateGroupFolder),
	translated("file", "post_group_file", postGroupFile,
		milky.APISendGroupMessage, milky.APIUploadGroupFile, milky.APIGetResourceTempURL),
	translated("file", "upload_private_file", uploadPrivateFile,
		milky.APIUploadPrivateFile, milky.APIGetResourceTempURL),
	translated("file", "get_private_file_url", getPrivateFileURL, milky.APIGetPrivateFileDownloadURL),
	unsupported("file", "upload_flash_file", "QQ flash transfer (闪传) has no Milky 1.2 API"),
	unsupported("file", "download_flash_file", "QQ flash transfer (闪传) has no Milky 1.2 API"),
	unsupported("file", "get_flash_file_info", "QQ flash transfer (闪传) has no Milky 1.2 API"),
	unsupported("file", "download_file",
		"Milky 1.2 has no API to download a URL into the implementation's cache; "+
			"pass http(s):// or base64:// URIs straight to segments and upload_*_file instead, the implementation fetches them"),
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
