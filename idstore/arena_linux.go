package idstore

import (
	"os"
	"syscall"

	"github.com/qqbridge/gateway/idmap"
)

// mmapArena gives the Memory's index anonymous private mappings, outside
// the Go heap: the GC neither scans them (they hold no pointers anyway) nor
// counts them towards its heap target, which with GOGC=100 lets the heap
// grow to twice what is live; an index of tens of MB on the heap cost twice
// its size in RSS. Each buffer reserves its largest size up front
// (MAP_NORESERVE address space; pages are only backed once written), so
// the index grows in place and is never held twice.
type mmapArena struct{}

var arena idmap.Arena = mmapArena{}

var pageSize = os.Getpagesize()

func (mmapArena) Alloc(n, max int) []byte {
	for _, size := range []int{max, n} {
		size = (size + pageSize - 1) &^ (pageSize - 1)
		if size < n || size == 0 {
			continue
		}
		b, err := syscall.Mmap(-1, 0, size, syscall.PROT_READ|syscall.PROT_WRITE,
			syscall.MAP_PRIVATE|syscall.MAP_ANONYMOUS|syscall.MAP_NORESERVE)
		if err == nil {
			// Huge pages where the kernel has them (transparent huge pages
			// in "madvise" mode do nothing without this): every new id
			// touches the two tables and the ring at random places, and
			// with 4 KiB pages each of those loads also missed the TLB
			// (a nested page walk under a hypervisor). An error (no THP)
			// leaves ordinary pages.
			_ = syscall.Madvise(b, syscall.MADV_HUGEPAGE)
			return b[:n]
		}
	}
	// No address space: the Go heap (Free then leaves it to the GC).
	return make([]byte, n) // cap n: never grown in place
}

func (mmapArena) Free(b []byte) {
	_ = syscall.Munmap(b[:cap(b)]) // EINVAL for the heap fallback: nothing to do
}
