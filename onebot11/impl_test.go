package onebot11

import (
	"testing"

	"github.com/stretchr/testify/assert"
)

func TestDetectImpl(t *testing.T) {
	for _, c := range []struct {
		app  string
		want Impl
	}{
		{"NapCat.Onebot", NapCat},
		{"NapCat", NapCat},
		{"napcat.onebot ", NapCat},
		{"LLOneBot", LLOneBot},
		{"LuckyLilliaBot", LLOneBot},
		{"go-cqhttp", GoCQHTTP},
		{"Go-CQHTTP", GoCQHTTP},
		{"Lagrange.OneBot", Lagrange},
		{"Shamrock", Shamrock},
		{"OpenShamrock", Shamrock},
		{"", Unknown},
		{"some-bot", Unknown},
	} {
		assert.Equal(t, c.want, DetectImpl(c.app, "1.0"), c.app)
	}
}

func TestOffers(t *testing.T) {
	for _, c := range []struct {
		impl   Impl
		action string
		want   bool
	}{
		// standard actions: everyone
		{Unknown, "send_group_msg", true},
		{Shamrock, "get_csrf_token", true},
		{GoCQHTTP, "get_stranger_info", true},
		// extensions differ
		{NapCat, "set_msg_emoji_like", true},
		{LLOneBot, "set_msg_emoji_like", true},
		{GoCQHTTP, "set_msg_emoji_like", false},
		{Lagrange, "set_group_reaction", true},
		{NapCat, "_del_group_notice", true},
		{LLOneBot, "_delete_group_notice", true},
		{NapCat, "_delete_group_notice", false},
		{NapCat, "get_friend_msg_history", true},
		{GoCQHTTP, "get_friend_msg_history", false},
		{Shamrock, "group_touch", true},
		{Shamrock, "group_poke", false},
		{NapCat, "get_doubt_friends_add_request", true},
		{Lagrange, "get_doubt_friends_add_request", false},
		{Unknown, "get_group_msg_history", false},
		{NapCat, "no_such_action", false},
	} {
		assert.Equal(t, c.want, c.impl.Offers(c.action), "%s offers %s", c.impl, c.action)
	}
}

func TestImplsTable(t *testing.T) {
	assert.Len(t, Impls, 7)
	for _, i := range Impls {
		_, ok := extensions[i]
		assert.True(t, ok, "%s has a row in the extension table", i)
		for a := range extensions[i] {
			assert.False(t, StandardActions[a], "%s lists standard action %s as an extension", i, a)
		}
	}
	assert.Zero(t, Unknown.Extensions())
	assert.Len(t, StandardActions, 38)
}
