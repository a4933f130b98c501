package ob11milky

import (
	"context"
	"strconv"
	"strings"

	"github.com/qqbridge/gateway/milky"
	"github.com/qqbridge/gateway/onebot11"
	"github.com/qqbridge/gateway/segment"
)

// A poke segment is not message content on QQ: it is a nudge. go-cqhttp
// performs the nudge and answers message_id 0, and bots rely on that, so a
// message made of one poke becomes send_group_nudge / send_friend_nudge and
// the send answers {"message_id": 0} (no message exists that could be
// recalled or quoted; 0 is go-cqhttp's "no message"). go-cqhttp silently
// dropped the rest of a message with a poke in it; here such a message fails
// instead, so nothing is lost without the bot knowing.

// soloPoke reports whether segs is exactly one poke (empty text around it
// ignored) and where it is. A poke mixed with other content is an error
// naming both.
func soloPoke(segs []onebot11.Segment) (int, bool, error) {
	at := -1
	for i, s := range segs {
		if s.Type == onebot11.SegPoke {
			at = i
			break
		}
	}
	if at < 0 {
		return 0, false, nil
	}
	for i, s := range segs {
		if i == at || (s.Type == onebot11.SegText && s.DataString("text") == "") {
			continue
		}
		return 0, false, onebot11.Errorf(onebot11.RetcodeUnsupported,
			"%s: a poke is a nudge, not message content; send it as a message of its own (it cannot be combined with %s)",
			segment.SegmentPlace(at, onebot11.SegPoke), segment.SegmentPlace(i, s.Type))
	}
	return at, true, nil
}

// nudge performs a poke segment sent to (scene, peer). The target is qq
// (go-cqhttp), or user_id; OneBot's id is the poke style, but a value that
// is a QQ number is taken as the target, as some bots write it so.
func (e *Env) nudge(ctx context.Context, s onebot11.Segment, at int, scene string, peer int64) (*onebot11.SendResult, error) {
	where := segment.SegmentPlace(at, onebot11.SegPoke)
	var target int64
	for _, k := range [...]string{"qq", "user_id", "id"} {
		v := strings.TrimSpace(s.DataString(k))
		if v == "" {
			continue
		}
		n, err := strconv.ParseInt(v, 10, 64)
		if k == "id" && (err != nil || !milky.ValidUin(n)) {
			continue // a poke style, not a target
		}
		if target, err = segment.SegmentUin(v, where, k); err != nil {
			return nil, err
		}
		break
	}
	if scene == milky.SceneGroup {
		if target == 0 {
			return nil, onebot11.Errorf(onebot11.RetcodeBadRequest, "%s: missing qq (the member to poke)", where)
		}
		err := e.Upstream.Call(ctx, milky.APISendGroupNudge, &milky.SendGroupNudgeInput{GroupID: peer, UserID: target}, nil)
		if err != nil {
			return nil, err
		}
		return &onebot11.SendResult{MessageID: 0}, nil
	}
	// In a private chat only the friend or the bot itself can be poked.
	in := milky.SendFriendNudgeInput{UserID: peer}
	switch self := e.selfID(); {
	case target == 0 || target == peer:
	case target == self:
		in.IsSelf = true
	default:
		return nil, onebot11.Errorf(onebot11.RetcodeBadRequest, "%s: qq %d is neither the friend %d nor the bot: a private chat can only poke those", where, target, peer)
	}
	if err := e.Upstream.Call(ctx, milky.APISendFriendNudge, &in, nil); err != nil {
		return nil, err
	}
	return &onebot11.SendResult{MessageID: 0}, nil
}
