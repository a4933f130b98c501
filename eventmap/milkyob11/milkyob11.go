// Package milkyob11 translates the events of a OneBot 11 implementation
// upstream (NapCat, LLOneBot, Lagrange.OneBot, go-cqhttp, Shamrock) into
// Milky 1.2 events for Milky bots. It is pure: one small function per OneBot
// event kind, registered in the one table below, keyed by (post_type, detail
// type, sub_type). The mapping decisions are in README.md; the golden files
// under testdata/ show every case.
package milkyob11

import (
	"sync"

	"github.com/qqbridge/gateway/idmap"
	"github.com/qqbridge/gateway/milky"
	"github.com/qqbridge/gateway/onebot11"
	"github.com/qqbridge/gateway/segment"
)

// Env is what the mappings need from the runtime. Seqs and Flags are
// required; the rest may be nil.
type Env struct {
	// SelfID is the bot's uin, used when an event carries no self_id.
	SelfID int64
	// Impl is the upstream implementation: it says which field carries the
	// per-conversation seq (onebot11.Impl.ConversationSeq).
	Impl  onebot11.Impl
	Seqs  idmap.SeqMapper
	Flags idmap.FlagMapper
	// Dir supplies the group, member and friend objects Milky's
	// message_receive requires and OneBot events do not carry.
	Dir Directory
	// Quotes resolves reply segments' quoted messages.
	Quotes segment.QuoteLookup
	// Now is the time of events that carry none (Unix seconds).
	Now func() int64
	// OnUntranslated is told of every event kind and segment type that has
	// no Milky form: kind "event" (typ "post_type/detail/sub_type") or
	// "segment" (the OneBot segment type). typ may be part of the frame
	// being mapped: a callback that keeps it copies it.
	OnUntranslated func(kind, typ string)

	// scanned is the event's segment-array message as MapRaw's decoding
	// pass read it (nil, or empty when the message was not such an array).
	scanned *segment.Scanned
	// segBuf is the pooled memory the message's segments are converted
	// into (nil: allocate them); the Result it went into releases it.
	segBuf *[]milky.IncomingSegment
	// mem is the pooled memory of the commonest payloads (nil: allocate
	// them); the Result they went into releases it. Set, like segBuf, only
	// by mapState.mapped: a Result of Map called directly is the caller's.
	mem *eventMem
	// onSeg is env.untranslatedSegment bound once per pooled state (nil:
	// bound per message, which allocates).
	onSeg func(oneBotType string)
}

// Result is what one OneBot event becomes.
type Result struct {
	// Events are the Milky events to push, in order (usually one).
	Events []milky.TypedEvent
	// Skipped is a non-empty reason (a Skip* constant) when nothing is
	// pushed on purpose.
	Skipped string
	// pooled holds memory of Events that can be recycled (see Release).
	pooled *mapState
}

// Release hands the memory of r's events to later events: their segments,
// and for a message its IncomingMessage, Group, GroupMember and Friend and
// the Events array itself. It is optional (what is not released is garbage
// collected); call it only once r's events are encoded and no pointer into
// them is kept (copy what must outlive it). The event pump does.
func (r *Result) Release() {
	if st := r.pooled; st != nil {
		r.pooled, r.Events = nil, nil
		st.release()
	}
}

// Reasons for Result.Skipped.
const (
	// SkipUnknownEvent: an event kind this table does not know (another
	// extension); counted through OnUntranslated.
	SkipUnknownEvent = "unknown_event"
	// SkipNoMilkyForm: a known OneBot event Milky 1.2 has no event for
	// (friend_add, group_card, honor, lucky_king, title, profile_like,
	// group_dismiss, poke_recall, flash_file, input status …).
	SkipNoMilkyForm = "no_milky_form"
	// SkipMeta: heartbeats and lifecycle enable/connect; Milky has no
	// keep-alive event.
	SkipMeta = "meta_event"
	// SkipInvalidIDs: the event lacks an id Milky requires as a uin
	// (group_id, user_id 0 or absent).
	SkipInvalidIDs = "invalid_ids"
)

// key is (post_type, detail type, sub_type). The detail type is
// message_type, notice_type, request_type or meta_event_type; sub_type
// anySub matches any sub_type not registered exactly.
type key struct{ post, detail, sub string }

// anySub is the sub_type of a key that matches every sub_type.
const anySub = "*"

type handler func(env *Env, ev *onebot11.UpstreamEvent) Result

// table is the one list of OneBot event kinds this package translates.
var table = map[key]handler{
	// message.go: message_sent (NapCat/LLOneBot "report self message") is
	// Milky's message_receive with sender_id = the bot.
	{onebot11.PostMessage, onebot11.MessageGroup, anySub}:       groupMessage,
	{onebot11.PostMessage, onebot11.MessagePrivate, anySub}:     privateMessage,
	{onebot11.PostMessageSent, onebot11.MessageGroup, anySub}:   groupMessage,
	{onebot11.PostMessageSent, onebot11.MessagePrivate, anySub}: privateMessage,

	// notice_message.go
	{onebot11.PostNotice, onebot11.NoticeGroupRecall, anySub}:          groupRecall,
	{onebot11.PostNotice, onebot11.NoticeFriendRecall, anySub}:         friendRecall,
	{onebot11.PostNotice, onebot11.NoticePeerPinChange, anySub}:        peerPinChange, // this gateway's first direction
	{onebot11.PostNotice, onebot11.NoticeEssence, onebot11.SubAdd}:     essence,
	{onebot11.PostNotice, onebot11.NoticeEssence, onebot11.SubDelete}:  essence,
	{onebot11.PostNotice, onebot11.NoticeGroupEmoji, anySub}:           emojiLike, // NapCat/LLOneBot
	{onebot11.PostNotice, onebot11.NoticeReaction, onebot11.SubAdd}:    lagrangeReaction,
	{onebot11.PostNotice, onebot11.NoticeReaction, onebot11.SubRemove}: lagrangeReaction,

	// request.go
	{onebot11.PostRequest, onebot11.RequestFriend, anySub}:            friendRequest,
	{onebot11.PostRequest, onebot11.RequestGroup, onebot11.SubAdd}:    groupAddRequest,
	{onebot11.PostRequest, onebot11.RequestGroup, onebot11.SubInvite}: groupInviteRequest,

	// notice_group.go
	{onebot11.PostNotice, onebot11.NoticeGroupAdmin, onebot11.SubSet}:     groupAdmin,
	{onebot11.PostNotice, onebot11.NoticeGroupAdmin, onebot11.SubUnset}:   groupAdmin,
	{onebot11.PostNotice, onebot11.NoticeGroupIncrease, anySub}:           groupIncrease,
	{onebot11.PostNotice, onebot11.NoticeGroupDecrease, anySub}:           groupDecrease,
	{onebot11.PostNotice, onebot11.NoticeGroupBan, onebot11.SubBan}:       groupBan,
	{onebot11.PostNotice, onebot11.NoticeGroupBan, onebot11.SubLiftBan}:   groupBan,
	{onebot11.PostNotice, onebot11.NoticeNotify, onebot11.SubGroupName}:   groupName, // NapCat
	{onebot11.PostNotice, onebot11.NoticeGroupName, anySub}:               groupName, // this gateway's first direction
	{onebot11.PostNotice, onebot11.NoticeGroupUpload, anySub}:             groupUpload,
	{onebot11.PostNotice, onebot11.NoticeNotify, onebot11.SubPoke}:        poke,
	{onebot11.PostNotice, onebot11.NoticeOfflineFile, anySub}:             offlineFile, // go-cqhttp
	{onebot11.PostNotice, onebot11.NoticeGroupDismiss, anySub}:            noMilkyForm,
	{onebot11.PostNotice, onebot11.NoticeFriendAdd, anySub}:               noMilkyForm,
	{onebot11.PostNotice, onebot11.NoticeGroupCard, anySub}:               noMilkyForm,
	{onebot11.PostNotice, onebot11.NoticeNotify, onebot11.SubPokeRecall}:  noMilkyForm,
	{onebot11.PostNotice, onebot11.NoticeNotify, onebot11.SubHonor}:       noMilkyForm,
	{onebot11.PostNotice, onebot11.NoticeNotify, onebot11.SubLuckyKing}:   noMilkyForm,
	{onebot11.PostNotice, onebot11.NoticeNotify, onebot11.SubTitle}:       noMilkyForm,
	{onebot11.PostNotice, onebot11.NoticeNotify, onebot11.SubProfileLike}: noMilkyForm,
	{onebot11.PostNotice, onebot11.NoticeNotify, onebot11.SubInputStatus}: noMilkyForm,
	{onebot11.PostNotice, onebot11.NoticeFlashFile, anySub}:               noMilkyForm,
	{onebot11.PostNotice, onebot11.NoticeClientStatus, anySub}:            noMilkyForm,
	{onebot11.PostNotice, onebot11.NoticeBotOffline, anySub}:              botOffline,
	{onebot11.PostMetaEvent, onebot11.MetaLifecycle, onebot11.SubDisable}: lifecycleDisable,
	{onebot11.PostMetaEvent, onebot11.MetaLifecycle, anySub}:              skipMeta,
	{onebot11.PostMetaEvent, onebot11.MetaHeartbeat, anySub}:              skipMeta,
}

// Kinds lists the registered (post_type, detail, sub_type) keys as
// "post/detail/sub" (for coverage reports).
func Kinds() []string {
	out := make([]string, 0, len(table))
	for k := range table {
		out = append(out, k.post+"/"+k.detail+"/"+k.sub)
	}
	return out
}

// DataError is an event that cannot be decoded at all (not a JSON object).
// Events that decode but miss fields are Skipped, not errors.
type DataError struct {
	Problem string // bounded
}

func (e *DataError) Error() string { return "milkyob11: " + e.Problem }

// MapRaw decodes one upstream event (the JSON of a WebSocket frame or HTTP
// POST body) and maps it.
// The Result borrows pooled memory: Release it once its events are
// encoded. Its strings may be parts of raw, which must not change while
// they are used; what the Env's collaborators (Flags, OnUntranslated)
// are handed may be parts of raw too, and they copy what they keep.
func MapRaw(env *Env, raw []byte) (Result, error) {
	st := mapStates.Get().(*mapState)
	if err := decodeEvent(raw, &st.ev, &st.segs); err != nil {
		st.release()
		return Result{}, &DataError{Problem: "event is not a JSON object: " + bounded(err.Error())}
	}
	return st.mapped(env), nil
}

// TryMapRaw is MapRaw for a frame that has not been classified yet: it
// maps the frame only when the fast decoding pass takes all of it and finds
// an event (a post_type other than meta_event), and otherwise returns false
// having done nothing observable. A frame the pass takes is valid JSON that
// the OneBot 11 client would classify as an event, so the client can skip
// its own classifying scan (one pass over the frame instead of two);
// everything else goes the usual way (classify, then MapRaw).
func TryMapRaw(env *Env, raw []byte) (Result, bool) {
	st := mapStates.Get().(*mapState)
	if !decodeFast(raw, &st.ev, &st.segs, true) {
		st.release()
		return Result{}, false
	}
	if pt := string(st.ev.PostType); pt == "" || pt == onebot11.PostMetaEvent {
		st.release()
		return Result{}, false
	}
	return st.mapped(env), true
}

// mapState is MapRaw's per-event working memory, pooled: the decoded
// event (large; it would otherwise be allocated and cleared per event),
// the env copy, the scanned message and the converted segments, which
// the Result keeps until it is released.
type mapState struct {
	ev   onebot11.UpstreamEvent
	env  Env
	segs segment.Scanned
	out  []milky.IncomingSegment
	mem  eventMem
	// onSeg is env.untranslatedSegment bound to this state's env, kept
	// across releases (it holds no event: only the address of env).
	onSeg func(oneBotType string)
}

var mapStates = sync.Pool{New: func() any {
	st := new(mapState)
	st.onSeg = st.env.untranslatedSegment
	return st
}}

// eventMem is the memory of the payloads nearly every event needs (a
// message_receive with its group and member, or its friend, and the
// one-element Events), carried by the pooled mapState so that the pooled
// path allocates none of them per event. Each slot serves at most one
// value per event (used): a handler asking twice gets fresh memory for the
// second, never two pointers to one value.
//
// Why reuse is safe: the Result borrowing this memory is released by its
// only consumer, the reverse direction's event pump (bridge/milkyob11.go
// tryEvent and onEvent), after publish has returned, and nothing publish
// does keeps a pointer into the event: directory.observe reads two ints of
// a member_decrease (not a pooled payload); milky.AppendTypedEvent copies
// the event into the frame's bytes; quoteCache.remember reads the message,
// its member's card or nickname and its friend's nickname and copies them
// into its own encoding (quoteEncode, then quoteCache.store copies that
// into a chunk); the metrics and logs get the constant event type. release
// zeroes the state (this memory included) before it goes back to the pool,
// so no string or pointer of a past event stays reachable from it.
type eventMem struct {
	msg    milky.IncomingMessage
	group  milky.Group
	member milky.GroupMember
	friend milky.Friend
	events [1]milky.TypedEvent
	used   uint8 // memMsg | memGroup | ...: the slots this event took
}

const (
	memMsg uint8 = 1 << iota
	memGroup
	memMember
	memFriend
	memEvents
)

// take reports whether slot is free in m (nil: no pooled memory) and marks
// it taken.
func (m *eventMem) take(slot uint8) bool {
	if m == nil || m.used&slot != 0 {
		return false
	}
	m.used |= slot
	return true
}

// maxPooledSegments: a message with more segments does not keep its
// slice in the pool (one huge message must not pin its memory).
const maxPooledSegments = 64

// mapped maps the decoded event. A copy of env carries the message read in
// the decoding pass and the segment memory to the handler (env itself
// stays untouched: it may be shared). The scan is released here; the
// segments are the Result's until it is released.
func (st *mapState) mapped(env *Env) Result {
	st.env = *env
	st.env.scanned = &st.segs
	st.env.segBuf = &st.out
	st.env.mem = &st.mem
	st.env.onSeg = st.onSeg
	res := Map(&st.env, &st.ev)
	st.segs.Release()
	st.segs = segment.Scanned{}
	if len(res.Events) == 0 {
		st.release()
		return res
	}
	res.pooled = st
	return res
}

func (st *mapState) release() {
	st.segs.Release()
	out, onSeg := st.out, st.onSeg
	// No string or pointer of a past event stays reachable: not through
	// the segments' memory, nor through the payloads' (st.mem).
	clear(out)
	*st = mapState{}
	if cap(out) <= maxPooledSegments {
		st.out = out[:0]
	}
	st.onSeg = onSeg
	mapStates.Put(st)
}

// Map maps one decoded upstream event. It never fails: an event that cannot
// become a Milky event yields Skipped.
func Map(env *Env, ev *onebot11.UpstreamEvent) Result {
	if ev == nil {
		return Result{Skipped: SkipUnknownEvent}
	}
	post := string(ev.PostType)
	var detail string
	switch post {
	case onebot11.PostMessage, onebot11.PostMessageSent:
		detail = string(ev.MessageType)
	case onebot11.PostNotice:
		detail = string(ev.NoticeType)
	case onebot11.PostRequest:
		detail = string(ev.RequestType)
	case onebot11.PostMetaEvent:
		detail = string(ev.MetaEventType)
	}
	sub := string(ev.SubType)
	h, ok := table[key{post, detail, sub}]
	if !ok {
		h, ok = table[key{post, detail, anySub}]
	}
	if !ok {
		env.untranslated("event", bounded(post+"/"+detail+"/"+sub))
		return Result{Skipped: SkipUnknownEvent}
	}
	return h(env, ev)
}

func noMilkyForm(env *Env, ev *onebot11.UpstreamEvent) Result {
	return Result{Skipped: SkipNoMilkyForm}
}

func skipMeta(env *Env, ev *onebot11.UpstreamEvent) Result { return Result{Skipped: SkipMeta} }

// ---- helpers shared by the handler files ----

func (env *Env) untranslated(kind, typ string) {
	if env.OnUntranslated != nil {
		env.OnUntranslated(kind, typ)
	}
}

// one wraps one payload in the envelope: the event's time (Now when absent)
// and self_id (env.SelfID when absent).
func (env *Env) one(ev *onebot11.UpstreamEvent, data milky.EventPayload) Result {
	if m := env.mem; m.take(memEvents) {
		m.events[0] = env.event(ev, data)
		// Capacity 1: an event appended next (friend_file_upload) goes to
		// a new array, never past the pooled one.
		return Result{Events: m.events[:1:1]}
	}
	return Result{Events: []milky.TypedEvent{env.event(ev, data)}}
}

// newMessage, newGroup, newMember and newFriend are a zero payload: the
// pooled one when the Env has pooled memory (see eventMem), else a new one.
func (env *Env) newMessage() *milky.IncomingMessage {
	if m := env.mem; m.take(memMsg) {
		m.msg = milky.IncomingMessage{}
		return &m.msg
	}
	return new(milky.IncomingMessage)
}

func (env *Env) newGroup() *milky.Group {
	if m := env.mem; m.take(memGroup) {
		m.group = milky.Group{}
		return &m.group
	}
	return new(milky.Group)
}

func (env *Env) newMember() *milky.GroupMember {
	if m := env.mem; m.take(memMember) {
		m.member = milky.GroupMember{}
		return &m.member
	}
	return new(milky.GroupMember)
}

func (env *Env) newFriend() *milky.Friend {
	if m := env.mem; m.take(memFriend) {
		m.friend = milky.Friend{}
		return &m.friend
	}
	return new(milky.Friend)
}

func (env *Env) event(ev *onebot11.UpstreamEvent, data milky.EventPayload) milky.TypedEvent {
	t := int64(ev.Time)
	if t <= 0 && env.Now != nil {
		t = env.Now()
	}
	return milky.TypedEvent{Time: max(t, 0), SelfID: env.selfID(ev), Data: data}
}

func (env *Env) selfID(ev *onebot11.UpstreamEvent) int64 {
	if isUin(int64(ev.SelfID)) {
		return int64(ev.SelfID)
	}
	return env.SelfID
}

// seq is the Milky message_seq of upstream message id in a conversation.
func (env *Env) seq(scene string, peer int64, id int64, upstreamSeq int64) int64 {
	if env.Seqs == nil {
		return 0
	}
	return env.Seqs.RefForUpstream(scene, peer, int32(id), upstreamSeq).Seq
}

func isUin(v int64) bool { return v >= milky.MinUin && v <= milky.MaxUin }

// uinOr is v when it is a uin, else fallback (which is a uin or 0).
func uinOr(v int64, fallback int64) int64 {
	if isUin(v) {
		return v
	}
	return fallback
}

// optionalID is the nullish non-negative id of the schema's optional
// operator/invitor fields: absent when 0 or negative.
func optionalID(v int64) *int64 {
	if v <= 0 {
		return nil
	}
	return &v
}

func skipIDs() Result { return Result{Skipped: SkipInvalidIDs} }

// bounded cuts s to 100 bytes for logs and errors.
func bounded(s string) string {
	const max = 100
	if len(s) > max {
		return s[:max] + "…"
	}
	return s
}
