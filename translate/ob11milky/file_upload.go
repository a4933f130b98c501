package ob11milky

import (
	"context"
	"net/url"
	"strings"

	"github.com/qqbridge/gateway/milky"
	"github.com/qqbridge/gateway/onebot11"
	"github.com/qqbridge/gateway/segment"
)

// Uploads: upload_group_file, upload_private_file, post_group_file.

// uploadGroupFile: group_id, file, name, folder (go-cqhttp) or folder_id
// (LLOneBot) → upload_group_file into that folder (default the root).
func uploadGroupFile(ctx context.Context, env *Env, p *onebot11.Reader) (any, error) {
	groupID := uinParam(p, "group_id")
	in := milky.UploadGroupFileInput{GroupID: groupID}
	var err error
	if in.FileURI, in.FileName, err = uploadSource(ctx, env, p, "file"); err != nil {
		return nil, err
	}
	in.ParentFolderID = folderParam(p, "folder", "folder_id", "parent_folder_id")
	return ask(ctx, env, p, milky.APIUploadGroupFile, &in, uploadResult)
}

// uploadPrivateFile: user_id, file, name → upload_private_file (the file is
// sent to the friend).
func uploadPrivateFile(ctx context.Context, env *Env, p *onebot11.Reader) (any, error) {
	userID := uinParam(p, "user_id")
	in := milky.UploadPrivateFileInput{UserID: userID}
	var err error
	if in.FileURI, in.FileName, err = uploadSource(ctx, env, p, "file"); err != nil {
		return nil, err
	}
	return ask(ctx, env, p, milky.APIUploadPrivateFile, &in, uploadResult)
}

// uploadResult is the OneBot answer to an upload.
func uploadResult(out milky.UploadFileOutput) any { return &onebot11.UploadResult{FileID: out.FileID} }

// uploadSource reads the file to upload (a local path, file://, http(s)://
// or base64:// URI, or a received media name, as for segments) and its name:
// name, or the last element of the path or URL. Milky needs a name; base64
// data has none, so name is required then.
func uploadSource(ctx context.Context, env *Env, p *onebot11.Reader, field string) (uri, name string, err error) {
	file := requiredString(p, field)
	if err := p.Err(); err != nil {
		return "", "", err
	}
	if uri, err = env.MediaURI(ctx, "parameter "+field, file); err != nil {
		return "", "", err
	}
	name = strings.TrimSpace(p.OptString("", "name", "file_name"))
	if err := p.Err(); err != nil {
		return "", "", err
	}
	if name == "" {
		name = baseName(strings.TrimSpace(file))
	}
	if name == "" {
		return "", "", onebot11.Errorf(onebot11.RetcodeBadRequest, "missing parameter name: it cannot be taken from %s", field)
	}
	return uri, name, nil
}

// baseName is the file name at the end of a path or URL; "" when there is
// none (base64 data, a received media name, a URL ending in /).
func baseName(ref string) string {
	if _, direct := segment.DirectURI(ref); !direct || strings.HasPrefix(strings.ToLower(ref), "base64://") || strings.HasPrefix(strings.ToLower(ref), "data:") {
		return ""
	}
	p := ref
	if u, err := url.Parse(ref); err == nil && u.Scheme != "" && len(u.Scheme) > 1 {
		p = u.Path
	}
	p = strings.ReplaceAll(p, `\`, "/")
	return p[strings.LastIndexByte(p, '/')+1:]
}

// postGroupFile: group_id and exactly one of image, record, video, file
// (NcatBot). Media is sent as a message of that one segment ({message_id});
// a file is uploaded to the group's root folder, which QQ shows in the chat
// as a file message ({file_id}: Milky's upload answers no message).
func postGroupFile(ctx context.Context, env *Env, p *onebot11.Reader) (any, error) {
	groupID := uinParam(p, "group_id")
	if err := p.Err(); err != nil {
		return nil, err
	}
	var kind string
	for _, k := range [...]string{onebot11.SegImage, onebot11.SegRecord, onebot11.SegVideo, onebot11.SegFile} {
		if !p.Has(k) {
			continue
		}
		if kind != "" {
			return nil, onebot11.Errorf(onebot11.RetcodeBadRequest, "parameters %s and %s: give exactly one of image, record, video, file", kind, k)
		}
		kind = k
	}
	switch kind {
	case "":
		return nil, onebot11.Errorf(onebot11.RetcodeBadRequest, "missing parameter image (or record, video, file)")
	case onebot11.SegFile:
		in := milky.UploadGroupFileInput{GroupID: groupID}
		var err error
		if in.FileURI, in.FileName, err = uploadSource(ctx, env, p, "file"); err != nil {
			return nil, err
		}
		return ask(ctx, env, p, milky.APIUploadGroupFile, &in, uploadResult)
	}
	ref := requiredString(p, kind)
	if err := p.Err(); err != nil {
		return nil, err
	}
	return env.send(ctx, []onebot11.Segment{{Type: kind, Data: map[string]any{"file": ref}}}, milky.SceneGroup, groupID)
}
