package ob11milky

import (
	"context"
	"strings"

	"github.com/qqbridge/gateway/milky"
	"github.com/qqbridge/gateway/onebot11"
	"github.com/qqbridge/gateway/segment"
)

// A file segment cannot be message content in Milky: files are sent with
// upload_group_file / upload_private_file, which QQ shows in the chat as a
// file message. NapCat-style bots send a file as a message of one file
// segment, so such a message becomes the upload. Milky's upload answers a
// file_id, not a message, so the send answers {"message_id": 0, "file_id"}:
// 0 is go-cqhttp's "no message" (as for a poke); the file message itself
// reaches the bot as the group_upload / offline_file notice. A file mixed
// with other content fails (segment/onebot11_outgoing.go), so nothing is
// lost silently.

// soloFile reports whether segs is exactly one file segment (empty text
// around it ignored) and where it is.
func soloFile(segs []onebot11.Segment) (int, bool) {
	at := -1
	for i, s := range segs {
		switch {
		case s.Type == onebot11.SegFile && at < 0:
			at = i
		case s.Type == onebot11.SegText && s.DataString("text") == "":
		default:
			return 0, false
		}
	}
	return at, at >= 0
}

// uploadFileSegment uploads the file of a file segment to (scene, peer).
func (e *Env) uploadFileSegment(ctx context.Context, s onebot11.Segment, at int, scene string, peer int64) (*onebot11.FileSendResult, error) {
	where := segment.SegmentPlace(at, onebot11.SegFile)
	ref := ""
	for _, k := range [...]string{"file", "url", "path"} {
		if v := strings.TrimSpace(s.DataString(k)); v != "" {
			ref = v
			break
		}
	}
	if ref == "" {
		return nil, onebot11.Errorf(onebot11.RetcodeBadRequest, "%s: missing file", where)
	}
	uri, err := e.MediaURI(ctx, where+" file", ref)
	if err != nil {
		return nil, err
	}
	name := strings.TrimSpace(s.DataString("name"))
	if name == "" {
		name = baseName(ref)
	}
	if name == "" {
		return nil, onebot11.Errorf(onebot11.RetcodeBadRequest, "%s: missing name (it cannot be taken from file)", where)
	}
	var out milky.UploadFileOutput
	switch scene {
	case milky.SceneGroup:
		err = e.Upstream.Call(ctx, milky.APIUploadGroupFile, &milky.UploadGroupFileInput{GroupID: peer, FileURI: uri, FileName: name}, &out)
	case milky.SceneFriend:
		err = e.Upstream.Call(ctx, milky.APIUploadPrivateFile, &milky.UploadPrivateFileInput{UserID: peer, FileURI: uri, FileName: name}, &out)
	default:
		return nil, onebot11.Errorf(onebot11.RetcodeUnsupported, "%s: Milky 1.2 cannot send files in a %s chat", where, scene)
	}
	if err != nil {
		return nil, err
	}
	return &onebot11.FileSendResult{MessageID: 0, FileID: out.FileID}, nil
}

// sendOrUpload sends segs, or uploads them when they are one file segment
// and nothing (no at_sender prefix) has to go in front.
func (e *Env) sendOrUpload(ctx context.Context, segs []onebot11.Segment, scene string, peer int64, prefix ...milky.OutgoingSegment) (any, error) {
	if at, ok := soloFile(segs); ok && len(prefix) == 0 {
		return e.uploadFileSegment(ctx, segs[at], at, scene, peer)
	}
	return e.send(ctx, segs, scene, peer, prefix...)
}
