package milkyob11

import (
	"sync"

	"github.com/qqbridge/gateway/milky"
)

// Directory looks up what Milky events require and OneBot events lack: a
// group message needs the full group and group_member objects, a friend
// message the friend object, group_admin_change the operator (the owner).
// The runtime implements it over the upstream (get_group_info,
// get_group_member_info, get_friend_list), usually behind a Cache; a miss
// is fine — the mapping then builds the objects from the event itself.
// Implementations must not block on the network per call of the event path
// for long: the mapping is called once per event, in order.
type Directory interface {
	Friend(userID int64) (milky.Friend, bool)
	Group(groupID int64) (milky.Group, bool)
	GroupMember(groupID, userID int64) (milky.GroupMember, bool)
	// GroupOwner is the owner's uin.
	GroupOwner(groupID int64) (int64, bool)
}

// Cache is an in-memory Directory, safe for concurrent use and pure (no I/O).
// The runtime fills it from upstream replies; a bounded number of entries of
// each kind is kept (the oldest-inserted are dropped first), so a bot in
// thousands of large groups cannot grow it without limit.
type Cache struct {
	mu      sync.RWMutex
	limit   int
	friends boundedMap[int64, milky.Friend]
	groups  boundedMap[int64, milky.Group]
	members boundedMap[[2]int64, milky.GroupMember]
	owners  boundedMap[int64, int64]
}

// NewCache returns a Cache keeping at most limit entries of each kind
// (limit <= 0 means 100000).
func NewCache(limit int) *Cache {
	if limit <= 0 {
		limit = 100000
	}
	return &Cache{limit: limit}
}

func (c *Cache) Friend(userID int64) (milky.Friend, bool) {
	c.mu.RLock()
	defer c.mu.RUnlock()
	return c.friends.get(userID)
}

func (c *Cache) Group(groupID int64) (milky.Group, bool) {
	c.mu.RLock()
	defer c.mu.RUnlock()
	return c.groups.get(groupID)
}

func (c *Cache) GroupMember(groupID, userID int64) (milky.GroupMember, bool) {
	c.mu.RLock()
	defer c.mu.RUnlock()
	return c.members.get([2]int64{groupID, userID})
}

func (c *Cache) GroupOwner(groupID int64) (int64, bool) {
	c.mu.RLock()
	defer c.mu.RUnlock()
	return c.owners.get(groupID)
}

// PutFriend stores or replaces a friend.
func (c *Cache) PutFriend(f milky.Friend) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.friends.put(f.UserID, f, c.limit)
}

// PutGroup stores or replaces a group.
func (c *Cache) PutGroup(g milky.Group) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.groups.put(g.GroupID, g, c.limit)
}

// PutGroupMember stores or replaces a member; an owner also becomes the
// group's owner.
func (c *Cache) PutGroupMember(m milky.GroupMember) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.members.put([2]int64{m.GroupID, m.UserID}, m, c.limit)
	if m.Role == milky.RoleOwner {
		c.owners.put(m.GroupID, m.UserID, c.limit)
	}
}

// ForgetGroupMember drops a member (after group_member_decrease).
func (c *Cache) ForgetGroupMember(groupID, userID int64) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.members.del([2]int64{groupID, userID})
}

var _ Directory = (*Cache)(nil)

// boundedMap is a map that drops its oldest-inserted key beyond a limit.
// The insertion ring may hold keys already deleted; they are skipped.
type boundedMap[K comparable, V any] struct {
	m     map[K]V
	order []K
	head  int
}

func (b *boundedMap[K, V]) get(k K) (V, bool) {
	v, ok := b.m[k]
	return v, ok
}

func (b *boundedMap[K, V]) put(k K, v V, limit int) {
	if b.m == nil {
		b.m = make(map[K]V)
	}
	if _, ok := b.m[k]; !ok {
		for len(b.m) >= limit && b.head < len(b.order) {
			delete(b.m, b.order[b.head])
			b.head++
		}
		b.order = append(b.order, k)
		if b.head > len(b.order)/2 && b.head > 1024 {
			b.order = append(b.order[:0:0], b.order[b.head:]...)
			b.head = 0
		}
	}
	b.m[k] = v
}

func (b *boundedMap[K, V]) del(k K) { delete(b.m, k) }
