package milkyob11

import (
	"sync"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/qqbridge/gateway/milky"
)

func TestCacheBoundedAndOwner(t *testing.T) {
	c := NewCache(2)
	c.PutGroup(milky.Group{GroupID: 1, GroupName: "a"})
	c.PutGroup(milky.Group{GroupID: 2, GroupName: "b"})
	c.PutGroup(milky.Group{GroupID: 2, GroupName: "b2"}) // replace: no eviction
	_, ok := c.Group(1)
	require.True(t, ok)
	c.PutGroup(milky.Group{GroupID: 3})
	_, ok = c.Group(1)
	require.False(t, ok, "oldest dropped beyond the limit")
	g, ok := c.Group(2)
	require.True(t, ok)
	require.Equal(t, "b2", g.GroupName)

	c.PutGroupMember(milky.GroupMember{GroupID: 30001, UserID: 20001, Role: "owner"})
	o, ok := c.GroupOwner(30001)
	require.True(t, ok)
	require.Equal(t, int64(20001), o)
	c.ForgetGroupMember(30001, 20001)
	_, ok = c.GroupMember(30001, 20001)
	require.False(t, ok)
}

func TestCacheConcurrent(t *testing.T) {
	c := NewCache(64)
	var wg sync.WaitGroup
	for w := 0; w < 4; w++ {
		wg.Add(1)
		go func(w int) {
			defer wg.Done()
			for i := 0; i < 1000; i++ {
				c.PutGroupMember(milky.GroupMember{GroupID: int64(w), UserID: int64(i)})
				c.GroupMember(int64(w), int64(i/2))
			}
		}(w)
	}
	wg.Wait()
	n := 0
	for w := 0; w < 4; w++ {
		for i := 0; i < 1000; i++ {
			if _, ok := c.GroupMember(int64(w), int64(i)); ok {
				n++
			}
		}
	}
	require.LessOrEqual(t, n, 64)
}
