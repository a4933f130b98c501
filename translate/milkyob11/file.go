package milkyob11

import (
	"context"
	"strings"

	"github.com/qqbridge/gateway/milky"
	"github.com/qqbridge/gateway/onebot11"
	"github.com/qqbridge/gateway/segment"
	"github.com/qqbridge/gateway/translate/class"
)

// rootFolder is Milky's name of a group's root folder; OneBot omits the
// folder parameter for it.
const rootFolder = "/"

var fileAPIs = []API{
	{Name: milky.APIUploadPrivateFile, Category: "file", Class: class.Translated, OneBot: []string{"upload_private_file"},
		Requires: []string{"upload_private_file"},
		Reason:   "file_id is \"\" when the upstream does not report it (go-cqhttp, older NapCat); go-cqhttp takes file:// URIs only", Handler: uploadPrivateFile},
	{Name: milky.APIUploadGroupFile, Category: "file", Class: class.Translated, OneBot: []string{"upload_group_file"},
		Requires: []string{"upload_group_file"},
		Reason:   "file_id is \"\" when the upstream does not report it (go-cqhttp, older NapCat); go-cqhttp takes file:// URIs only", Handler: uploadGroupFile},
	{Name: milky.APIGetPrivateFileDownloadURL, Category: "file", Class: class.Translated, OneBot: []string{"get_private_file_url"},
		Requires: []string{"get_private_file_url"}, Reason: "user_id and file_hash are sent only to qqbridge-gateway (the others take file_id alone)", Handler: getPrivateFileDownloadURL},
	{Name: milky.APIGetGroupFileDownloadURL, Category: "file", Class: class.Translated, OneBot: []string{"get_group_file_url"},
		Requires: []string{"get_group_file_url"}, Handler: getGroupFileDownloadURL},
	{Name: milky.APIGetGroupFiles, Category: "file", Class: class.Translated, OneBot: []string{"get_group_root_files", "get_group_files_by_folder"},
		Requires: []string{"get_group_root_files"},
		Reason:   "a folder's last_modified_time is 0 (OneBot reports none)", Handler: getGroupFiles},
	{Name: milky.APIMoveGroupFile, Category: "file", Class: class.Translated, OneBot: []string{"move_group_file"},
		Requires: []string{"move_group_file"}, Handler: moveGroupFile},
	{Name: milky.APIRenameGroupFile, Category: "file", Class: class.Translated, OneBot: []string{"rename_group_file"},
		Requires: []string{"rename_group_file"}, Handler: renameGroupFile},
	{Name: milky.APIDeleteGroupFile, Category: "file", Class: class.Translated, OneBot: []string{"delete_group_file"},
		Requires: []string{"delete_group_file"}, Handler: deleteGroupFile},
	{Name: milky.APICreateGroupFolder, Category: "file", Class: class.Translated, OneBot: []string{"create_group_file_folder"},
		Requires: []string{"create_group_file_folder"},
		Reason:   "folder_id is \"\" when the upstream does not report it (go-cqhttp)", Handler: createGroupFolder},
	{Name: milky.APIRenameGroupFolder, Category: "file", Class: class.Translated, OneBot: []string{"rename_group_file_folder"},
		Requires: []string{"rename_group_file_folder"}, Handler: renameGroupFolder},
	{Name: milky.APIDeleteGroupFolder, Category: "file", Class: class.Translated, OneBot: []string{"delete_group_folder"},
		Requires: []string{"delete_group_folder"}, Handler: deleteGroupFolder},
}

// fileIDReply: upload results carry file_id (LLOneBot, newer NapCat) or
// nothing (go-cqhttp).
type fileIDReply struct {
	FileID text `json:"file_id"`
}

func (r fileIDReply) milky() any { return milky.UploadFileOutput{FileID: string(r.FileID)} }

type fileURLReply struct {
	URL string `json:"url"`
}

func (r fileURLReply) milky() any { return milky.DownloadURLOutput{DownloadURL: r.URL} }

// uploadSource is the file parameter of the upload actions: the Milky URI
// as is, except on go-cqhttp, which uploads local files only and takes a
// path. It runs once every parameter read without error.
func uploadSource(env *Env, p *milky.Params, uri string) (string, error) {
	if err := p.Err(); err != nil {
		return "", err
	}
	uri, err := segment.ConfineLocalURI(uri, env.LocalFile)
	if err != nil {
		return "", badParam(&segment.Error{Field: "file_uri", Reason: err.Error()})
	}
	if env.impl() != onebot11.GoCQHTTP {
		return uri, nil
	}
	path, ok := strings.CutPrefix(uri, "file://")
	if !ok || path == "" {
		return "", &errUnsupported{"go-cqhttp uploads local files only (a file:// URI), not " + clip(schemeOf(uri))}
	}
	return path, nil
}

func schemeOf(uri string) string {
	if i := strings.Index(uri, "://"); i >= 0 && i < 16 {
		return uri[:i+3] + " URIs"
	}
	return "this URI"
}

func uploadPrivateFile(ctx context.Context, env *Env, p *milky.Params) (any, error) {
	uid := p.Uin("user_id")
	uri := p.NonEmpty("file_uri")
	name := p.NonEmpty("file_name")
	uri, err := uploadSource(env, p, uri)
	if err != nil {
		return nil, err
	}
	return ask(ctx, env, p, "upload_private_file", obj{"user_id": uid, "file": uri, "name": name}, fileIDReply.milky)
}

// folderParam is the name of upload_group_file's folder parameter:
// LLOneBot's folder_id, go-cqhttp's (and NapCat's) folder.
func folderParam(env *Env) string {
	if env.impl() == onebot11.LLOneBot {
		return "folder_id"
	}
	return "folder"
}

func uploadGroupFile(ctx context.Context, env *Env, p *milky.Params) (any, error) {
	gid := p.Uin("group_id")
	parent := p.StringDef("parent_folder_id", rootFolder)
	uri := p.NonEmpty("file_uri")
	name := p.NonEmpty("file_name")
	uri, err := uploadSource(env, p, uri)
	if err != nil {
		return nil, err
	}
	params := obj{"group_id": gid, "file": uri, "name": name}
	if parent != rootFolder && parent != "" {
		params[folderParam(env)] = parent
	}
	return ask(ctx, env, p, "upload_group_file", params, fileIDReply.milky)
}

func getPrivateFileDownloadURL(ctx context.Context, env *Env, p *milky.Params) (any, error) {
	uid := p.Uin("user_id")
	id := p.NonEmpty("file_id")
	hash := p.String("file_hash")
	params := obj{"file_id": id}
	if env.impl() == onebot11.QQBridge {
		// The gateway's own first direction sits on Milky, which needs the
		// friend and the hash as well.
		params["user_id"], params["file_hash"] = uid, hash
	}
	return ask(ctx, env, p, "get_private_file_url", params, fileURLReply.milky)
}

func getGroupFileDownloadURL(ctx context.Context, env *Env, p *milky.Params) (any, error) {
	gid := p.Uin("group_id")
	id := p.NonEmpty("file_id")
	return ask(ctx, env, p, "get_group_file_url", obj{"group_id": gid, "file_id": id}, fileURLReply.milky)
}

type groupFilesReply struct {
	Files []struct {
		FileID        text   `json:"file_id"`
		FileName      string `json:"file_name"`
		FileSize      num    `json:"file_size"`
		UploadTime    num    `json:"upload_time"`
		DeadTime      num    `json:"dead_time"`
		DownloadTimes num    `json:"download_times"`
		Uploader      num    `json:"uploader"`
	} `json:"files"`
	Folders []struct {
		FolderID       text   `json:"folder_id"`
		FolderName     string `json:"folder_name"`
		CreateTime     num    `json:"create_time"`
		Creator        num    `json:"creator"`
		TotalFileCount num    `json:"total_file_count"`
	} `json:"folders"`
}

func getGroupFiles(ctx context.Context, env *Env, p *milky.Params) (any, error) {
	gid := p.Uin("group_id")
	parent := p.StringDef("parent_folder_id", rootFolder)
	if err := p.Err(); err != nil {
		return nil, err
	}
	var r groupFilesReply
	var err error
	if parent == rootFolder || parent == "" {
		parent = rootFolder
		err = env.Upstream.Call(ctx, "get_group_root_files", obj{"group_id": gid}, &r)
	} else {
		err = env.Upstream.Call(ctx, "get_group_files_by_folder", obj{"group_id": gid, "folder_id": parent}, &r)
	}
	if err != nil {
		return nil, err
	}
	out := milky.GetGroupFilesOutput{Files: make([]milky.GroupFile, 0, len(r.Files)), Folders: make([]milky.GroupFolder, 0, len(r.Folders))}
	for _, f := range r.Files {
		gf := milky.GroupFile{GroupID: gid, FileID: string(f.FileID), FileName: f.FileName, ParentFolderID: parent,
			FileSize: nonNeg64(f.FileSize), UploadedTime: nonNeg64(f.UploadTime), UploaderID: int64(f.Uploader),
			DownloadedTimes: nonNeg32(f.DownloadTimes)}
		if f.DeadTime > 0 { // 0: the file never expires
			exp := int64(f.DeadTime)
			gf.ExpireTime = &exp
		}
		out.Files = append(out.Files, gf)
	}
	for _, f := range r.Folders {
		out.Folders = append(out.Folders, milky.GroupFolder{GroupID: gid, FolderID: string(f.FolderID), ParentFolderID: parent,
			FolderName: f.FolderName, CreatedTime: nonNeg64(f.CreateTime), CreatorID: int64(f.Creator),
			FileCount: nonNeg32(f.TotalFileCount)})
	}
	return out, nil
}

// moveGroupFile: NapCat names the folders current_parent_directory and
// target_parent_directory, LLOneBot and Lagrange parent_directory and
// target_directory.
func moveGroupFile(ctx context.Context, env *Env, p *milky.Params) (any, error) {
	gid := p.Uin("group_id")
	id := p.NonEmpty("file_id")
	parent := p.StringDef("parent_folder_id", rootFolder)
	target := p.StringDef("target_folder_id", rootFolder)
	if err := p.Err(); err != nil {
		return nil, err
	}
	params := obj{"group_id": gid, "file_id": id}
	if env.impl() == onebot11.NapCat {
		params["current_parent_directory"], params["target_parent_directory"] = parent, target
	} else {
		params["parent_directory"], params["target_directory"] = parent, target
	}
	return nil, env.Upstream.Call(ctx, "move_group_file", params, nil)
}

func renameGroupFile(ctx context.Context, env *Env, p *milky.Params) (any, error) {
	gid := p.Uin("group_id")
	id := p.NonEmpty("file_id")
	parent := p.StringDef("parent_folder_id", rootFolder)
	name := p.NonEmpty("new_file_name")
	return send(ctx, env, p, "rename_group_file",
		obj{"group_id": gid, "file_id": id, "current_parent_directory": parent, "new_name": name})
}

func deleteGroupFile(ctx context.Context, env *Env, p *milky.Params) (any, error) {
	gid := p.Uin("group_id")
	id := p.NonEmpty("file_id")
	return send(ctx, env, p, "delete_group_file", obj{"group_id": gid, "file_id": id})
}

// createGroupFolder: LLOneBot answers folder_id; NapCat its NT result with
// groupItem.folderInfo.folderId; go-cqhttp nothing.
func createGroupFolder(ctx context.Context, env *Env, p *milky.Params) (any, error) {
	gid := p.Uin("group_id")
	name := p.NonEmpty("folder_name")
	if err := p.Err(); err != nil {
		return nil, err
	}
	var r struct {
		FolderID  text `json:"folder_id"`
		GroupItem struct {
			FolderInfo struct {
				FolderID text `json:"folderId"`
			} `json:"folderInfo"`
		} `json:"groupItem"`
	}
	if err := env.Upstream.Call(ctx, "create_group_file_folder", obj{"group_id": gid, "name": name, "folder_name": name}, &r); err != nil {
		return nil, err
	}
	id := r.FolderID
	if id == "" {
		id = r.GroupItem.FolderInfo.FolderID
	}
	return milky.CreateGroupFolderOutput{FolderID: string(id)}, nil
}

func renameGroupFolder(ctx context.Context, env *Env, p *milky.Params) (any, error) {
	gid := p.Uin("group_id")
	id := p.NonEmpty("folder_id")
	name := p.NonEmpty("new_folder_name")
	return send(ctx, env, p, "rename_group_file_folder", obj{"group_id": gid, "folder_id": id, "new_folder_name": name})
}

func deleteGroupFolder(ctx context.Context, env *Env, p *milky.Params) (any, error) {
	gid := p.Uin("group_id")
	id := p.NonEmpty("folder_id")
	return send(ctx, env, p, "delete_group_folder", obj{"group_id": gid, "folder_id": id})
}
