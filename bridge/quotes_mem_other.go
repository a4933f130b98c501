//go:build !unix

package bridge

func quoteMemAlloc(n int) []byte { return make([]byte, n) }

func quoteMemFree([]byte) {}
