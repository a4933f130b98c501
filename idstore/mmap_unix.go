//go:build unix

package idstore

import (
	"os"
	"syscall"
)

// mmapFile maps n bytes of f from off (page-aligned) shared and writable:
// stores into it are stores into the file's page cache.
func mmapFile(f *os.File, off int64, n int) ([]byte, error) {
	return syscall.Mmap(int(f.Fd()), off, n, syscall.PROT_READ|syscall.PROT_WRITE, syscall.MAP_SHARED)
}

func munmap(b []byte) error { return syscall.Munmap(b) }
