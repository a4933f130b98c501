package idmap

import (
	"fmt"
	"strconv"
	"strings"
)

// Request flags of the first direction (Milky upstream, OneBot 11 bots) are
// stateless, self-describing strings: everything the Milky
// accept/reject call needs is inside, so a flag stays valid across gateway
// restarts and long delays (legacy bots store flags and answer later).
//
//	friend:<filtered 0|1>:<initiator_id>:<initiator_uid>
//	group:join_request:<group_id>:<notification_seq>:<filtered 0|1>
//	group:invited_join_request:<group_id>:<notification_seq>:<filtered 0|1>
//	invite:<group_id>:<invitation_seq>
//
// The uid is QQ-internal and its alphabet is not specified, so it comes last
// and is taken verbatim (it may contain ':'). initiator_id is informational
// (Milky answers friend requests by uid) but lets a reader see who asked.

// Flag kinds.
const (
	FlagFriend             = "friend"
	FlagJoinRequest        = "join_request"         // someone asks to join a group
	FlagInvitedJoinRequest = "invited_join_request" // a member invited someone; admins approve
	FlagInvitation         = "invitation"           // the bot itself is invited into a group
)

// Flag is a parsed request flag. Kind says which fields are meaningful:
// friend: InitiatorUID, InitiatorID, Filtered; join_request and
// invited_join_request: GroupID, Seq (notification_seq), Filtered;
// invitation: GroupID, Seq (invitation_seq).
type Flag struct {
	Kind         string
	InitiatorUID string
	InitiatorID  int64
	GroupID      int64
	Seq          int64
	Filtered     bool
}

// FriendRequestFlag is the flag of a friend request event.
func FriendRequestFlag(initiatorUID string, initiatorID int64, filtered bool) string {
	return "friend:" + bit(filtered) + ":" + strconv.FormatInt(initiatorID, 10) + ":" + initiatorUID
}

// GroupRequestFlag is the flag of a group join request; kind is
// join_request or invited_join_request (Milky's notification_type).
func GroupRequestFlag(kind string, groupID, notificationSeq int64, filtered bool) string {
	return "group:" + kind + ":" + strconv.FormatInt(groupID, 10) + ":" + strconv.FormatInt(notificationSeq, 10) + ":" + bit(filtered)
}

// GroupInvitationFlag is the flag of an invitation of the bot into a group.
func GroupInvitationFlag(groupID, invitationSeq int64) string {
	return "invite:" + strconv.FormatInt(groupID, 10) + ":" + strconv.FormatInt(invitationSeq, 10)
}

// String formats the flag back (the inverse of ParseFlag).
func (f Flag) String() string {
	switch f.Kind {
	case FlagFriend:
		return FriendRequestFlag(f.InitiatorUID, f.InitiatorID, f.Filtered)
	case FlagJoinRequest, FlagInvitedJoinRequest:
		return GroupRequestFlag(f.Kind, f.GroupID, f.Seq, f.Filtered)
	case FlagInvitation:
		return GroupInvitationFlag(f.GroupID, f.Seq)
	}
	return ""
}

// ParseFlag parses a flag made by the functions above. Errors are
// *FlagError and say what is wrong.
func ParseFlag(s string) (Flag, error) {
	kind, rest, _ := strings.Cut(s, ":")
	switch kind {
	case "friend":
		parts := strings.SplitN(rest, ":", 3)
		if len(parts) != 3 || parts[2] == "" {
			return Flag{}, badFlag(s, "want friend:<filtered>:<initiator_id>:<uid>")
		}
		filtered, ok := parseBit(parts[0])
		id, err := strconv.ParseInt(parts[1], 10, 64)
		if !ok || err != nil || id < 0 {
			return Flag{}, badFlag(s, "want friend:<filtered 0|1>:<initiator_id>:<uid>")
		}
		return Flag{Kind: FlagFriend, Filtered: filtered, InitiatorID: id, InitiatorUID: parts[2]}, nil
	case "group":
		parts := strings.Split(rest, ":")
		if len(parts) != 4 || (parts[0] != FlagJoinRequest && parts[0] != FlagInvitedJoinRequest) {
			return Flag{}, badFlag(s, "want group:join_request|invited_join_request:<group_id>:<seq>:<filtered>")
		}
		group, err1 := parseUin(parts[1])
		seq, err2 := strconv.ParseInt(parts[2], 10, 64)
		filtered, ok := parseBit(parts[3])
		if err1 != nil || err2 != nil || seq < 0 || !ok {
			return Flag{}, badFlag(s, "want group:"+parts[0]+":<group_id>:<seq>:<filtered 0|1>")
		}
		return Flag{Kind: parts[0], GroupID: group, Seq: seq, Filtered: filtered}, nil
	case "invite":
		parts := strings.Split(rest, ":")
		if len(parts) != 2 {
			return Flag{}, badFlag(s, "want invite:<group_id>:<invitation_seq>")
		}
		group, err1 := parseUin(parts[0])
		seq, err2 := strconv.ParseInt(parts[1], 10, 64)
		if err1 != nil || err2 != nil || seq < 0 {
			return Flag{}, badFlag(s, "want invite:<group_id>:<invitation_seq>")
		}
		return Flag{Kind: FlagInvitation, GroupID: group, Seq: seq}, nil
	}
	return Flag{}, badFlag(s, "not a request flag issued by this gateway")
}

func badFlag(s, why string) error {
	return &FlagError{Flag: shorten(s, 80), Why: why}
}

func bit(b bool) string {
	if b {
		return "1"
	}
	return "0"
}

func parseBit(s string) (bool, bool) {
	switch s {
	case "0":
		return false, true
	case "1":
		return true, true
	}
	return false, false
}

func parseUin(s string) (int64, error) {
	v, err := strconv.ParseInt(s, 10, 64)
	if err != nil {
		return 0, err
	}
	if !validUin(v) {
		return 0, strconv.ErrRange
	}
	return v, nil
}

// FlagError is a request flag this gateway did not issue or cannot read.
type FlagError struct {
	Flag string // the offending flag, shortened for echoing
	Why  string
}

func (e *FlagError) Error() string { return fmt.Sprintf("flag %q: %s", e.Flag, e.Why) }

// validUin: Milky's uin range (10001..4294967295).
func validUin(v int64) bool { return v >= 10001 && v <= 4294967295 }

// shorten bounds a value echoed in an error.
func shorten(s string, n int) string {
	if len(s) <= n {
		return s
	}
	return s[:n] + "..."
}
