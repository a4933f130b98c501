package ob11milky

import (
	"context"
	"strings"

	"github.com/qqbridge/gateway/milky"
	"github.com/qqbridge/gateway/onebot11"
	"github.com/qqbridge/gateway/segment"
)

// Received media and files: get_image, get_record, get_file. The gateway
// puts Milky's resource_id in the `file` of received image/record/video
// segments and the file_id in the `file` of file segments, so these
// actions take those names back and answer a fresh download URL.
//
// go-cqhttp answers `file` as a path in the implementation's cache. A
// gateway has no such cache and no file system shared with the bot, so
// `file` carries the same URL as `url`: bots that pass it on (to a send, to
// an HTTP client) work, a bot that opens it as a local path cannot. The size
// is not known without downloading, so file_size is left out.

// getImage: file (the received segment's file) → get_resource_temp_url.
func getImage(ctx context.Context, env *Env, p *onebot11.Reader) (any, error) {
	ref := resourceParam(p)
	if err := p.Err(); err != nil {
		return nil, err
	}
	return tempURL(ctx, env, ref)
}

// getRecord: file, out_format. Milky hands out voice messages in QQ's own
// encoding (SILK) and the gateway does not transcode, so a requested
// out_format fails with a clear error instead of answering a file in another
// format than asked; without out_format the original's URL is answered.
func getRecord(ctx context.Context, env *Env, p *onebot11.Reader) (any, error) {
	ref := resourceParam(p)
	format := p.OptString("", "out_format")
	if err := p.Err(); err != nil {
		return nil, err
	}
	if strings.TrimSpace(format) != "" {
		return nil, onebot11.Errorf(onebot11.RetcodeUnsupported,
			"parameter out_format: %q cannot be honoured: Milky gives voice messages only in QQ's own encoding and the gateway does not transcode; call without out_format for the original's URL", segment.Shorten(format, 10))
	}
	return tempURL(ctx, env, ref)
}

// getFile: file (or file_id) → a download URL. Milky needs to know where a
// file lives: with group_id it is a group file (get_group_file_download_url);
// with user_id it is a private file, which also needs the file_hash the
// received file segment carries (get_private_file_download_url); with
// neither, the name is taken as a received image/record/video resource
// (get_resource_temp_url), as NapCat's get_file accepts those too.
func getFile(ctx context.Context, env *Env, p *onebot11.Reader) (any, error) {
	id := requiredString(p, "file_id", "file")
	if err := p.Err(); err != nil {
		return nil, err
	}
	var url string
	var err error
	switch {
	case p.Has("group_id"):
		if url, err = groupFileURL(ctx, env, p, id); err != nil {
			return nil, err
		}
	case p.Has("user_id"):
		if url, err = privateFileURL(ctx, env, p, id); err != nil {
			return nil, err
		}
	default:
		res, err := tempURL(ctx, env, id)
		if err != nil {
			return nil, segment.Wrapf(err, "%q taken as a received image/record/video (for a group file pass group_id; for a private file user_id and file_hash)", segment.Shorten(id, 60))
		}
		return res, nil
	}
	name := p.OptString("", "name", "file_name")
	if err := p.Err(); err != nil {
		return nil, err
	}
	return &onebot11.ResourceResult{File: url, URL: url, FileName: name}, nil
}

// resourceParam reads get_image/get_record's file (file_id accepted too).
func resourceParam(p *onebot11.Reader) string {
	ref := p.String("file", "file_id")
	if p.OK() && strings.TrimSpace(ref) == "" {
		p.Failf("parameter %s: empty", p.Name("file", "file_id"))
	}
	return strings.TrimSpace(ref)
}

func tempURL(ctx context.Context, env *Env, resourceID string) (*onebot11.ResourceResult, error) {
	var out milky.GetResourceTempURLOutput
	if err := env.Upstream.Call(ctx, milky.APIGetResourceTempURL, &milky.GetResourceTempURLInput{ResourceID: resourceID}, &out); err != nil {
		return nil, err
	}
	if out.URL == "" {
		return nil, onebot11.Errorf(onebot11.RetcodeUpstream, "upstream returned an empty URL for %q", segment.Shorten(resourceID, 60))
	}
	return &onebot11.ResourceResult{File: out.URL, URL: out.URL, FileName: resourceID}, nil
}
