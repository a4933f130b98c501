package milkyob11

import (
	"context"
	"strconv"
	"unicode/utf8"

	"github.com/goccy/go-json"

	"github.com/qqbridge/gateway/idmap"
	"github.com/qqbridge/gateway/milky"
	"github.com/qqbridge/gateway/onebot11"
	"github.com/qqbridge/gateway/segment"
	"github.com/qqbridge/gateway/translate/class"
)

var groupAPIs = []API{
	{Name: milky.APISetGroupName, Category: "group", Class: class.Translated, OneBot: []string{"set_group_name"}, Handler: setGroupName},
	{Name: milky.APISetGroupAvatar, Category: "group", Class: class.Translated, OneBot: []string{"set_group_portrait"},
		Requires: []string{"set_group_portrait"}, Handler: setGroupAvatar},
	{Name: milky.APISetGroupMemberCard, Category: "group", Class: class.Translated, OneBot: []string{"set_group_card"}, Handler: setGroupMemberCard},
	{Name: milky.APISetGroupMemberSpecialTitle, Category: "group", Class: class.Translated, OneBot: []string{"set_group_special_title"}, Handler: setGroupMemberSpecialTitle},
	{Name: milky.APISetGroupMemberAdmin, Category: "group", Class: class.Translated, OneBot: []string{"set_group_admin"}, Handler: setGroupMemberAdmin},
	{Name: milky.APISetGroupMemberMute, Category: "group", Class: class.Translated, OneBot: []string{"set_group_ban"}, Handler: setGroupMemberMute},
	{Name: milky.APISetGroupWholeMute, Category: "group", Class: class.Translated, OneBot: []string{"set_group_whole_ban"}, Handler: setGroupWholeMute},
	{Name: milky.APIKickGroupMember, Category: "group", Class: class.Translated, OneBot: []string{"set_group_kick"}, Handler: kickGroupMember},
	{Name: milky.APIGetGroupAnnouncements, Category: "group", Class: class.Translated, OneBot: []string{"_get_group_notice"},
		Requires: []string{"_get_group_notice"}, Reason: "only the first image of an announcement is reported (image_url)", Handler: getGroupAnnouncements},
	{Name: milky.APISendGroupAnnouncement, Category: "group", Class: class.Translated, OneBot: []string{"_send_group_notice"},
		Requires: []string{"_send_group_notice"}, Handler: sendGroupAnnouncement},
	{Name: milky.APIDeleteGroupAnnouncement, Category: "group", Class: class.Translated, OneBot: []string{"_del_group_notice", "_delete_group_notice"},
		Requires: []string{"_del_group_notice", "_delete_group_notice"}, Handler: deleteGroupAnnouncement},
	{Name: milky.APIGetGroupEssenceMessages, Category: "group", Class: class.Emulated, OneBot: []string{"get_essence_msg_list"},
		Requires: []string{"get_essence_msg_list"},
		Reason:   "OneBot returns the whole list; pages are cut by the gateway", Handler: getGroupEssenceMessages},
	{Name: milky.APISetGroupEssenceMessage, Category: "group", Class: class.Translated, OneBot: []string{"set_essence_msg", "delete_essence_msg"},
		Requires: []string{"set_essence_msg"}, Handler: setGroupEssenceMessage},
	{Name: milky.APIQuitGroup, Category: "group", Class: class.Translated, OneBot: []string{"set_group_leave"}, Handler: quitGroup},
	{Name: milky.APISendGroupMessageReaction, Category: "group", Class: class.Translated,
		OneBot:   []string{"set_msg_emoji_like", "unset_msg_emoji_like", "set_group_reaction"},
		Requires: []string{"set_msg_emoji_like", "set_group_reaction"},
		Reason:   "reaction_type emoji is sent as the emoji's code point (QQ's emoji id)", Handler: sendGroupMessageReaction},
	{Name: milky.APISendGroupNudge, Category: "group", Class: class.Translated, OneBot: []string{"group_poke", "send_poke", "group_touch", "send_group_msg"},
		Requires: []string{"group_poke", "send_poke", "group_touch"}, AlsoOn: []onebot11.Impl{onebot11.GoCQHTTP},
		Reason: "go-cqhttp pokes by sending a message with a poke segment", Handler: sendGroupNudge},
	{Name: milky.APIGetGroupNotifications, Category: "group", Class: class.Emulated, OneBot: []string{"get_group_system_msg"},
		Requires: []string{"get_group_system_msg"},
		Reason: "only pending join and invited-join requests are listed (OneBot lists no kick/quit/admin notifications and " +
			"does not say how a handled request ended); is_filtered=true fails with -501", Handler: getGroupNotifications},
	{Name: milky.APIAcceptGroupRequest, Category: "group", Class: class.Translated, OneBot: []string{"set_group_add_request"}, Handler: acceptGroupRequest},
	{Name: milky.APIRejectGroupRequest, Category: "group", Class: class.Translated, OneBot: []string{"set_group_add_request"}, Handler: rejectGroupRequest},
	{Name: milky.APIAcceptGroupInvitation, Category: "group", Class: class.Translated, OneBot: []string{"set_group_add_request"}, Handler: acceptGroupInvitation},
	{Name: milky.APIRejectGroupInvitation, Category: "group", Class: class.Translated, OneBot: []string{"set_group_add_request"}, Handler: rejectGroupInvitation},
}

// upstreamID resolves a Milky message_seq of a conversation to the
// upstream's message_id, once every parameter read without error.
func upstreamID(env *Env, p *milky.Params, scene string, peer, seq int64) (int32, error) {
	if err := p.Err(); err != nil {
		return 0, err
	}
	if env.Seqs != nil {
		if id, ok := env.Seqs.UpstreamID(idmap.Ref{Scene: scene, Peer: peer, Seq: seq}); ok {
			return id, nil
		}
	}
	return 0, notFound("message_seq %d: no such message in %s %d (unknown to the gateway or expired)", seq, scene, peer)
}

func setGroupName(ctx context.Context, env *Env, p *milky.Params) (any, error) {
	gid := p.Uin("group_id")
	name := p.NonEmpty("new_group_name")
	return send(ctx, env, p, "set_group_name", obj{"group_id": gid, "group_name": name})
}

func setGroupAvatar(ctx context.Context, env *Env, p *milky.Params) (any, error) {
	gid := p.Uin("group_id")
	uri := p.NonEmpty("image_uri")
	return send(ctx, env, p, "set_group_portrait", obj{"group_id": gid, "file": uri})
}

func setGroupMemberCard(ctx context.Context, env *Env, p *milky.Params) (any, error) {
	gid, uid := p.Uin("group_id"), p.Uin("user_id")
	card := p.String("card")
	return send(ctx, env, p, "set_group_card", obj{"group_id": gid, "user_id": uid, "card": card})
}

func setGroupMemberSpecialTitle(ctx context.Context, env *Env, p *milky.Params) (any, error) {
	gid, uid := p.Uin("group_id"), p.Uin("user_id")
	title := p.String("special_title")
	return send(ctx, env, p, "set_group_special_title", obj{"group_id": gid, "user_id": uid, "special_title": title})
}

func setGroupMemberAdmin(ctx context.Context, env *Env, p *milky.Params) (any, error) {
	gid, uid := p.Uin("group_id"), p.Uin("user_id")
	set := p.BoolDef("is_set", true)
	return send(ctx, env, p, "set_group_admin", obj{"group_id": gid, "user_id": uid, "enable": set})
}

// setGroupMemberMute always sends duration: go-cqhttp's default is 30
// minutes, Milky's is 0 (unmute).
func setGroupMemberMute(ctx context.Context, env *Env, p *milky.Params) (any, error) {
	gid, uid := p.Uin("group_id"), p.Uin("user_id")
	d := p.Int32Def("duration", 0)
	return send(ctx, env, p, "set_group_ban", obj{"group_id": gid, "user_id": uid, "duration": d})
}

func setGroupWholeMute(ctx context.Context, env *Env, p *milky.Params) (any, error) {
	gid := p.Uin("group_id")
	mute := p.BoolDef("is_mute", true)
	return send(ctx, env, p, "set_group_whole_ban", obj{"group_id": gid, "enable": mute})
}

func kickGroupMember(ctx context.Context, env *Env, p *milky.Params) (any, error) {
	gid, uid := p.Uin("group_id"), p.Uin("user_id")
	reject := p.BoolDef("reject_add_request", false)
	return send(ctx, env, p, "set_group_kick", obj{"group_id": gid, "user_id": uid, "reject_add_request": reject})
}

type noticeReply struct {
	NoticeID    text `json:"notice_id"`
	SenderID    num  `json:"sender_id"`
	PublishTime num  `json:"publish_time"`
	Message     struct {
		Text   string `json:"text"`
		Images []struct {
			ID  text   `json:"id"`
			URL string `json:"url"`
		} `json:"images"`
	} `json:"message"`
}

func getGroupAnnouncements(ctx context.Context, env *Env, p *milky.Params) (any, error) {
	gid := p.Uin("group_id")
	return ask(ctx, env, p, "_get_group_notice", obj{"group_id": gid}, func(r []noticeReply) any {
		out := milky.GetGroupAnnouncementsOutput{Announcements: make([]milky.GroupAnnouncement, 0, len(r))}
		for _, n := range r {
			a := milky.GroupAnnouncement{GroupID: gid, AnnouncementID: string(n.NoticeID), UserID: int64(n.SenderID),
				Time: nonNeg64(n.PublishTime), Content: n.Message.Text}
			if len(n.Message.Images) > 0 {
				img := n.Message.Images[0]
				u := img.URL
				if u == "" && img.ID != "" {
					u = "https://gdynamic.qpic.cn/gdynamic/" + string(img.ID) + "/0" // the address QQ serves notice images at
				}
				if u != "" {
					a.ImageURL = &u
				}
			}
			out.Announcements = append(out.Announcements, a)
		}
		return out
	})
}

func sendGroupAnnouncement(ctx context.Context, env *Env, p *milky.Params) (any, error) {
	gid := p.Uin("group_id")
	content := p.NonEmpty("content")
	image := p.OptString("image_uri")
	if err := p.Err(); err != nil {
		return nil, err
	}
	params := obj{"group_id": gid, "content": content}
	if image != nil && *image != "" {
		params["image"] = *image
	}
	return nil, env.Upstream.Call(ctx, "_send_group_notice", params, nil)
}

func deleteGroupAnnouncement(ctx context.Context, env *Env, p *milky.Params) (any, error) {
	gid := p.Uin("group_id")
	id := p.NonEmpty("announcement_id")
	if err := p.Err(); err != nil {
		return nil, err
	}
	action := env.pick("_del_group_notice", "_delete_group_notice")
	return nil, env.Upstream.Call(ctx, action, obj{"group_id": gid, "notice_id": id}, nil)
}

func setGroupEssenceMessage(ctx context.Context, env *Env, p *milky.Params) (any, error) {
	gid := p.Uin("group_id")
	seq := p.Int64("message_seq")
	set := p.BoolDef("is_set", true)
	id, err := upstreamID(env, p, idmap.SceneGroup, gid, seq)
	if err != nil {
		return nil, err
	}
	action := "set_essence_msg"
	if !set {
		action = "delete_essence_msg"
	}
	return nil, env.Upstream.Call(ctx, action, obj{"message_id": id}, nil)
}

func quitGroup(ctx context.Context, env *Env, p *milky.Params) (any, error) {
	gid := p.Uin("group_id")
	return send(ctx, env, p, "set_group_leave", obj{"group_id": gid})
}

// emojiID is QQ's id for a reaction: a face id as is, an emoji as the
// decimal code point of its first rune (QQ's emoji reactions, type 2).
func emojiID(reaction, typ string) string {
	if typ != milky.ReactionEmoji {
		return reaction
	}
	if _, err := strconv.ParseUint(reaction, 10, 32); err == nil {
		return reaction
	}
	r, _ := utf8.DecodeRuneInString(reaction)
	return strconv.Itoa(int(r))
}

func sendGroupMessageReaction(ctx context.Context, env *Env, p *milky.Params) (any, error) {
	gid := p.Uin("group_id")
	seq := p.Int64("message_seq")
	reaction := p.NonEmpty("reaction")
	typ := p.EnumDef("reaction_type", milky.ReactionFace, milky.ReactionFace, milky.ReactionEmoji)
	add := p.BoolDef("is_add", true)
	id, err := upstreamID(env, p, idmap.SceneGroup, gid, seq)
	if err != nil {
		return nil, err
	}
	code := emojiID(reaction, typ)
	switch {
	case env.pick("set_msg_emoji_like") == "":
		// Lagrange.OneBot
		return nil, env.Upstream.Call(ctx, "set_group_reaction", obj{"group_id": gid, "message_id": id, "code": code, "is_add": add}, nil)
	case !add && env.pick("unset_msg_emoji_like") != "":
		// LLOneBot removes with its own action
		return nil, env.Upstream.Call(ctx, "unset_msg_emoji_like", obj{"message_id": id, "emoji_id": code}, nil)
	}
	// NapCat: one action, set=false removes
	return nil, env.Upstream.Call(ctx, "set_msg_emoji_like", obj{"message_id": id, "emoji_id": code, "set": add}, nil)
}

func sendGroupNudge(ctx context.Context, env *Env, p *milky.Params) (any, error) {
	gid, uid := p.Uin("group_id"), p.Uin("user_id")
	if err := p.Err(); err != nil {
		return nil, err
	}
	switch action := env.pick("group_poke", "send_poke", "group_touch"); action {
	case "":
		// go-cqhttp: a group message holding only a poke segment
		msg := []obj{{"type": onebot11.SegPoke, "data": obj{"qq": strconv.FormatInt(uid, 10)}}}
		return nil, env.Upstream.Call(ctx, "send_group_msg", obj{"group_id": gid, "message": msg}, nil)
	default:
		return nil, env.Upstream.Call(ctx, action, obj{"group_id": gid, "user_id": uid}, nil)
	}
}

type essenceReply struct {
	SenderID     num             `json:"sender_id"`
	SenderNick   string          `json:"sender_nick"`
	SenderTime   num             `json:"sender_time"`
	OperatorID   num             `json:"operator_id"`
	OperatorNick string          `json:"operator_nick"`
	OperatorTime num             `json:"operator_time"`
	MessageID    num             `json:"message_id"`
	Content      json.RawMessage `json:"content"`
}

// getGroupEssenceMessages pages the whole list OneBot returns. Segments
// come from content (NapCat, LLOneBot); go-cqhttp sends none, so they are
// empty there.
func getGroupEssenceMessages(ctx context.Context, env *Env, p *milky.Params) (any, error) {
	gid := p.Uin("group_id")
	page := p.Int32("page_index")
	size := p.Int32("page_size")
	if err := p.Err(); err != nil {
		return nil, err
	}
	var r []essenceReply
	if err := env.Upstream.Call(ctx, "get_essence_msg_list", obj{"group_id": gid}, &r); err != nil {
		return nil, err
	}
	from := int64(page) * int64(size)
	to := from + int64(size)
	if from > int64(len(r)) {
		from = int64(len(r))
	}
	if to > int64(len(r)) {
		to = int64(len(r))
	}
	conv := segment.Incoming{Seqs: env.Seqs}
	out := milky.GetGroupEssenceMessagesOutput{Messages: make([]milky.GroupEssenceMessage, 0, to-from), IsEnd: to >= int64(len(r))}
	for _, e := range r[from:to] {
		segs, err := conv.FromOneBotRaw(idmap.SceneGroup, gid, e.Content)
		if err != nil {
			return nil, &milky.APIError{Retcode: RetcodeUpstream, Message: "upstream essence message: " + clip(err.Error())}
		}
		if segs == nil {
			segs = []milky.IncomingSegment{}
		}
		ref := env.Seqs.RefForUpstream(idmap.SceneGroup, gid, int32(e.MessageID), 0)
		out.Messages = append(out.Messages, milky.GroupEssenceMessage{GroupID: gid, MessageSeq: ref.Seq,
			MessageTime: nonNeg64(e.SenderTime), SenderID: int64(e.SenderID), SenderName: e.SenderNick,
			OperatorID: int64(e.OperatorID), OperatorName: e.OperatorNick, OperationTime: nonNeg64(e.OperatorTime), Segments: segs})
	}
	return out, nil
}
