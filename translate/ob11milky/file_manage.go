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
func deleteGroupFile(ctx context.Context, env *Env, p onebot11.Params) (any, error) {
	groupID, fileID, err := groupFileParams(p)
	if err != nil {
		return nil, err
	}
	return nil, env.Upstream.Call(ctx, milky.APIDeleteGroupFile, &milky.DeleteGroupFileInput{GroupID: groupID, FileID: fileID}, nil)
}

// moveGroupFile: group_id, file_id, the folder now holding the file
// (LLOneBot parent_directory, NcatBot current_parent_directory; default the
// root) and the target (target_directory or target_parent_directory).
func moveGroupFile(ctx context.Context, env *Env, p onebot11.Params) (any, error) {
	groupID, fileID, err := groupFileParams(p)
	if err != nil {
		return nil, err
	}
	in := milky.MoveGroupFileInput{GroupID: groupID, FileID: fileID}
	if in.ParentFolderID, err = folderParam(p, "parent_directory", "current_parent_directory", "parent_folder_id"); err != nil {
		return nil, err
	}
	if in.TargetFolderID, err = requiredString(p, "target_directory", "target_parent_directory", "target_folder_id"); err != nil {
		return nil, err
	}
	in.TargetFolderID = strings.TrimSpace(in.TargetFolderID)
	return nil, env.Upstream.Call(ctx, milky.APIMoveGroupFile, &in, nil)
}

// renameGroupFile: group_id, file_id, new_name, and the folder holding the
// file (current_parent_directory or parent_directory; default the root).
func renameGroupFile(ctx context.Context, env *Env, p onebot11.Params) (any, error) {
	groupID, fileID, err := groupFileParams(p)
	if err != nil {
		return nil, err
	}
	in := milky.RenameGroupFileInput{GroupID: groupID, FileID: fileID}
	if in.NewFileName, err = requiredString(p, "new_name", "new_file_name", "name"); err != nil {
		return nil, err
	}
	if in.ParentFolderID, err = folderParam(p, "current_parent_directory", "parent_directory", "parent_folder_id", "folder_id"); err != nil {
		return nil, err
	}
	return nil, env.Upstream.Call(ctx, milky.APIRenameGroupFile, &in, nil)
}

// createGroupFileFolder: group_id, name (go-cqhttp, LLOneBot) or
// folder_name (NcatBot); go-cqhttp's parent_id may only be the root.
func createGroupFileFolder(ctx context.Context, env *Env, p onebot11.Params) (any, error) {
	groupID, err := uinParam(p, "group_id")
	if err != nil {
		return nil, err
	}
	name, err := requiredString(p, "name", "folder_name")
	if err != nil {
		return nil, err
	}
	parent, err := folderParam(p, "parent_id")
	if err != nil {
		return nil, err
	}
	if parent != "" && parent != "/" {
		return nil, onebot11.Errorf(onebot11.RetcodeBadRequest, "parameter parent_id: %q: QQ group folders can only be created in the root folder /", segment.Shorten(parent, 40))
	}
	return createFolder(ctx, env, groupID, name)
}

// groupFileFolderMakedir: group_id, path (NcatBot) → a folder of that name in
// the root; "/name" and "name" are the same, deeper paths fail.
func groupFileFolderMakedir(ctx context.Context, env *Env, p onebot11.Params) (any, error) {
	groupID, err := uinParam(p, "group_id")
	if err != nil {
		return nil, err
	}
	path, err := requiredString(p, "path")
	if err != nil {
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
func deleteGroupFolder(ctx context.Context, env *Env, p onebot11.Params) (any, error) {
	groupID, err := uinParam(p, "group_id")
	if err != nil {
		return nil, err
	}
	folderID, err := requiredString(p, "folder_id", "folder")
	if err != nil {
		return nil, err
	}
	return nil, env.Upstream.Call(ctx, milky.APIDeleteGroupFolder, &milky.DeleteGroupFolderInput{GroupID: groupID, FolderID: folderID}, nil)
}

// renameGroupFileFolder: group_id, folder_id, new_folder_name → rename_group_folder.
func renameGroupFileFolder(ctx context.Context, env *Env, p onebot11.Params) (any, error) {
	groupID, err := uinParam(p, "group_id")
	if err != nil {
		return nil, err
	}
	in := milky.RenameGroupFolderInput{GroupID: groupID}
	if in.FolderID, err = requiredString(p, "folder_id", "folder"); err != nil {
		return nil, err
	}
	if in.NewFolderName, err = requiredString(p, "new_folder_name", "new_name", "name"); err != nil {
		return nil, err
	}
	return nil, env.Upstream.Call(ctx, milky.APIRenameGroupFolder, &in, nil)
}
