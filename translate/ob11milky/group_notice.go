package ob11milky

import (
	"context"
	"strings"

	"github.com/qqbridge/gateway/milky"
	"github.com/qqbridge/gateway/onebot11"
)

// Group notices (公告): go-cqhttp's _send/_get_group_notice and NapCat's
// _delete_group_notice on Milky's group announcements.

// sendGroupNotice: group_id, content, image (optional: file://, http(s)://,
// base64://, a path or a received image's name) → send_group_announcement.
// NcatBot/NapCat display options: confirm_required and is_show_edit_card are
// accepted (they only change how QQ presents the notice); pinned=true is
// refused, since Milky cannot pin and an unpinned notice is not what was
// asked for.
func sendGroupNotice(ctx context.Context, env *Env, p *onebot11.Reader) (any, error) {
	groupID := uinParam(p, "group_id")
	content := p.String("content")
	for _, opt := range []string{"confirm_required", "is_show_edit_card"} {
		p.OptBool(false, opt)
	}
	if p.OptBool(false, "pinned") {
		p.Fail(onebot11.Errorf(onebot11.RetcodeUnsupported, "parameter pinned: Milky 1.2 cannot pin a group announcement"))
	}
	image := p.OptString("", "image")
	if err := p.Err(); err != nil {
		return nil, err
	}
	in := milky.SendGroupAnnouncementInput{GroupID: groupID, Content: content}
	if strings.TrimSpace(image) != "" {
		uri, err := env.MediaURI(ctx, "parameter image", image)
		if err != nil {
			return nil, err
		}
		in.ImageURI = &uri
	}
	return nil, env.Upstream.Call(ctx, milky.APISendGroupAnnouncement, &in, nil)
}

// getGroupNotice: group_id → get_group_announcements.
func getGroupNotice(ctx context.Context, env *Env, p *onebot11.Reader) (any, error) {
	groupID := uinParam(p, "group_id")
	return ask(ctx, env, p, milky.APIGetGroupAnnouncements, &milky.GroupIDInput{GroupID: groupID}, func(out milky.GetGroupAnnouncementsOutput) any {
		list := make([]onebot11.GroupNotice, 0, len(out.Announcements))
		for _, a := range out.Announcements {
			n := onebot11.GroupNotice{NoticeID: a.AnnouncementID, SenderID: a.UserID, PublishTime: a.Time,
				Message: onebot11.NoticeMessage{Text: a.Content, Images: []onebot11.NoticeImage{}}}
			if a.ImageURL != nil && *a.ImageURL != "" {
				n.Message.Images = append(n.Message.Images, onebot11.NoticeImage{ID: gdynamicID(*a.ImageURL), URL: *a.ImageURL})
			}
			list = append(list, n)
		}
		return list
	})
}

// gdynamicID extracts <id> from http(s)://gdynamic.qpic.cn/gdynamic/<id>/<size>;
// "" for any other URL.
func gdynamicID(u string) string {
	const host = "gdynamic.qpic.cn/gdynamic/"
	rest, ok := strings.CutPrefix(u, "https://")
	if !ok {
		if rest, ok = strings.CutPrefix(u, "http://"); !ok {
			return ""
		}
	}
	rest, ok = strings.CutPrefix(rest, host)
	if !ok {
		return ""
	}
	id, _, _ := strings.Cut(rest, "/")
	return id
}

// deleteGroupNotice: group_id, notice_id → delete_group_announcement.
func deleteGroupNotice(ctx context.Context, env *Env, p *onebot11.Reader) (any, error) {
	groupID := uinParam(p, "group_id")
	noticeID := p.String("notice_id")
	if err := p.Err(); err != nil {
		return nil, err
	}
	if strings.TrimSpace(noticeID) == "" {
		return nil, onebot11.Errorf(onebot11.RetcodeBadRequest, "parameter notice_id: must not be empty")
	}
	return nil, env.Upstream.Call(ctx, milky.APIDeleteGroupAnnouncement,
		&milky.DeleteGroupAnnouncementInput{GroupID: groupID, AnnouncementID: noticeID}, nil)
}
