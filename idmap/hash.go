package idmap

import "math"

// DeriveID is the deterministic id of a ref before collision resolution.
// It is part of the durable contract (ids of a Memory store, and ids of
// refs met before they were recorded, depend on it): never change it.
//
// FNV-1a over the scene bytes, then two rounds of the splitmix64 finaliser
// folding in peer and seq; the 64-bit result is folded to 32 bits, masked
// to 31, and 0 is mapped to 1 so the id is always in 1..2^31-1.
func DeriveID(r Ref) int32 {
	h := uint64(14695981039346656037)
	for i := 0; i < len(r.Scene); i++ {
		h ^= uint64(r.Scene[i])
		h *= 1099511628211
	}
	h = mix64(h ^ uint64(r.Peer))
	h = mix64(h ^ uint64(r.Seq))
	v := (uint32(h>>32) ^ uint32(h)) & math.MaxInt32
	if v == 0 {
		v = 1
	}
	return int32(v)
}

func mix64(z uint64) uint64 {
	z ^= z >> 30
	z *= 0xbf58476d1ce4e5b9
	z ^= z >> 27
	z *= 0x94d049bb133111eb
	z ^= z >> 31
	return z
}

// NextID is the linear-probe successor used on a collision: it wraps from
// 2^31-1 to 1, skipping 0 and negatives.
func NextID(id int32) int32 {
	if id == math.MaxInt32 || id < 1 {
		return 1
	}
	return id + 1
}

// NormalizeID maps any int32 (e.g. from a test hash hook) into 1..2^31-1.
func NormalizeID(id int32) int32 {
	v := id & math.MaxInt32
	if v == 0 {
		v = 1
	}
	return v
}
