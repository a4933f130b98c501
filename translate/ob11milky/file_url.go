package ob11milky

import (
	"context"
	"strings"

	"github.com/qqbridge/gateway/milky"
	"github.com/qqbridge/gateway/onebot11"
)

// Download URLs of group and private files (get_group_file_url,
// get_private_file_url; get_file in resource.go shares the helpers).

// getGroupFileURL: group_id, file_id (busid accepted) → get_group_file_download_url.
func getGroupFileURL(ctx context.Context, env *Env, p *onebot11.Reader) (any, error) {
	fileID := requiredString(p, "file_id")
	if err := p.Err(); err != nil {
		return nil, err
	}
	url, err := groupFileURL(ctx, env, p, fileID)
	if err != nil {
		return nil, err
	}
	return &onebot11.URLResult{URL: url}, nil
}

// getPrivateFileURL: file_id, plus what Milky needs and LLOneBot's action
// does not take: user_id (the friend the file was exchanged with) and
// file_hash (the file segment's file_hash).
func getPrivateFileURL(ctx context.Context, env *Env, p *onebot11.Reader) (any, error) {
	fileID := requiredString(p, "file_id", "file")
	if err := p.Err(); err != nil {
		return nil, err
	}
	if !p.Has("user_id") {
		return nil, onebot11.Errorf(onebot11.RetcodeBadRequest,
			"missing parameter user_id: Milky fetches a private file by the friend it was exchanged with, its file_id and its file_hash (all in the received file segment)")
	}
	url, err := privateFileURL(ctx, env, p, fileID)
	if err != nil {
		return nil, err
	}
	return &onebot11.URLResult{URL: url}, nil
}

func groupFileURL(ctx context.Context, env *Env, p *onebot11.Reader, fileID string) (string, error) {
	groupID := uinParam(p, "group_id")
	p.OptInt64(0, "busid")
	if err := p.Err(); err != nil {
		return "", err
	}
	var out milky.DownloadURLOutput
	in := milky.GetGroupFileDownloadURLInput{GroupID: groupID, FileID: strings.TrimSpace(fileID)}
	if err := env.Upstream.Call(ctx, milky.APIGetGroupFileDownloadURL, &in, &out); err != nil {
		return "", err
	}
	return out.DownloadURL, nil
}

func privateFileURL(ctx context.Context, env *Env, p *onebot11.Reader, fileID string) (string, error) {
	userID := uinParam(p, "user_id")
	if !p.Has("file_hash", "hash") {
		p.Failf("missing parameter file_hash: Milky needs the private file's hash (the file segment's file_hash) to fetch it")
	}
	hash := requiredString(p, "file_hash", "hash")
	if err := p.Err(); err != nil {
		return "", err
	}
	var out milky.DownloadURLOutput
	in := milky.GetPrivateFileDownloadURLInput{UserID: userID, FileID: strings.TrimSpace(fileID), FileHash: strings.TrimSpace(hash)}
	if err := env.Upstream.Call(ctx, milky.APIGetPrivateFileDownloadURL, &in, &out); err != nil {
		return "", err
	}
	return out.DownloadURL, nil
}
