package ob11milky

import (
	"sync"

	"github.com/qqbridge/gateway/idmap"
	"github.com/qqbridge/gateway/milky"
	"github.com/qqbridge/gateway/onebot11"
	"github.com/qqbridge/gateway/segment"
)

// Message family: message_receive, message_recall, peer_pin_change.

// messages recycles the decoding memory of message_receive (messageState):
// the OneBot event copies what it needs (strings keep pointing into
// ev.Data, not into the struct), so the struct, its entities and its
// segment array serve the next message.
var messages = sync.Pool{New: func() any { return new(messageState) }}

func messageReceive(env *Env, ev *milky.Event) (Result, error) {
	st := messages.Get().(*messageState)
	defer func() {
		st.reset()
		messages.Put(st)
	}()
	if err := decodeMessage(ev, st); err != nil {
		return Result{}, err
	}
	return mapMessage(env, ev, &st.msg)
}

// mapMessage maps a decoded message_receive.
func mapMessage(env *Env, ev *milky.Event, msg *milky.IncomingMessage) (Result, error) {
	if r, err := checkPeer(env, ev, msg.MessageScene, msg.PeerID); r.Skipped != "" || err != nil {
		return r, err
	}
	if err := (checker{ev: ev}).uin("sender_id", msg.SenderID).err; err != nil {
		return Result{}, err
	}
	if isFileUploadMessage(msg) {
		return Result{Skipped: SkipDuplicateFile}, nil
	}
	out, buf := env.PooledMessageEvent(msg, selfID(env, ev))
	if ev.Time != 0 {
		out.Time = ev.Time
	}
	p := pooledMessages.Get().(*pooledMessage)
	p.buf, p.events[0] = buf, out
	return Result{Events: p.events[:], pooled: p}, nil
}

// pooledMessage is the recyclable memory of a message_receive Result: the
// event's buffer and the one-element Events slice (Result.Release).
type pooledMessage struct {
	buf    *segment.MessageBuffer
	events [1]onebot11.Event
}

var pooledMessages = sync.Pool{New: func() any { return new(pooledMessage) }}

// isFileUploadMessage reports a message that only carries an uploaded file.
// Milky pushes such a message AND a friend_file_upload/group_file_upload
// event for one upload; go-cqhttp reported uploads only as notices, so the
// notice is kept and this message dropped. Temp-chat files have no upload
// event in Milky 1.2, so they stay messages.
func isFileUploadMessage(msg *milky.IncomingMessage) bool {
	return len(msg.Segments) == 1 && msg.Segments[0].Type == milky.SegFile &&
		(msg.MessageScene == milky.SceneFriend || msg.MessageScene == milky.SceneGroup)
}

// knownScene validates message_scene: empty is malformed (an error); an
// unknown value (a newer Milky) gives false and is counted, and the caller
// skips the event, as for unknown event types.
func knownScene(env *Env, ev *milky.Event, scene string) (bool, error) {
	switch scene {
	case milky.SceneFriend, milky.SceneGroup, milky.SceneTemp:
		return true, nil
	case "":
		return false, &DataError{EventType: ev.EventType, Field: "message_scene", Problem: "missing or empty"}
	}
	untranslated(env, "event", ev.EventType+":"+scene)
	return false, nil
}

// checkPeer checks what every event about one conversation needs: a known
// scene (an unknown one gives a Result skipping the event) and a peer_id.
func checkPeer(env *Env, ev *milky.Event, scene string, peer int64) (Result, error) {
	if ok, err := knownScene(env, ev, scene); !ok {
		if err != nil {
			return Result{}, err
		}
		return Result{Skipped: SkipUnknownScene}, nil
	}
	return Result{}, checker{ev: ev}.uin("peer_id", peer).err
}

func messageRecall(env *Env, ev *milky.Event) (Result, error) {
	d, err := decode[milky.MessageRecallData](ev)
	if err != nil {
		return Result{}, err
	}
	if r, err := checkPeer(env, ev, d.MessageScene, d.PeerID); r.Skipped != "" || err != nil {
		return r, err
	}
	// The same triple gives the same message_id the bot saw for the message.
	id := messageID(env, d.MessageScene, d.PeerID, d.MessageSeq)
	if d.MessageScene == milky.SceneGroup {
		n := notice(env, ev, onebot11.NoticeGroupRecall, "")
		n.GroupID = d.PeerID
		n.UserID = d.SenderID
		n.OperatorID = i64p(d.OperatorID)
		n.MessageID = i32p(id)
		return one(n), nil
	}
	n := notice(env, ev, onebot11.NoticeFriendRecall, "")
	n.UserID = d.PeerID
	n.MessageID = i32p(id)
	if d.SenderID > 0 && d.OperatorID > 0 && (d.SenderID != d.PeerID || d.OperatorID != d.PeerID) {
		// The bot's own message, or the bot recalling: OneBot's user_id
		// alone would say the friend did it, so name both (extension
		// fields, as group_recall's operator_id).
		n.SenderID = i64p(d.SenderID)
		n.OperatorID = i64p(d.OperatorID)
	}
	return one(n), nil
}

// peerPinChange is a gateway extension notice (OneBot 11 has none):
// {notice_type: "peer_pin_change", sub_type: "pin"|"unpin",
// message_type: "private"|"group", user_id | group_id, is_pinned}.
func peerPinChange(env *Env, ev *milky.Event) (Result, error) {
	d, err := decode[milky.PeerPinChangeData](ev)
	if err != nil {
		return Result{}, err
	}
	if r, err := checkPeer(env, ev, d.MessageScene, d.PeerID); r.Skipped != "" || err != nil {
		return r, err
	}
	sub := onebot11.SubUnpin
	if d.IsPinned {
		sub = onebot11.SubPin
	}
	n := notice(env, ev, onebot11.NoticePeerPinChange, sub)
	n.IsPinned = boolp(d.IsPinned)
	if d.MessageScene == milky.SceneGroup {
		n.MessageType = onebot11.MessageGroup
		n.GroupID = d.PeerID
	} else {
		n.MessageType = onebot11.MessagePrivate
		n.UserID = d.PeerID
	}
	return one(n), nil
}

func messageID(env *Env, scene string, peer, seq int64) int32 {
	if env.IDs == nil {
		return 0
	}
	return env.IDs.IDFor(idmap.Ref{Scene: scene, Peer: peer, Seq: seq})
}
