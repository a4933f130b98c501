package simulator

import (
	"fmt"
	"math/rand/v2"
	"slices"
	"time"

	"github.com/qqbridge/gateway/milky"
)

// world is the fake account's state. Every field is guarded by Sim.mu.
type world struct {
	selfID    int64
	selfUID   string
	base      string // URL prefix of temp_url and download links
	nickname  string
	bio       string
	avatarURI string

	category    milky.FriendCategory
	friendOrder []int64
	friends     map[int64]*milky.Friend
	people      map[int64]*person // everyone the account knows of, friends included

	groupOrder []int64
	groups     map[int64]*group

	convs     map[convKey]*conv
	resources map[string]*resource
	forwards  map[string][]milky.IncomingForwardedMessage
	privFiles map[string]*privFile
	resOrder  []string // insertion order of the three maps above, for eviction
	fwdOrder  []string
	fileOrder []string

	friendReqs  []*milky.FriendRequest     // oldest first
	notifs      []*milky.GroupNotification // ascending notification_seq
	invitations []*invitation

	pins     []convKey // pinned conversations, most recent first
	likes    map[int64]int32
	cookieSK string

	nextNotifSeq int64
	nextInvSeq   int64
	nextID       int64 // resources, forwards, files, folders, announcements
	rng          *rand.Rand
}

// person is what a user's profile says; friends and group members derive
// their entities from it.
type person struct {
	uin      int64
	uid      string
	nickname string
	sex      string
	qid      string
	age      int32
	level    int32
	bio      string
	country  string
	city     string
	school   string
}

type group struct {
	info          milky.Group
	memberOrder   []int64
	members       map[int64]*milky.GroupMember
	wholeMute     bool
	announcements []milky.GroupAnnouncement // newest first
	essence       []milky.GroupEssenceMessage
	files         []*milky.GroupFile
	folders       []*milky.GroupFolder
	blocked       map[int64]bool // kicked with reject_add_request
}

type convKey struct {
	scene string
	peer  int64
}

// conv is one conversation's history, ascending message_seq; recalled
// messages are removed and leave a gap.
type conv struct {
	key      convKey
	nextSeq  int64
	msgs     []*milky.IncomingMessage
	readSeq  int64
	lastEcho time.Time
	tempFrom int64 // temp sessions: the group the peer was met in
}

type resource struct {
	id   string
	kind string // image, record, video
	uri  string // what the bot sent; "" for world-made resources
	data []byte // decoded base64:// content, if any
	w, h int32
	dur  int32
}

type privFile struct {
	userID int64
	id     string
	name   string
	size   int64
	hash   string
	data   []byte
}

type invitation struct {
	groupID   int64
	seq       int64
	initiator int64
	state     string
}

var (
	nickPool = []string{"小明", "Alice", "咸鱼王", "Bob", "さくら", "橘子汽水", "Kevin", "阿狸", "Momo",
		"夜猫子", "Charlie", "青柠", "Dora", "北极熊", "Eve", "路人甲", "Frank", "糯米团子", "Grace", "星河"}
	groupNamePool = []string{"Go 语言交流群", "摸鱼小分队", "Milky 开发者", "周末羽毛球", "读书会",
		"机器人测试群", "考研互助", "猫猫图分享"}
	cityPool   = []string{"北京", "上海", "杭州", "深圳", "成都", "武汉", "南京", "西安"}
	schoolPool = []string{"", "清华大学", "浙江大学", "复旦大学", "武汉大学", ""}
	sexPool    = []string{"male", "female", "unknown"}
)

const day = 24 * 60 * 60

// newWorld builds the deterministic account: friends, groups with members,
// history, files, announcements, essence, requests and notifications.
func newWorld(selfID int64, nickname, base string, seed int64, now time.Time) *world {
	w := &world{
		base:         base,
		selfID:       selfID,
		nickname:     nickname,
		bio:          "我是一个模拟的机器人账号",
		category:     milky.FriendCategory{CategoryID: 0, CategoryName: "我的好友"},
		friends:      map[int64]*milky.Friend{},
		people:       map[int64]*person{},
		groups:       map[int64]*group{},
		convs:        map[convKey]*conv{},
		resources:    map[string]*resource{},
		forwards:     map[string][]milky.IncomingForwardedMessage{},
		privFiles:    map[string]*privFile{},
		likes:        map[int64]int32{},
		nextNotifSeq: 1000 + int64(seed%1000+1000)%1000,
		nextInvSeq:   1,
		rng:          rand.New(rand.NewPCG(uint64(seed), 0x5eed_0f_a11)),
	}
	w.selfUID = w.uidFor(selfID)
	w.cookieSK = fmt.Sprintf("@sim%06d", w.rng.IntN(1000000))
	w.people[selfID] = &person{uin: selfID, uid: w.selfUID, nickname: nickname, sex: "unknown",
		age: 3, level: 64, bio: w.bio, country: "中国", city: "杭州"}
	w.seed(now.Unix())
	return w
}

// uidFor derives a stable NTQQ-style uid ("u_" + 22 characters) from a uin.
func (w *world) uidFor(uin int64) string {
	const alphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_"
	x := uint64(uin)*0x9E3779B97F4A7C15 ^ 0xD1B54A32D192ED03
	b := make([]byte, 22)
	for i := range b {
		x ^= x >> 29
		x *= 0xBF58476D1CE4E5B9
		b[i] = alphabet[x>>58]
	}
	return "u_" + string(b)
}

// newUin draws an unused uin from a realistic range.
func (w *world) newUin(lo, hi int64) int64 {
	for {
		n := lo + w.rng.Int64N(hi-lo)
		if n == w.selfID || w.people[n] != nil || w.groups[n] != nil {
			continue
		}
		return n
	}
}

func (w *world) newPerson(usedNames map[string]bool) *person {
	uin := w.newUin(100000000, 3999999999)
	name := nickPool[w.rng.IntN(len(nickPool))]
	for usedNames[name] {
		name = nickPool[w.rng.IntN(len(nickPool))]
	}
	usedNames[name] = true
	p := &person{
		uin:      uin,
		uid:      w.uidFor(uin),
		nickname: name,
		sex:      sexPool[w.rng.IntN(len(sexPool))],
		age:      int32(16 + w.rng.IntN(30)),
		level:    int32(1 + w.rng.IntN(64)),
		bio:      "",
		country:  "中国",
		city:     cityPool[w.rng.IntN(len(cityPool))],
		school:   schoolPool[w.rng.IntN(len(schoolPool))],
	}
	if w.rng.IntN(3) == 0 {
		p.qid = fmt.Sprintf("q%s%d", "id", uin%100000)
	}
	if w.rng.IntN(2) == 0 {
		p.bio = "今天也要开心"
	}
	w.people[uin] = p
	return p
}

// profileOf returns the known person or a deterministic stranger profile
// (QQ answers profile queries for any account).
func (w *world) profileOf(uin int64) person {
	if p := w.people[uin]; p != nil {
		return *p
	}
	return person{uin: uin, uid: w.uidFor(uin), nickname: fmt.Sprintf("QQ用户%d", uin%10000),
		sex: sexPool[uin%3], age: int32(18 + uin%30), level: int32(1 + uin%60), country: "中国",
		city: cityPool[uin%int64(len(cityPool))]}
}

func (w *world) addFriend(p *person, remark string) *milky.Friend {
	f := &milky.Friend{UserID: p.uin, Nickname: p.nickname, Sex: p.sex, QID: p.qid,
		Remark: remark, Category: w.category}
	w.friends[p.uin] = f
	w.friendOrder = append(w.friendOrder, p.uin)
	return f
}

func (w *world) removeFriend(uin int64) {
	delete(w.friends, uin)
	w.friendOrder = slices.DeleteFunc(w.friendOrder, func(x int64) bool { return x == uin })
	w.unpin(convKey{milky.SceneFriend, uin})
}

func (g *group) addMember(m *milky.GroupMember) {
	g.members[m.UserID] = m
	g.memberOrder = append(g.memberOrder, m.UserID)
	g.info.MemberCount = int32(len(g.memberOrder))
}

func (g *group) removeMember(uin int64) {
	delete(g.members, uin)
	g.memberOrder = slices.DeleteFunc(g.memberOrder, func(x int64) bool { return x == uin })
	g.info.MemberCount = int32(len(g.memberOrder))
}

func (w *world) memberFor(g *group, p person, role string, joined int64) *milky.GroupMember {
	return &milky.GroupMember{UserID: p.uin, Nickname: p.nickname, Sex: p.sex, GroupID: g.info.GroupID,
		Role: role, Level: int32(1 + w.rng.IntN(100)), JoinTime: joined, LastSentTime: joined}
}

func (w *world) newGroup(now int64, name string, selfRole string, usedNames map[string]bool, friendsIn []*person) *group {
	gid := w.newUin(100000000, 999999999)
	g := &group{
		info: milky.Group{GroupID: gid, GroupName: name, MaxMemberCount: 500,
			CreatedTime: now - int64(200+w.rng.IntN(1500))*day,
			Description: "欢迎来到" + name, Question: "你是怎么找到这个群的？"},
		members: map[int64]*milky.GroupMember{},
		blocked: map[int64]bool{},
	}
	w.groups[gid] = g
	w.groupOrder = append(w.groupOrder, gid)
	joined := func() int64 { return g.info.CreatedTime + int64(w.rng.IntN(150))*day }

	others := append([]*person(nil), friendsIn...)
	for len(others) < 4 {
		others = append(others, w.newPerson(usedNames))
	}
	self := w.memberFor(g, *w.people[w.selfID], selfRole, joined())
	self.Level = 42
	// Roles: the first non-self is owner when the bot is not, one admin,
	// the rest members.
	var owner *milky.GroupMember
	if selfRole == "owner" {
		self.JoinTime = g.info.CreatedTime
		owner = self
	}
	g.addMember(self)
	for i, p := range others {
		role := "member"
		switch {
		case i == 0 && owner == nil:
			role = "owner"
		case i == 1:
			role = "admin"
		}
		m := w.memberFor(g, *p, role, joined())
		if role == "owner" {
			m.JoinTime = g.info.CreatedTime
			owner = m
		}
		if i%2 == 1 {
			m.Card = p.nickname + "@" + cityPool[w.rng.IntN(len(cityPool))]
		}
		if i == 2 {
			m.Title = "活跃分子"
		}
		g.addMember(m)
	}
	return g
}

// seed fills the world. Ids and names come from the seeded RNG; the shape
// (3 friends, 2 groups of 5, their history and side data) is fixed.
func (w *world) seed(now int64) {
	used := map[string]bool{w.nickname: true}
	var fr []*person
	remarks := []string{"", "老同学", ""}
	for i := range 3 {
		p := w.newPerson(used)
		fr = append(fr, p)
		w.addFriend(p, remarks[i])
	}
	names := slices.Clone(groupNamePool)
	w.rng.Shuffle(len(names), func(i, j int) { names[i], names[j] = names[j], names[i] })
	gA := w.newGroup(now, names[0], "owner", used, []*person{fr[0], fr[1]})
	gB := w.newGroup(now, names[1], "admin", used, []*person{fr[2]})

	// Private history: alternating peer and self messages.
	for i, f := range fr {
		c := w.conv(convKey{milky.SceneFriend, f.uin})
		c.nextSeq = int64(100 + w.rng.IntN(900))
		t := now - int64(3-i)*3600
		w.store(c, f.uin, t, textSegs("在吗？"))
		w.store(c, w.selfID, t+30, textSegs("在的，有什么事？"))
		w.store(c, f.uin, t+60, []milky.IncomingSegment{w.worldImage(), {Type: milky.SegText, Data: milky.IncomingSegmentData{Text: "看看这张图"}}})
		last := c.msgs[len(c.msgs)-1]
		w.store(c, w.selfID, t+90, []milky.IncomingSegment{w.replyTo(c, last.MessageSeq), {Type: milky.SegText, Data: milky.IncomingSegmentData{Text: "好看！"}}})
		switch i {
		case 0:
			w.store(c, f.uin, t+120, []milky.IncomingSegment{{Type: milky.SegXML, Data: milky.IncomingSegmentData{
				ServiceID: 1, XMLPayload: `<?xml version="1.0" encoding="utf-8"?><msg serviceID="1" brief="[分享]"><item><title>分享</title></item></msg>`}}})
		case 1:
			r := w.newResource("record", "", nil)
			r.dur = 4
			w.store(c, f.uin, t+120, []milky.IncomingSegment{{Type: milky.SegRecord, Data: milky.IncomingSegmentData{
				ResourceID: r.id, TempURL: w.resURL(r), Duration: r.dur}}})
		case 2:
			r := w.newResource("video", "", nil)
			r.w, r.h, r.dur = 1280, 720, 12
			w.store(c, f.uin, t+120, []milky.IncomingSegment{{Type: milky.SegVideo, Data: milky.IncomingSegmentData{
				ResourceID: r.id, TempURL: w.resURL(r), Width: r.w, Height: r.h, Duration: r.dur}}})
		}
		c.readSeq = c.msgs[len(c.msgs)-1].MessageSeq
	}

	for gi, g := range []*group{gA, gB} {
		gid := g.info.GroupID
		c := w.conv(convKey{milky.SceneGroup, gid})
		c.nextSeq = int64(1000 + w.rng.IntN(9000))
		t := now - int64(2-gi)*7200
		m := g.memberOrder
		if gi == 0 {
			g.info.Remark = "主群"
		}
		g.announcements = []milky.GroupAnnouncement{{GroupID: gid, AnnouncementID: w.newAnnouncementID(), UserID: m[0],
			Time: t - 10*day, Content: "请大家遵守群规，友善交流。"}}
		g.info.Announcement = g.announcements[0].Content
		// Files: two in the root, one folder holding one file; the first
		// root file was announced in the chat as a file message.
		folder := &milky.GroupFolder{GroupID: gid, FolderID: w.newFileID(), ParentFolderID: "/", FolderName: "资料",
			CreatedTime: t - 30*day, LastModifiedTime: t - 2*day, CreatorID: m[0]}
		g.folders = append(g.folders, folder)
		f1 := w.addGroupFile(g, "/", "群规.pdf", 184320, m[0], t-20*day)
		w.addGroupFile(g, "/", "活动照片.zip", 10485760, m[1], t-3*day)
		w.addGroupFile(g, folder.FolderID, "入门教程.docx", 52224, m[0], t-2*day)

		w.store(c, m[1], t, textSegs("大家好"))
		w.store(c, m[2], t+20, []milky.IncomingSegment{
			{Type: milky.SegMention, Data: milky.IncomingSegmentData{UserID: w.selfID, Name: w.nickname}},
			{Type: milky.SegText, Data: milky.IncomingSegmentData{Text: " 机器人在吗"}}})
		w.store(c, w.selfID, t+25, textSegs("我在。"))
		w.store(c, m[3], t+40, []milky.IncomingSegment{{Type: milky.SegFace, Data: milky.IncomingSegmentData{FaceID: "14"}},
			{Type: milky.SegFace, Data: milky.IncomingSegmentData{FaceID: "343", IsLarge: true}}})
		w.store(c, m[4], t+60, []milky.IncomingSegment{w.worldImage()})
		w.store(c, m[1], t+80, []milky.IncomingSegment{w.replyTo(c, c.msgs[1].MessageSeq), {Type: milky.SegText, Data: milky.IncomingSegmentData{Text: "+1"}}})
		w.store(c, m[2], t+100, []milky.IncomingSegment{{Type: milky.SegMarketFace, Data: milky.IncomingSegmentData{
			EmojiPackageID: 235125, EmojiID: "2f9a3b1c8e7d6a5b4c3d2e1f0a9b8c7d", Key: "sim" + fmt.Sprint(gi),
			Summary: "[贴贴]", URL: "https://gxh.vip.qq.com/club/item/parcel/item/2f/2f9a3b1c8e7d6a5b4c3d2e1f0a9b8c7d/raw300.gif"}}})
		w.store(c, m[3], t+120, []milky.IncomingSegment{w.worldForward(t, g)})
		w.store(c, m[4], t+140, []milky.IncomingSegment{{Type: milky.SegMentionAll, Data: milky.IncomingSegmentData{}},
			{Type: milky.SegText, Data: milky.IncomingSegmentData{Text: " 周末活动报名开始了"}}})
		w.store(c, m[1], t+160, []milky.IncomingSegment{{Type: milky.SegLightApp, Data: milky.IncomingSegmentData{
			AppName: "com.tencent.miniapp_01", JSONPayload: `{"app":"com.tencent.miniapp_01","prompt":"[QQ小程序]活动报名","ver":"1.0.0.19"}`}}})

		w.store(c, m[0], t+180, []milky.IncomingSegment{{Type: milky.SegFile, Data: milky.IncomingSegmentData{
			FileID: f1.FileID, FileName: f1.FileName, FileSize: f1.FileSize}}})

		ess := c.msgs[0]
		g.essence = []milky.GroupEssenceMessage{w.essenceOf(g, ess, m[0], t+200)}
	}

	// Friend requests: one pending, one filtered pending, one handled.
	p1 := w.newPerson(used)
	p2 := w.newPerson(used)
	p3 := w.newPerson(used)
	w.friendReqs = []*milky.FriendRequest{
		w.newFriendRequest(p3, "之前加过", "QQ号查找", false, now-5*day, "accepted"),
		w.newFriendRequest(p2, "免费领取福利", "群聊", true, now-2*day, "pending"),
		w.newFriendRequest(p1, "你好，我是"+p1.nickname, "QQ号查找", false, now-3600, "pending"),
	}
	w.addFriend(p3, "")

	// Group notifications of every kind.
	a := gA.info.GroupID
	applicant := w.profileOf(w.newUin(100000000, 3999999999))
	spammer := w.profileOf(w.newUin(100000000, 3999999999))
	invitee := w.profileOf(w.newUin(100000000, 3999999999))
	quitter := w.profileOf(w.newUin(100000000, 3999999999))
	w.addNotif(&milky.GroupNotification{Type: "quit", GroupID: a, TargetUserID: quitter.uin})
	w.addNotif(&milky.GroupNotification{Type: "admin_change", GroupID: a, TargetUserID: gA.memberOrder[2], IsSet: true, OperatorID: ptr(w.selfID)})
	w.addNotif(&milky.GroupNotification{Type: "join_request", GroupID: a, InitiatorID: spammer.uin, State: "pending", Comment: "加我看福利", IsFiltered: true})
	w.addNotif(&milky.GroupNotification{Type: "invited_join_request", GroupID: a, InitiatorID: gA.memberOrder[1], TargetUserID: invitee.uin, State: "pending"})
	w.addNotif(&milky.GroupNotification{Type: "join_request", GroupID: a, InitiatorID: applicant.uin, State: "pending", Comment: "朋友推荐来的"})
}

func ptr[T any](v T) *T { return &v }

func textSegs(s string) []milky.IncomingSegment {
	return []milky.IncomingSegment{{Type: milky.SegText, Data: milky.IncomingSegmentData{Text: s}}}
}

func (w *world) newFriendRequest(p *person, comment, via string, filtered bool, t int64, state string) *milky.FriendRequest {
	return &milky.FriendRequest{Time: t, InitiatorID: p.uin, InitiatorUID: p.uid, TargetUserID: w.selfID,
		TargetUserUID: w.selfUID, State: state, Comment: comment, Via: via, IsFiltered: filtered}
}

func (w *world) addNotif(n *milky.GroupNotification) *milky.GroupNotification {
	n.NotificationSeq = w.nextNotifSeq
	w.nextNotifSeq += int64(1 + w.rng.IntN(3)) // not contiguous, as the spec warns
	w.notifs = append(w.notifs, n)
	return n
}

func (w *world) newSerial() int64 {
	w.nextID++
	return w.nextID
}

// newFileID makes a group-file style id ("/" + uuid).
func (w *world) newFileID() string {
	a, b := w.rng.Uint64(), w.rng.Uint64()
	return fmt.Sprintf("/%08x-%04x-%04x-%04x-%012x", a>>32, a>>16&0xffff, a&0xffff, b>>48, b&0xffffffffffff)
}

func (w *world) newAnnouncementID() string {
	return fmt.Sprintf("%016x%08x", w.rng.Uint64(), w.newSerial())
}

func (w *world) addGroupFile(g *group, folder, name string, size, uploader, t int64) *milky.GroupFile {
	f := &milky.GroupFile{GroupID: g.info.GroupID, FileID: w.newFileID(), FileName: name, ParentFolderID: folder,
		FileSize: size, UploadedTime: t, UploaderID: uploader, DownloadedTimes: int32(w.rng.IntN(20))}
	if w.rng.IntN(2) == 0 {
		f.ExpireTime = ptr(t + 30*day)
	}
	g.files = append(g.files, f)
	if fo := g.folder(folder); fo != nil {
		fo.FileCount++
	}
	return f
}

func (g *group) folder(id string) *milky.GroupFolder {
	for _, f := range g.folders {
		if f.FolderID == id {
			return f
		}
	}
	return nil
}

func (g *group) file(id string) *milky.GroupFile {
	for _, f := range g.files {
		if f.FileID == id {
			return f
		}
	}
	return nil
}

func (g *group) self(w *world) *milky.GroupMember { return g.members[w.selfID] }

// worldImage makes an image resource that the world (not the bot) owns.
func (w *world) worldImage() milky.IncomingSegment {
	r := w.newResource("image", "", nil)
	r.w, r.h = 800, 600
	return milky.IncomingSegment{Type: milky.SegImage, Data: w.imageData(r, "[图片]", "normal")}
}

// worldForward makes a two-level merged forward (a forward nested in one
// node) so consumers can exercise get_forwarded_messages recursion.
func (w *world) worldForward(t int64, g *group) milky.IncomingSegment {
	a, b := w.people[g.memberOrder[1]], w.people[g.memberOrder[2]]
	inner := w.storeForward([]milky.IncomingForwardedMessage{
		{MessageSeq: 1, SenderName: b.nickname, AvatarURL: avatarURL(b.uin), Time: t - 600, Segments: textSegs("这是里层的第一条")},
		{MessageSeq: 2, SenderName: a.nickname, AvatarURL: avatarURL(a.uin), Time: t - 590, Segments: textSegs("这是里层的第二条")},
	}, "群聊的聊天记录", "")
	outer := w.storeForward([]milky.IncomingForwardedMessage{
		{MessageSeq: 1, SenderName: a.nickname, AvatarURL: avatarURL(a.uin), Time: t - 300, Segments: textSegs("转发的第一条")},
		{MessageSeq: 2, SenderName: b.nickname, AvatarURL: avatarURL(b.uin), Time: t - 290, Segments: []milky.IncomingSegment{inner}},
	}, "群聊的聊天记录", "")
	return outer
}

func avatarURL(uin int64) string {
	return fmt.Sprintf("https://q1.qlogo.cn/g?b=qq&nk=%d&s=640", uin)
}

func (w *world) essenceOf(g *group, m *milky.IncomingMessage, operator, t int64) milky.GroupEssenceMessage {
	return milky.GroupEssenceMessage{GroupID: g.info.GroupID, MessageSeq: m.MessageSeq, MessageTime: m.Time,
		SenderID: m.SenderID, SenderName: w.displayName(g, m.SenderID), OperatorID: operator,
		OperatorName: w.displayName(g, operator), OperationTime: t, Segments: m.Segments}
}

// displayName is how QQ shows a user in a group: card, else nickname.
func (w *world) displayName(g *group, uin int64) string {
	if g != nil {
		if m := g.members[uin]; m != nil {
			if m.Card != "" {
				return m.Card
			}
			return m.Nickname
		}
	}
	if f := w.friends[uin]; f != nil {
		return f.Nickname
	}
	return w.profileOf(uin).nickname
}

func (w *world) isPinned(k convKey) bool { return slices.Contains(w.pins, k) }

func (w *world) unpin(k convKey) {
	w.pins = slices.DeleteFunc(w.pins, func(x convKey) bool { return x == k })
}

// rank orders roles for permission checks.
func rank(role string) int {
	switch role {
	case "owner":
		return 2
	case "admin":
		return 1
	}
	return 0
}
