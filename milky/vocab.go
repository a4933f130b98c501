package milky

// Enum values of Milky 1.2 fields that are plain strings in the structs
// (as in the schema), named so the mapping packages compare and write
// constants rather than literals. OneBot 11 uses the same words for sex and
// role.

// sex (friends, users, group members).
const (
	SexMale    = "male"
	SexFemale  = "female"
	SexUnknown = "unknown"
)

// role of a group member.
const (
	RoleOwner  = "owner"
	RoleAdmin  = "admin"
	RoleMember = "member"
)

// MemberRole is role as Milky's enum: anything but owner or admin (an
// implementation's own word, or none) is a member. Both directions read
// OneBot 11 roles with it.
func MemberRole(role string) string {
	switch role {
	case RoleOwner, RoleAdmin:
		return role
	}
	return RoleMember
}

// sub_type of an image segment.
const (
	ImageNormal  = "normal"
	ImageSticker = "sticker"
)

// reaction_type of a group message reaction.
const (
	ReactionFace  = "face"
	ReactionEmoji = "emoji"
)
