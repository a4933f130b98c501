package idmap

// RecordKind says what a Record states.
type RecordKind uint8

const (
	// RecordID: Ref (Scene, Peer, Seq) has OneBot message_id ID (Mapper).
	RecordID RecordKind = 1
	// RecordUpstream: Ref (Scene, Peer, Seq) is upstream message_id ID in
	// that conversation (SeqMapper).
	RecordUpstream RecordKind = 2
	// RecordConvSeq: the highest seq issued in conversation (Scene, Peer) is
	// at least Seq. Written by snapshots, so a conversation whose messages
	// all expired never reissues a seq.
	RecordConvSeq RecordKind = 3
	// RecordFlag: request Flag of FlagKind has seq Seq (FlagMapper).
	RecordFlag RecordKind = 4
	// RecordFlagSeq: the highest seq issued for FlagKind is at least Seq.
	RecordFlagSeq RecordKind = 5
)

// Record is one change of a Memory, as a durable store writes it. A store
// rebuilds a Memory by Loading its records in the order they were journaled.
type Record struct {
	Kind     RecordKind
	Scene    string // RecordID, RecordUpstream, RecordConvSeq
	Peer     int64  // RecordID, RecordUpstream, RecordConvSeq
	Seq      int64  // message seq, high-water seq, or flag seq
	ID       int32  // RecordID: OneBot message_id; RecordUpstream: upstream message_id
	At       int64  // insertion time, unix nanos (RecordID, RecordUpstream, RecordFlag)
	FlagKind string // RecordFlag, RecordFlagSeq
	Flag     string // RecordFlag
}

// Journal receives a Memory's changes. Append is called with the Memory's
// lock held, before the call that made the change returns, in the order
// the changes happen; it must not call back into the Memory. A failed
// Append is the journal's to count and report: the Memory keeps the
// mapping (answers must not fail) and the id works until a restart.
type Journal interface {
	Append(rec *Record)
}
