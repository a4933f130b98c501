package idmap

// Scenes and flag kinds are held as one-byte codes (in memory and in
// idstore's records); these are the only values either map records.

// SceneCode returns the code of a scene: 0 for "" (tests and callers that
// do not distinguish scenes), 1..3 for friend, group, temp. Other scenes
// are not recorded (ok = false).
func SceneCode(scene string) (code uint8, ok bool) {
	switch scene {
	case "":
		return 0, true
	case SceneFriend:
		return 1, true
	case SceneGroup:
		return 2, true
	case SceneTemp:
		return 3, true
	}
	return 0, false
}

// SceneName is the inverse of SceneCode; it returns the package constants,
// so a stored Ref never points into a caller's buffer.
func SceneName(code uint8) (string, bool) {
	switch code {
	case 0:
		return "", true
	case 1:
		return SceneFriend, true
	case 2:
		return SceneGroup, true
	case 3:
		return SceneTemp, true
	}
	return "", false
}

// FlagKindCode returns the code (1..3) of a FlagMapper kind.
func FlagKindCode(kind string) (uint8, bool) {
	switch kind {
	case FlagFriendRequest:
		return 1, true
	case FlagGroupRequest:
		return 2, true
	case FlagInvitation:
		return 3, true
	}
	return 0, false
}

// FlagKindName is the inverse of FlagKindCode.
func FlagKindName(code uint8) (string, bool) {
	switch code {
	case 1:
		return FlagFriendRequest, true
	case 2:
		return FlagGroupRequest, true
	case 3:
		return FlagInvitation, true
	}
	return "", false
}

const numFlagKinds = 3
