package ob11milky

import (
	"context"

	"github.com/qqbridge/gateway/milky"
	"github.com/qqbridge/gateway/onebot11"
	"github.com/qqbridge/gateway/segment"
)

// Group file listings in go-cqhttp's File/Folder shape, and the file
// system summary derived from them.

// getGroupRootFiles: group_id, file_count (NcatBot: at most that many files).
func getGroupRootFiles(ctx context.Context, env *Env, p *onebot11.Reader) (any, error) {
	return listGroupFiles(ctx, env, p, "")
}

// getGroupFilesByFolder: group_id, folder_id, file_count.
func getGroupFilesByFolder(ctx context.Context, env *Env, p *onebot11.Reader) (any, error) {
	folder := requiredString(p, "folder_id", "folder")
	if err := p.Err(); err != nil {
		return nil, err
	}
	return listGroupFiles(ctx, env, p, folder)
}

func listGroupFiles(ctx context.Context, env *Env, p *onebot11.Reader, folder string) (any, error) {
	groupID := uinParam(p, "group_id")
	limit := int32Param(p, 0, "file_count")
	if err := p.Err(); err != nil {
		return nil, err
	}
	out, err := groupFiles(ctx, env, groupID, folder)
	if err != nil {
		return nil, err
	}
	res := &onebot11.GroupFilesResult{Files: make([]onebot11.GroupFile, 0, len(out.Files)), Folders: make([]onebot11.GroupFolder, 0, len(out.Folders))}
	for _, f := range out.Files {
		if limit > 0 && len(res.Files) == int(limit) {
			break
		}
		gf := onebot11.GroupFile{GroupID: f.GroupID, FileID: f.FileID, FileName: f.FileName, FileSize: f.FileSize,
			UploadTime: f.UploadedTime, ModifyTime: f.UploadedTime, DownloadTimes: f.DownloadedTimes, Uploader: f.UploaderID}
		if f.ExpireTime != nil {
			gf.DeadTime = *f.ExpireTime
		}
		res.Files = append(res.Files, gf)
	}
	for _, f := range out.Folders {
		res.Folders = append(res.Folders, onebot11.GroupFolder{GroupID: f.GroupID, FolderID: f.FolderID, FolderName: f.FolderName,
			CreateTime: f.CreatedTime, Creator: f.CreatorID, TotalFileCount: f.FileCount})
	}
	return res, nil
}

func groupFiles(ctx context.Context, env *Env, groupID int64, folder string) (*milky.GetGroupFilesOutput, error) {
	var out milky.GetGroupFilesOutput
	err := env.Upstream.Call(ctx, milky.APIGetGroupFiles, &milky.GetGroupFilesInput{GroupID: groupID, ParentFolderID: folder}, &out)
	return &out, err
}

// getGroupFileSystemInfo: group_id. Milky has no quota API, so this is
// counted from the listings: file_count is the root's files plus each
// folder's file_count, used_space the sum of the sizes of the files in the
// root and in every folder (one get_group_files per folder; QQ folders are
// one level deep, so that is every file). Both are exact. The group's
// limits (limit_count, total_space) depend on the group's level and are
// not reported by Milky: they are 0, meaning unknown.
func getGroupFileSystemInfo(ctx context.Context, env *Env, p *onebot11.Reader) (any, error) {
	groupID := uinParam(p, "group_id")
	if err := p.Err(); err != nil {
		return nil, err
	}
	root, err := groupFiles(ctx, env, groupID, "")
	if err != nil {
		return nil, err
	}
	info := &onebot11.FileSystemInfo{FileCount: int32(len(root.Files))}
	for _, f := range root.Files {
		info.UsedSpace += f.FileSize
	}
	for _, folder := range root.Folders {
		info.FileCount += folder.FileCount
		if folder.FileCount == 0 {
			continue // nothing to add up
		}
		in, err := groupFiles(ctx, env, groupID, folder.FolderID)
		if err != nil {
			return nil, segment.Wrapf(err, "folder %q", folder.FolderName)
		}
		for _, f := range in.Files {
			info.UsedSpace += f.FileSize
		}
	}
	return info, nil
}
