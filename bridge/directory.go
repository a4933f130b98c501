package bridge

import (
	"context"
	"log/slog"
	"strconv"
	"sync"
	"time"

	"github.com/goccy/go-json"

	eventmap "github.com/qqbridge/gateway/eventmap/milkyob11"
	"github.com/qqbridge/gateway/milky"
)

// directory is the reverse direction's eventmap.Directory: the group,
// member and friend objects Milky's message_receive requires and OneBot
// events lack. It answers from memory only (the event path never waits on
// the upstream); a miss schedules one background fetch through the same
// Milky mapping bots use, so the next event of that group or member is
// complete. Until then the mapping fills what the event itself carries.
type directory struct {
	*eventmap.Cache
	call func(ctx context.Context, api string, body []byte) (any, error)
	log  *slog.Logger

	mu      sync.Mutex
	pending map[fetchKey]bool
	queue   chan fetchKey
	done    chan struct{} // closed by stop: the fetcher returns
	stopped sync.Once
}

type fetchKey struct {
	kind          byte // 'g' group, 'm' member, 'f' friend
	group, userID int64
}

const (
	directorySize  = 50_000 // entries per kind: bounded memory on large accounts
	directoryQueue = 256    // pending fetches; beyond it misses are not fetched
	fetchTimeout   = 5 * time.Second
)

func newDirectory(call func(context.Context, string, []byte) (any, error), log *slog.Logger) *directory {
	d := &directory{
		Cache: eventmap.NewCache(directorySize), call: call, log: log,
		pending: map[fetchKey]bool{}, queue: make(chan fetchKey, directoryQueue), done: make(chan struct{}),
	}
	go d.fetcher()
	return d
}

// Group answers from the cache, scheduling a fetch on a miss.
func (d *directory) Group(groupID int64) (milky.Group, bool) {
	g, ok := d.Cache.Group(groupID)
	if !ok {
		d.schedule(fetchKey{kind: 'g', group: groupID})
	}
	return g, ok
}

// GroupMember answers from the cache, scheduling a fetch on a miss.
func (d *directory) GroupMember(groupID, userID int64) (milky.GroupMember, bool) {
	m, ok := d.Cache.GroupMember(groupID, userID)
	if !ok {
		d.schedule(fetchKey{kind: 'm', group: groupID, userID: userID})
	}
	return m, ok
}

// Friend answers from the cache, scheduling a fetch on a miss.
func (d *directory) Friend(userID int64) (milky.Friend, bool) {
	f, ok := d.Cache.Friend(userID)
	if !ok {
		d.schedule(fetchKey{kind: 'f', userID: userID})
	}
	return f, ok
}

func (d *directory) schedule(k fetchKey) {
	d.mu.Lock()
	defer d.mu.Unlock()
	if d.pending[k] {
		return
	}
	select {
	case d.queue <- k:
		d.pending[k] = true
	default: // full: the next miss tries again
	}
}

// fetcher is the directory's one background goroutine; it runs until stop
// (a runtime restarted in the same process, as tests and `simulate` do,
// must not leave one behind calling a closed upstream). The queue itself is
// never closed, so schedule needs no check.
func (d *directory) fetcher() {
	for {
		var k fetchKey
		select {
		case <-d.done:
			return
		case k = <-d.queue:
		}
		ctx, cancel := context.WithTimeout(context.Background(), fetchTimeout)
		d.fetch(ctx, k)
		cancel()
		d.mu.Lock()
		delete(d.pending, k)
		d.mu.Unlock()
	}
}

// stop ends the fetcher (an in-flight fetch finishes or times out first).
func (d *directory) stop() { d.stopped.Do(func() { close(d.done) }) }

func (d *directory) fetch(ctx context.Context, k fetchKey) {
	switch k.kind {
	case 'g':
		var out milky.GetGroupInfoOutput
		if d.get(ctx, milky.APIGetGroupInfo, `{"group_id":`+itoa(k.group)+`}`, &out) {
			d.PutGroup(out.Group)
		}
	case 'm':
		var out milky.GetGroupMemberInfoOutput
		if d.get(ctx, milky.APIGetGroupMemberInfo, `{"group_id":`+itoa(k.group)+`,"user_id":`+itoa(k.userID)+`}`, &out) {
			d.PutGroupMember(out.Member)
		}
	case 'f':
		var out milky.GetFriendInfoOutput
		if d.get(ctx, milky.APIGetFriendInfo, `{"user_id":`+itoa(k.userID)+`}`, &out) {
			d.PutFriend(out.Friend)
		}
	}
}

// refresh loads the group and friend lists (at connect, and when the
// upstream implementation changes).
func (d *directory) refresh(ctx context.Context) {
	var groups milky.GetGroupListOutput
	if d.get(ctx, milky.APIGetGroupList, `{}`, &groups) {
		for _, g := range groups.Groups {
			d.PutGroup(g)
		}
	}
	var friends milky.GetFriendListOutput
	if d.get(ctx, milky.APIGetFriendList, `{}`, &friends) {
		for _, f := range friends.Friends {
			d.PutFriend(f)
		}
	}
}

// observe keeps the cache honest about membership changes it sees.
func (d *directory) observe(ev *milky.TypedEvent) {
	// Pointer or value: eventmap/milkyob11 emits pointers (a value-only
	// check never matched, so members who left stayed cached).
	switch dec := ev.Data.(type) {
	case *milky.GroupMemberDecreaseData:
		d.ForgetGroupMember(dec.GroupID, dec.UserID)
	case milky.GroupMemberDecreaseData:
		d.ForgetGroupMember(dec.GroupID, dec.UserID)
	}
}

// get runs one Milky API through the mapping and decodes its output.
func (d *directory) get(ctx context.Context, api, body string, out any) bool {
	data, err := d.call(ctx, api, []byte(body))
	if err != nil {
		d.log.Debug("directory fetch failed", "api", api, "err", err)
		return false
	}
	b, err := json.Marshal(data)
	if err != nil {
		return false
	}
	return json.Unmarshal(b, out) == nil
}

func itoa(v int64) string { return strconv.FormatInt(v, 10) }
