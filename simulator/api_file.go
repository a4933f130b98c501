package simulator

import (
	"crypto/sha1"
	"encoding/hex"
	"fmt"
	"net/url"
	"slices"
	"strings"

	"github.com/qqbridge/gateway/milky"
)

// File APIs (11): private and group uploads, download links, the group file
// tree (one level of folders under "/", as in QQ).

const rootFolder = "/"

// fileContent is what the simulator knows of an uploaded file: the decoded
// bytes of base64://, otherwise a size and hash derived from the URI (it
// never reads local paths or fetches URLs).
func fileContent(uri string) (data []byte, size int64, hash string) {
	data, _ = decodeURI(uri)
	if data != nil {
		sum := sha1.Sum(data)
		return data, int64(len(data)), hex.EncodeToString(sum[:])
	}
	sum := sha1.Sum([]byte(uri))
	return nil, int64(1024 + hashOf(uri)%(8<<20)), hex.EncodeToString(sum[:])
}

func (w *world) putPrivFile(f *privFile) {
	if len(f.data) > maxResourceBytes {
		f.data = nil
	}
	remember(&w.fileOrder, w.privFiles, f.id, f, maxPrivFiles)
}

func (s *Sim) uploadPrivateFile(p *milky.Params) locked {
	uid := p.Uin("user_id")
	uri := uri(p, "file_uri")
	name := p.NonEmpty("file_name")
	return func() (any, error) {
		if _, err := s.friendLocked(uid); err != nil {
			return nil, err
		}
		data, size, hash := fileContent(uri)
		f := &privFile{userID: uid, id: fmt.Sprintf("sim-file-%d-%s", s.w.newSerial(), hash[:8]), name: name, size: size, hash: hash, data: data}
		s.w.putPrivFile(f)
		// Milky reports a file twice: the upload event and a message carrying
		// a file segment (consumers must de-duplicate).
		s.emitLocked(milky.EventFriendFileUpload, milky.FriendFileUploadData{UserID: uid, FileID: f.id, FileName: name,
			FileSize: size, FileHash: hash, IsSelf: true})
		m := s.w.store(s.w.conv(convKey{milky.SceneFriend, uid}), s.w.selfID, s.now().Unix(), []milky.IncomingSegment{{
			Type: milky.SegFile, Data: milky.IncomingSegmentData{FileID: f.id, FileName: name, FileSize: size, FileHash: ptr(hash)}}})
		s.emitLocked(milky.EventMessageReceive, *m)
		return milky.UploadFileOutput{FileID: f.id}, nil
	}
}

func (s *Sim) uploadGroupFile(p *milky.Params) locked {
	gid := p.Uin("group_id")
	folder := p.StringDef("parent_folder_id", rootFolder)
	uri := uri(p, "file_uri")
	name := p.NonEmpty("file_name")
	return func() (any, error) {
		g, err := s.folderLocked(gid, folder)
		if err != nil {
			return nil, err
		}
		_, size, _ := fileContent(uri)
		now := s.now().Unix()
		f := s.w.addGroupFile(g, folder, name, size, s.w.selfID, now)
		f.DownloadedTimes = 0
		f.ExpireTime = nil
		s.emitLocked(milky.EventGroupFileUpload, milky.GroupFileUploadData{GroupID: gid, UserID: s.w.selfID, FileID: f.FileID,
			FileName: name, FileSize: size})
		m := s.w.store(s.w.conv(convKey{milky.SceneGroup, gid}), s.w.selfID, now, []milky.IncomingSegment{{
			Type: milky.SegFile, Data: milky.IncomingSegmentData{FileID: f.FileID, FileName: name, FileSize: size}}})
		s.emitLocked(milky.EventMessageReceive, *m)
		return milky.UploadFileOutput{FileID: f.FileID}, nil
	}
}

func (s *Sim) getPrivateFileDownloadURL(p *milky.Params) locked {
	uid := p.Uin("user_id")
	id := p.NonEmpty("file_id")
	hash := p.NonEmpty("file_hash")
	return func() (any, error) {
		f := s.w.privFiles[id]
		if f == nil || f.userID != uid {
			return nil, notFound("file_id %q: no such file with user_id %d", id, uid)
		}
		if !strings.EqualFold(f.hash, hash) {
			return nil, notFound("file_hash %q: does not match file %q", hash, id)
		}
		return milky.DownloadURLOutput{DownloadURL: fmt.Sprintf("%s/sim/file/private/%d?id=%s&fname=%s", s.w.base, uid,
			url.QueryEscape(id), url.QueryEscape(f.name))}, nil
	}
}

func (s *Sim) getGroupFileDownloadURL(p *milky.Params) locked {
	gid := p.Uin("group_id")
	id := p.NonEmpty("file_id")
	return func() (any, error) {
		_, f, err := s.anyGroupFile(gid, id)
		if err != nil {
			return nil, err
		}
		return milky.DownloadURLOutput{DownloadURL: fmt.Sprintf("%s/sim/file/group/%d?id=%s&fname=%s", s.w.base, gid,
			url.QueryEscape(id), url.QueryEscape(f.FileName))}, nil
	}
}

func (s *Sim) getGroupFiles(p *milky.Params) locked {
	gid := p.Uin("group_id")
	folder := p.StringDef("parent_folder_id", rootFolder)
	return func() (any, error) {
		g, err := s.folderLocked(gid, folder)
		if err != nil {
			return nil, err
		}
		out := milky.GetGroupFilesOutput{Files: []milky.GroupFile{}, Folders: []milky.GroupFolder{}}
		for _, f := range g.files {
			if f.ParentFolderID == folder {
				out.Files = append(out.Files, *f)
			}
		}
		for _, f := range g.folders {
			if f.ParentFolderID == folder {
				out.Folders = append(out.Folders, *f)
			}
		}
		return out, nil
	}
}

// folderLocked finds the group with parent_folder_id folder in it.
func (s *Sim) folderLocked(gid int64, folder string) (*group, error) {
	g, err := s.groupLocked(gid)
	if err == nil && folder != rootFolder && g.folder(folder) == nil {
		err = notFound("parent_folder_id %q: no such folder in group %d", folder, gid)
	}
	return g, err
}

// anyGroupFile finds a file wherever it sits in the group.
func (s *Sim) anyGroupFile(gid int64, id string) (*group, *milky.GroupFile, error) {
	g, err := s.groupLocked(gid)
	if err != nil {
		return nil, nil, err
	}
	f := g.file(id)
	if f == nil {
		return nil, nil, notFound("file_id %q: no such file in group %d", id, gid)
	}
	return g, f, nil
}

// nameParam reads a file or folder name: not empty, no path separators.
func nameParam(p *milky.Params, field string) string {
	name := p.NonEmpty(field)
	if p.Err() == nil && strings.ContainsAny(name, `/\`) {
		p.Fail(field, "must not contain / or \\")
	}
	return name
}

// groupFile finds a file that must sit in folder.
func (s *Sim) groupFile(gid int64, id, folder string) (*group, *milky.GroupFile, error) {
	g, err := s.groupLocked(gid)
	if err != nil {
		return nil, nil, err
	}
	f := g.file(id)
	if f == nil || f.ParentFolderID != folder {
		return nil, nil, notFound("file_id %q: no such file in folder %q of group %d", id, folder, gid)
	}
	return g, f, nil
}

// mayManageFile: admins manage every file, members only their own.
func (s *Sim) mayManageFile(g *group, f *milky.GroupFile, what string) error {
	if f.UploaderID == s.w.selfID {
		return nil
	}
	return s.requireRole(g, "admin", what)
}

func (s *Sim) touchFolder(g *group, id string, delta int32) {
	if fo := g.folder(id); fo != nil {
		fo.FileCount += delta
		fo.LastModifiedTime = s.now().Unix()
	}
}

func (s *Sim) moveGroupFile(p *milky.Params) locked {
	gid := p.Uin("group_id")
	id := p.NonEmpty("file_id")
	from := p.StringDef("parent_folder_id", rootFolder)
	to := p.StringDef("target_folder_id", rootFolder)
	return func() (any, error) {
		g, f, err := s.groupFile(gid, id, from)
		if err != nil {
			return nil, err
		}
		if to != rootFolder && g.folder(to) == nil {
			return nil, notFound("target_folder_id %q: no such folder in group %d", to, gid)
		}
		if err := s.mayManageFile(g, f, "move_group_file"); err != nil {
			return nil, err
		}
		if from != to {
			f.ParentFolderID = to
			s.touchFolder(g, from, -1)
			s.touchFolder(g, to, +1)
		}
		return milky.Empty{}, nil
	}
}

func (s *Sim) renameGroupFile(p *milky.Params) locked {
	gid := p.Uin("group_id")
	id := p.NonEmpty("file_id")
	folder := p.StringDef("parent_folder_id", rootFolder)
	name := nameParam(p, "new_file_name")
	return func() (any, error) {
		g, f, err := s.groupFile(gid, id, folder)
		if err != nil {
			return nil, err
		}
		if err := s.mayManageFile(g, f, "rename_group_file"); err != nil {
			return nil, err
		}
		f.FileName = name
		s.touchFolder(g, folder, 0)
		return milky.Empty{}, nil
	}
}

func (s *Sim) deleteGroupFile(p *milky.Params) locked {
	gid := p.Uin("group_id")
	id := p.NonEmpty("file_id")
	return func() (any, error) {
		g, f, err := s.anyGroupFile(gid, id)
		if err != nil {
			return nil, err
		}
		if err := s.mayManageFile(g, f, "delete_group_file"); err != nil {
			return nil, err
		}
		g.files = slices.DeleteFunc(g.files, func(x *milky.GroupFile) bool { return x == f })
		s.touchFolder(g, f.ParentFolderID, -1)
		return milky.Empty{}, nil
	}
}

func (s *Sim) createGroupFolder(p *milky.Params) locked {
	gid := p.Uin("group_id")
	name := nameParam(p, "folder_name")
	return func() (any, error) {
		g, err := s.adminGroup(gid, "admin", "create_group_folder")
		if err != nil {
			return nil, err
		}
		for _, f := range g.folders {
			if f.FolderName == name {
				return nil, refused("folder_name %q: a folder with this name already exists in group %d", name, gid)
			}
		}
		now := s.now().Unix()
		f := &milky.GroupFolder{GroupID: gid, FolderID: s.w.newFileID(), ParentFolderID: rootFolder, FolderName: name,
			CreatedTime: now, LastModifiedTime: now, CreatorID: s.w.selfID}
		g.folders = append(g.folders, f)
		return milky.CreateGroupFolderOutput{FolderID: f.FolderID}, nil
	}
}

func (s *Sim) renameGroupFolder(p *milky.Params) locked {
	gid := p.Uin("group_id")
	id := p.NonEmpty("folder_id")
	name := nameParam(p, "new_folder_name")
	return func() (any, error) {
		g, err := s.adminGroup(gid, "admin", "rename_group_folder")
		if err != nil {
			return nil, err
		}
		f := g.folder(id)
		if f == nil {
			return nil, notFound("folder_id %q: no such folder in group %d", id, gid)
		}
		f.FolderName = name
		f.LastModifiedTime = s.now().Unix()
		return milky.Empty{}, nil
	}
}

func (s *Sim) deleteGroupFolder(p *milky.Params) locked {
	gid := p.Uin("group_id")
	id := p.NonEmpty("folder_id")
	return func() (any, error) {
		g, err := s.adminGroup(gid, "admin", "delete_group_folder")
		if err != nil {
			return nil, err
		}
		if id == rootFolder {
			return nil, refused("folder_id %q: the root folder cannot be deleted", id)
		}
		if g.folder(id) == nil {
			return nil, notFound("folder_id %q: no such folder in group %d", id, gid)
		}
		g.folders = slices.DeleteFunc(g.folders, func(f *milky.GroupFolder) bool { return f.FolderID == id })
		g.files = slices.DeleteFunc(g.files, func(f *milky.GroupFile) bool { return f.ParentFolderID == id })
		return milky.Empty{}, nil
	}
}
