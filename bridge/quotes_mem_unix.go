//go:build unix

package bridge

import (
	"os"
	"syscall"
)

var quotePageSize = os.Getpagesize()

// quoteMemAlloc maps n bytes (rounded up to pages) of anonymous memory;
// pages are backed only once written. Falls back to the Go heap.
func quoteMemAlloc(n int) []byte {
	size := (n + quotePageSize - 1) &^ (quotePageSize - 1)
	b, err := syscall.Mmap(-1, 0, size, syscall.PROT_READ|syscall.PROT_WRITE, syscall.MAP_PRIVATE|syscall.MAP_ANON)
	if err != nil {
		return make([]byte, n)
	}
	return b[:n]
}

// quoteMemFree unmaps what quoteMemAlloc mapped (EINVAL for the heap
// fallback: the GC has it).
func quoteMemFree(b []byte) { _ = syscall.Munmap(b[:cap(b)]) }
