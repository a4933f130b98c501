package ob11milky

import (
	"github.com/qqbridge/gateway/milky"
	"github.com/qqbridge/gateway/onebot11"
)

// Friend notices: friend_nudge, friend_file_upload.

// friendNudge becomes notify/poke in go-cqhttp's friend form: user_id is
// who poked, target_id who was poked, sender_id the friend (the chat).
func friendNudge(env *Env, ev *milky.Event) (Result, error) {
	d, err := decodeChecked(ev, func(c checker, d *milky.FriendNudgeData) checker {
		return c.uin("user_id", d.UserID)
	})
	if err != nil {
		return Result{}, err
	}
	self := selfID(env, ev)
	poker, pokee := d.UserID, d.UserID
	if d.IsSelfSend {
		poker = self
	}
	if d.IsSelfReceive {
		pokee = self
	}
	n := notice(env, ev, onebot11.NoticeNotify, onebot11.SubPoke)
	n.UserID = poker
	n.TargetID = i64p(pokee)
	n.SenderID = i64p(d.UserID)
	return one(n), nil
}

// friendFileUpload becomes offline_file. user_id is the uploader; when the
// bot itself sent the file (is_self), user_id is the bot and target_id the
// friend, as for message_sent. The matching message_receive is skipped (see
// isFileUploadMessage).
func friendFileUpload(env *Env, ev *milky.Event) (Result, error) {
	d, err := decodeChecked(ev, func(c checker, d *milky.FriendFileUploadData) checker {
		return c.uin("user_id", d.UserID).str("file_id", d.FileID)
	})
	if err != nil {
		return Result{}, err
	}
	n := notice(env, ev, onebot11.NoticeOfflineFile, "")
	n.UserID = d.UserID
	if d.IsSelf {
		n.UserID = selfID(env, ev)
		n.TargetID = i64p(d.UserID)
	}
	n.File = &onebot11.FileInfo{ID: d.FileID, Name: d.FileName, Size: d.FileSize, Hash: d.FileHash}
	return one(n), nil
}
