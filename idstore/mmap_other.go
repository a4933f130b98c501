//go:build !unix

package idstore

import "os"

// Without mmap the writer falls back to one pwrite per record.
func mmapFile(*os.File, int64, int) ([]byte, error) { return nil, errNoMmap }

func munmap([]byte) error { return nil }
