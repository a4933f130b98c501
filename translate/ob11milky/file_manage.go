package ob11milky

import (
	"context"
	"strings"

	"github.com/qqbridge/gateway/milky"
	"github.com/qqbridge/gateway/onebot11"
	"github.com/qqbridge/gateway/segment"
)

// Group file and folder management: delete, move, rename, create folders.
// QQ group folders are one level deep: every folder lives in the root "/".

// deleteGroupFile: group_id, file_id (busid accepted) → delete_group_file.
func deleteGroupFile(ctx context.Context, env *Env, p *onebot11.Reader) (any, error) {
	groupID, fileID := groupFileParams(p)
	return send(ctx, env, p, milky.APIDeleteGroupFile, &milky.DeleteGroupFileInput{GroupID: groupID, FileID: fileID})
}

// moveGroupFile: group_id, file_id, the folder now holding the file
// (LLOneBot parent_directory, NcatBot current_parent_directory; default the
// root) and the target (target_directory or target_parent_directory).
func moveGroupFile(ctx context.Context, env *Env, p *onebot11.Reader) (any, error) {
	groupID, fileID := groupFileParams(p)
	in := milky.MoveGroupFileInput{GroupID: groupID, FileID: fileID}
	in.ParentFolderID = folderParam(p, "parent_directory", "current_parent_directory", "parent_folder_id")
	in.TargetFolderID = requiredString(p, "target_directory", "target_parent_directory", "target_folder_id")
	if err := p.Err(); err != nil {
		return nil, err
	}
	in.TargetFolderID = strings.TrimSpace(in.TargetFolderID)
	return nil, env.Upstream.Call(ctx, milky.APIMoveGroupFile, &in, nil)
}

// renameGroupFile: group_id, file_id, new_name, and the folder holding the
// file (current_parent_directory or parent_directory; default the root).
func renameGroupFile(ctx context.Context, env *Env, p *onebot11.Reader) (any, error) {
	groupID, fileID := groupFileParams(p)
	in := milky.RenameGroupFileInput{GroupID: groupID, FileID: fileID}
	in.NewFileName = requiredString(p, "new_name", "new_file_name", "name")
	in.ParentFolderID = folderParam(p, "current_parent_directory", "parent_directory", "parent_folder_id", "folder_id")
	return send(ctx, env, p, milky.APIRenameGroupFile, &in)
}

// createGroupFileFolder: group_id, name (go-cqhttp, LLOneBot) or
// folder_name (NcatBot); go-cqhttp's parent_id may only be the root.
func createGroupFileFolder(ctx context.Context, env *Env, p *onebot11.Reader) (any, error) {
	groupID := uinParam(p, "group_id")
	name := requiredString(p, "name", "folder_name")
	parent := folderParam(p, "parent_id")
	if err := p.Err(); err != nil {
		return nil, err
	}
	if parent != "" && parent != "/" {
		return nil, onebot11.Errorf(onebot11.RetcodeBadRequest, "parameter parent_id: %q: QQ group folders can only be created in the root folder /", segment.Shorten(parent, 40))
	}
	return createFolder(ctx, env, groupID, name)
}

// groupFileFolderMakedir: group_id, path (NcatBot) → a folder of that name in
// the root; "/name" and "name" are the same, deeper paths fail.
func groupFileFolderMakedir(ctx context.Context, env *Env, p *onebot11.Reader) (any, error) {
	groupID := uinParam(p, "group_id")
	path := requiredString(p, "path")
	if err := p.Err(); err != nil {
		return nil, err
	}
	name := strings.Trim(strings.TrimSpace(path), "/")
	if name == "" || strings.Contains(name, "/") {
		return nil, onebot11.Errorf(onebot11.RetcodeBadRequest, "parameter path: %q: QQ group folders are one level deep; give /name", segment.Shorten(path, 40))
	}
	return createFolder(ctx, env, groupID, name)
}

func createFolder(ctx context.Context, env *Env, groupID int64, name string) (any, error) {
	var out milky.CreateGroupFolderOutput
	if err := env.Upstream.Call(ctx, milky.APICreateGroupFolder, &milky.CreateGroupFolderInput{GroupID: groupID, FolderName: name}, &out); err != nil {
		return nil, err
	}
	return &onebot11.FolderResult{FolderID: out.FolderID}, nil
}

// deleteGroupFolder: group_id, folder_id → delete_group_folder.
func deleteGroupFolder(ctx context.Context, env *Env, p *onebot11.Reader) (any, error) {
	groupID := uinParam(p, "group_id")
	folderID := requiredString(p, "folder_id", "folder")
	return send(ctx, env, p, milky.APIDeleteGroupFolder, &milky.DeleteGroupFolderInput{GroupID: groupID, FolderID: folderID})
}

// renameGroupFileFolder: group_id, folder_id, new_folder_name → rename_group_folder.
func renameGroupFileFolder(ctx context.Context, env *Env, p *onebot11.Reader) (any, error) {
	groupID := uinParam(p, "group_id")
	in := milky.RenameGroupFolderInput{GroupID: groupID}
	in.FolderID = requiredString(p, "folder_id", "folder")
	in.NewFolderName = requiredString(p, "new_folder_name", "new_name", "name")
	return send(ctx, env, p, milky.APIRenameGroupFolder, &in)
}
