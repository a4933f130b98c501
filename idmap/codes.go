package idmap

// Scenes and flag kinds are held as one-byte codes (in memory and in
// idstore's records); these are the only values either map records. A
// value's code is its index in its table; the tables hold the package
// constants, so a stored Ref never points into a caller's buffer.

// sceneNames: code 0 is "" (tests and callers that do not distinguish
// scenes), 1..3 are friend, group, temp.
var sceneNames = [...]string{"", SceneFriend, SceneGroup, SceneTemp}

// flagKindNames: codes 1..3; 0 is no kind.
var flagKindNames = [numFlagKinds + 1]string{1: FlagFriendRequest, 2: FlagGroupRequest, 3: FlagInvitation}

const numFlagKinds = 3

// SceneCode returns the code of a scene: 0 for "", 1..3 for friend, group,
// temp. Other scenes are not recorded (ok = false).
func SceneCode(scene string) (code uint8, ok bool) { return codeOf(sceneNames[:], 0, scene) }

// SceneName is the inverse of SceneCode.
func SceneName(code uint8) (string, bool) { return nameOf(sceneNames[:], 0, code) }

// FlagKindCode returns the code (1..3) of a FlagMapper kind.
func FlagKindCode(kind string) (uint8, bool) { return codeOf(flagKindNames[:], 1, kind) }

// FlagKindName is the inverse of FlagKindCode.
func FlagKindName(code uint8) (string, bool) { return nameOf(flagKindNames[:], 1, code) }

// codeOf finds v among names[first:].
func codeOf(names []string, first int, v string) (uint8, bool) {
	for i := first; i < len(names); i++ {
		if names[i] == v {
			return uint8(i), true
		}
	}
	return 0, false
}

// nameOf is names[code] when code is at least first and in the table.
func nameOf(names []string, first int, code uint8) (string, bool) {
	if int(code) < first || int(code) >= len(names) {
		return "", false
	}
	return names[code], true
}
