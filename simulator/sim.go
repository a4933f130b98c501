// Package simulator is an in-process Milky 1.2 implementation with a fake,
// deterministic QQ account: friends, groups with members, history, files,
// announcements, requests. The gateway connects to it when no upstream is
// configured, `gateway simulate` serves it alone, and end-to-end tests script
// it (Receive*, FriendRequest, ...) and inspect what the gateway called
// (Calls). API calls mutate the world for real and emit the events a real
// implementation would.
package simulator

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"strings"
	"sync"
	"time"

	"github.com/goccy/go-json"
	"github.com/valyala/fasthttp"

	"github.com/qqbridge/gateway/milky"
	"github.com/qqbridge/gateway/milky/server"
)

// Options configure a simulator. The zero value is usable.
type Options struct {
	SelfID   int64  // the bot's QQ number; 0 → DefaultSelfID
	Nickname string // "" → DefaultNickname
	Token    string // access token for /api and /event; "" disables auth
	Seed     int64  // the same seed builds the same world (ids, names, history)
	// Echo makes peers answer text the bot sends them with "echo: <text>"
	// (at most once per second per conversation, never to a message that
	// itself starts with "echo:"), so a demo bot sees traffic.
	Echo bool
	// EchoDelay is how long a peer takes to answer; 0 → 100ms.
	EchoDelay time.Duration
	// PublicURL is the base of temp_url and download links, ideally where
	// the simulator is served (it serves /sim/res/ and /sim/file/); "" →
	// "http://127.0.0.1".
	PublicURL string
	// Webhooks receive every event as a POST, as Milky's WebHook transport.
	Webhooks []string
	Now      func() time.Time // clock; nil → time.Now
	Logger   *slog.Logger     // nil → slog.Default()
	// MaxCalls bounds the call log kept for Calls (oldest dropped);
	// 0 → 10000.
	MaxCalls int
}

// Defaults of Options.
const (
	DefaultSelfID   = 2854196310
	DefaultNickname = "模拟机器人"
)

// RetcodeRefused is the simulator's retcode for an operation QQ would refuse
// (not enough permission, wrong state, owner quitting, recall too late).
// Milky leaves such codes to the implementation.
const RetcodeRefused = -1

// Call is one API call the simulator received.
type Call struct {
	API  string
	Body json.RawMessage
}

// Sim is a running simulator. All methods are safe for concurrent use.
type Sim struct {
	opts Options
	log  *slog.Logger
	now  func() time.Time
	srv  *server.Server

	mu     sync.Mutex
	w      *world
	calls  []Call
	events []*milky.Event
	queue  []*milky.Event // published in order by the publisher goroutine
	closed bool
	echoes int // echoes scheduled so far

	subMu  sync.Mutex // guards subs; never held with mu
	subs   map[int]chan *milky.Event
	nextSb int

	wake chan struct{}
	done chan struct{}
	wg   sync.WaitGroup
}

// New builds the world and the Milky server in front of it.
func New(opts Options) *Sim {
	if opts.SelfID == 0 {
		opts.SelfID = DefaultSelfID
	}
	if opts.Nickname == "" {
		opts.Nickname = DefaultNickname
	}
	opts.PublicURL = strings.TrimRight(opts.PublicURL, "/")
	if opts.PublicURL == "" {
		opts.PublicURL = "http://127.0.0.1"
	}
	if opts.EchoDelay == 0 {
		opts.EchoDelay = 100 * time.Millisecond
	}
	if opts.MaxCalls == 0 {
		opts.MaxCalls = 10000
	}
	s := &Sim{
		opts: opts,
		log:  opts.Logger,
		now:  opts.Now,
		subs: map[int]chan *milky.Event{},
		wake: make(chan struct{}, 1),
		done: make(chan struct{}),
	}
	if s.log == nil {
		s.log = slog.Default()
	}
	if s.now == nil {
		s.now = time.Now
	}
	if opts.SelfID < milky.MinUin || opts.SelfID > milky.MaxUin {
		s.log.Warn("simulator: SelfID is not a valid uin; events will not pass Milky validation", "self_id", opts.SelfID)
	}
	s.w = newWorld(opts.SelfID, opts.Nickname, opts.PublicURL, opts.Seed, s.now())
	// The production Milky server, so simulating exercises the transport
	// code bots meet: same auth, limits, queues and stream handling.
	s.srv = server.New(server.Config{
		Token: opts.Token, API: s, Logger: s.log, Webhooks: opts.Webhooks,
		Routes: map[string]fasthttp.RequestHandler{"/sim/": s.serveMedia},
	})
	s.wg.Add(1)
	go s.publisher()
	return s
}

// Serve serves the Milky HTTP surface on ln until Close: POST /api/<name>,
// GET /event (WebSocket or SSE), plus GET /sim/res/<id> and /sim/file/...
// serving the fake media. It returns nil after Close.
func (s *Sim) Serve(ln net.Listener) error { return s.srv.Serve(ln) }

// Listen serves on addr (e.g. "127.0.0.1:0") in the background until Close
// and returns the base URL, http://host:port, for clients and tests.
func (s *Sim) Listen(addr string) (string, error) {
	ln, err := net.Listen("tcp", addr)
	if err != nil {
		return "", fmt.Errorf("simulator: listen %s: %w", addr, err)
	}
	s.ServeInBackground(ln)
	return "http://" + ln.Addr().String(), nil
}

// ServeInBackground serves on ln until Close, on its own goroutine. A
// Serve that fails (closed before serving, or accept failed) closes ln and
// is logged: whoever dials the simulator would otherwise meet silence.
func (s *Sim) ServeInBackground(ln net.Listener) {
	go func() {
		if err := s.Serve(ln); err != nil {
			_ = ln.Close()
			s.log.Warn("simulator: serve", "addr", ln.Addr().String(), "err", err)
		}
	}()
}

// SelfID is the bot's QQ number.
func (s *Sim) SelfID() int64 { return s.opts.SelfID }

// DropStreams closes every /event connection (clients must reconnect).
func (s *Sim) DropStreams() { s.srv.DropStreams() }

// Subscribers is the number of connected /event streams.
func (s *Sim) Subscribers() int { return s.srv.Subscribers() }

// Close stops pending echoes and the server at once: connections are cut
// and events not yet written are dropped. It is idempotent.
func (s *Sim) Close() {
	s.mu.Lock()
	if s.closed {
		s.mu.Unlock()
		return
	}
	s.closed = true
	s.mu.Unlock()
	close(s.done)
	s.wg.Wait()
	s.subMu.Lock()
	for id, ch := range s.subs {
		close(ch)
		delete(s.subs, id)
	}
	s.subs = nil
	s.subMu.Unlock()
	_ = s.srv.Close()
}

// HandleAPI answers one Milky API call (the milky.APIHandler).
func (s *Sim) HandleAPI(ctx context.Context, api string, body []byte) (any, error) {
	s.recordCall(api, body)
	h := apiHandlers[api]
	if h == nil {
		return nil, fmt.Errorf("%w: %s", milky.ErrUnknownAPI, api)
	}
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	data, err := s.call(h, milky.ParseParams(body))
	if err != nil {
		s.log.Debug("simulator: api call failed", "api", api, "err", err)
		return nil, err
	}
	return data, nil
}

// An API handler works in two phases: apiFunc reads and checks every
// parameter (no world access), and the locked function it returns acts on
// the world under s.mu. Keeping the phases apart means a bad request never
// changes anything and the lock is never held while decoding.
type (
	apiFunc func(s *Sim, p *milky.Params) locked
	locked  func() (any, error)
)

// call runs both phases of h; the locked one only if p read without error.
func (s *Sim) call(h apiFunc, p *milky.Params) (any, error) {
	if err := p.Err(); err != nil {
		return nil, err
	}
	run := h(s, p)
	if err := p.Err(); err != nil {
		return nil, err
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	return run()
}

// apiHandlers is every API the simulator implements, by category (each
// category's handlers live in api_<category>.go).
var apiHandlers = map[string]apiFunc{
	// system (api_system.go)
	milky.APIGetLoginInfo:         (*Sim).getLoginInfo,
	milky.APIGetImplInfo:          (*Sim).getImplInfo,
	milky.APIGetUserProfile:       (*Sim).getUserProfile,
	milky.APIGetFriendList:        (*Sim).getFriendList,
	milky.APIGetFriendInfo:        (*Sim).getFriendInfo,
	milky.APIGetGroupList:         (*Sim).getGroupList,
	milky.APIGetGroupInfo:         (*Sim).getGroupInfo,
	milky.APIGetGroupMemberList:   (*Sim).getGroupMemberList,
	milky.APIGetGroupMemberInfo:   (*Sim).getGroupMemberInfo,
	milky.APIGetPeerPins:          (*Sim).getPeerPins,
	milky.APISetPeerPin:           (*Sim).setPeerPin,
	milky.APISetAvatar:            (*Sim).setAvatar,
	milky.APISetNickname:          (*Sim).setNickname,
	milky.APISetBio:               (*Sim).setBio,
	milky.APIGetCustomFaceURLList: (*Sim).getCustomFaceURLList,
	milky.APIGetCookies:           (*Sim).getCookies,
	milky.APIGetCSRFToken:         (*Sim).getCSRFToken,
	// message (api_message.go)
	milky.APISendPrivateMessage:   (*Sim).sendPrivateMessage,
	milky.APISendGroupMessage:     (*Sim).sendGroupMessage,
	milky.APIRecallPrivateMessage: (*Sim).recallPrivateMessage,
	milky.APIRecallGroupMessage:   (*Sim).recallGroupMessage,
	milky.APIGetMessage:           (*Sim).getMessage,
	milky.APIGetHistoryMessages:   (*Sim).getHistoryMessages,
	milky.APIGetResourceTempURL:   (*Sim).getResourceTempURL,
	milky.APIGetForwardedMessages: (*Sim).getForwardedMessages,
	milky.APIMarkMessageAsRead:    (*Sim).markMessageAsRead,
	// friend (api_friend.go)
	milky.APISendFriendNudge:     (*Sim).sendFriendNudge,
	milky.APISendProfileLike:     (*Sim).sendProfileLike,
	milky.APIDeleteFriend:        (*Sim).deleteFriend,
	milky.APIGetFriendRequests:   (*Sim).getFriendRequests,
	milky.APIAcceptFriendRequest: (*Sim).acceptFriendRequest,
	milky.APIRejectFriendRequest: (*Sim).rejectFriendRequest,
	// group (api_group.go)
	milky.APISetGroupName:               (*Sim).setGroupName,
	milky.APISetGroupAvatar:             (*Sim).setGroupAvatar,
	milky.APISetGroupMemberCard:         (*Sim).setGroupMemberCard,
	milky.APISetGroupMemberSpecialTitle: (*Sim).setGroupMemberSpecialTitle,
	milky.APISetGroupMemberAdmin:        (*Sim).setGroupMemberAdmin,
	milky.APISetGroupMemberMute:         (*Sim).setGroupMemberMute,
	milky.APISetGroupWholeMute:          (*Sim).setGroupWholeMute,
	milky.APIKickGroupMember:            (*Sim).kickGroupMember,
	milky.APIGetGroupAnnouncements:      (*Sim).getGroupAnnouncements,
	milky.APISendGroupAnnouncement:      (*Sim).sendGroupAnnouncement,
	milky.APIDeleteGroupAnnouncement:    (*Sim).deleteGroupAnnouncement,
	milky.APIGetGroupEssenceMessages:    (*Sim).getGroupEssenceMessages,
	milky.APISetGroupEssenceMessage:     (*Sim).setGroupEssenceMessage,
	milky.APIQuitGroup:                  (*Sim).quitGroup,
	milky.APISendGroupMessageReaction:   (*Sim).sendGroupMessageReaction,
	milky.APISendGroupNudge:             (*Sim).sendGroupNudge,
	milky.APIGetGroupNotifications:      (*Sim).getGroupNotifications,
	milky.APIAcceptGroupRequest:         (*Sim).acceptGroupRequest,
	milky.APIRejectGroupRequest:         (*Sim).rejectGroupRequest,
	milky.APIAcceptGroupInvitation:      (*Sim).acceptGroupInvitation,
	milky.APIRejectGroupInvitation:      (*Sim).rejectGroupInvitation,
	// file (api_file.go)
	milky.APIUploadPrivateFile:         (*Sim).uploadPrivateFile,
	milky.APIUploadGroupFile:           (*Sim).uploadGroupFile,
	milky.APIGetPrivateFileDownloadURL: (*Sim).getPrivateFileDownloadURL,
	milky.APIGetGroupFileDownloadURL:   (*Sim).getGroupFileDownloadURL,
	milky.APIGetGroupFiles:             (*Sim).getGroupFiles,
	milky.APIMoveGroupFile:             (*Sim).moveGroupFile,
	milky.APIRenameGroupFile:           (*Sim).renameGroupFile,
	milky.APIDeleteGroupFile:           (*Sim).deleteGroupFile,
	milky.APICreateGroupFolder:         (*Sim).createGroupFolder,
	milky.APIRenameGroupFolder:         (*Sim).renameGroupFolder,
	milky.APIDeleteGroupFolder:         (*Sim).deleteGroupFolder,
}

// APIs lists the names of every API the simulator implements.
func APIs() []string {
	out := make([]string, 0, len(apiHandlers))
	for k := range apiHandlers {
		out = append(out, k)
	}
	return out
}

func (s *Sim) recordCall(api string, body []byte) {
	b := make(json.RawMessage, len(body))
	copy(b, body)
	if len(b) == 0 {
		b = json.RawMessage("{}")
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	// Keep up to twice the bound and trim in one go: amortised O(1).
	if len(s.calls) >= 2*s.opts.MaxCalls {
		s.calls = append(s.calls[:0], s.calls[len(s.calls)-s.opts.MaxCalls:]...)
	}
	s.calls = append(s.calls, Call{API: api, Body: b})
}

// Calls returns the API calls received, oldest first: all of them, or the
// most recent MaxCalls.
func (s *Sim) Calls() []Call {
	s.mu.Lock()
	defer s.mu.Unlock()
	return append([]Call(nil), s.calls[max(len(s.calls)-s.opts.MaxCalls, 0):]...)
}

// ResetCalls forgets the recorded calls (handy between test steps).
func (s *Sim) ResetCalls() {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.calls = nil
}

// ---- errors ----

func notFound(format string, args ...any) error {
	return &milky.APIError{Retcode: milky.RetcodeNotFound, Message: fmt.Sprintf(format, args...)}
}

func refused(format string, args ...any) error {
	return &milky.APIError{Retcode: RetcodeRefused, Message: fmt.Sprintf(format, args...)}
}

// IsRetcode reports whether err is a Milky APIError with that retcode.
func IsRetcode(err error, retcode int) bool {
	var e *milky.APIError
	return errors.As(err, &e) && e.Retcode == retcode
}

// ---- events ----

// emitLocked records an event and queues it for publishing; s.mu is held.
// A json.RawMessage is used as is.
func (s *Sim) emitLocked(eventType string, data any) *milky.Event {
	raw, ok := data.(json.RawMessage)
	if !ok {
		var err error
		if raw, err = json.Marshal(data); err != nil {
			// Our payload types always encode; Emit's callers are tests.
			panic(fmt.Sprintf("simulator: encoding %s event data %T: %v", eventType, data, err))
		}
	}
	ev := &milky.Event{Time: s.now().Unix(), SelfID: s.opts.SelfID, EventType: eventType, Data: raw}
	if len(s.events) >= 2*maxEvents {
		s.events = append(s.events[:0], s.events[len(s.events)-maxEvents:]...)
	}
	s.events = append(s.events, ev)
	if !s.closed {
		s.queue = append(s.queue, ev)
		select {
		case s.wake <- struct{}{}:
		default:
		}
	}
	return ev
}

// publisher hands queued events to the server and to Subscribe channels in
// the order they happened, without holding s.mu across the hand-off.
func (s *Sim) publisher() {
	defer s.wg.Done()
	for {
		select {
		case <-s.done:
			return
		case <-s.wake:
		}
		for {
			s.mu.Lock()
			batch := s.queue
			s.queue = nil
			s.mu.Unlock()
			if len(batch) == 0 {
				break
			}
			for _, ev := range batch {
				s.srv.Publish(ev)
				s.subMu.Lock()
				for _, ch := range s.subs {
					select {
					case ch <- ev:
					default:
						s.log.Warn("simulator: subscriber too slow, event dropped", "event_type", ev.EventType)
					}
				}
				s.subMu.Unlock()
			}
		}
	}
}

// maxEvents bounds the event log kept for Events.
const maxEvents = 10000

// Events returns the events emitted so far (the most recent 10000).
func (s *Sim) Events() []*milky.Event {
	s.mu.Lock()
	defer s.mu.Unlock()
	return append([]*milky.Event(nil), s.events[max(len(s.events)-maxEvents, 0):]...)
}

// Subscribe delivers every event emitted from now on, in order, until
// cancel or Close. A subscriber that falls 1024 events behind loses events.
func (s *Sim) Subscribe() (<-chan *milky.Event, func()) {
	ch := make(chan *milky.Event, 1024)
	s.subMu.Lock()
	defer s.subMu.Unlock()
	if s.subs == nil {
		close(ch)
		return ch, func() {}
	}
	id := s.nextSb
	s.nextSb++
	s.subs[id] = ch
	return ch, func() {
		s.subMu.Lock()
		defer s.subMu.Unlock()
		if c, ok := s.subs[id]; ok {
			delete(s.subs, id)
			close(c)
		}
	}
}
