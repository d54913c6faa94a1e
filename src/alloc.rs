//! The program's allocator: the system's, except that on Linux a block of 1.5 MiB or more gets
//! a mapping of its own, aligned to 2 MiB and marked for transparent huge pages.
//!
//! Why: a `pgconf lint` of a 3 MB file touches about 9 MB (the input, its line index, the
//! tree), and on the virtual machines CI and containers run on each first touch of a 4 KiB
//! page costs 1.5–2 µs of kernel time: more than the parse itself. The system allocator maps
//! such blocks too (glibc's `mmap` threshold), but unaligned and without asking for huge
//! pages, so the kernel fills them 4 KiB at a time. One huge page fills 2 MiB at a fifth of
//! the cost (`bench/PROFILE.md`, fourth pass, has the numbers).
//!
//! A mapping ends where its block ends, rounded to a 4 KiB page, so a partly filled last 2 MiB
//! stays in small pages and nothing is committed beyond what is written; or rounded to a whole
//! huge page when that adds at most a quarter of one, 512 KiB (big.conf's 3.7 MB
//! tree: 581 instead of 956 faults for the whole lint). A bound relative to the block
//! (a quarter of it, earlier) rounded big_active.conf's 7.1 MB of findings up to 8 MiB: 1.3 MB
//! of peak RSS to save 320 faults. The same bound sets the smallest block mapped so: from
//! 1.5 MiB, one huge page holds a block for at most 512 KiB unwritten (big_hba.conf's 1.6 MB
//! input and token lists: 2,368 -> 1,709 faults for its lint). Where the kernel gives no huge pages
//! (`/sys/kernel/mm/transparent_hugepage/enabled` = `never`) the blocks are plain mappings,
//! as glibc's would be. The library does not install it; the `pgconf` binary does (on Linux;
//! elsewhere it keeps the system allocator).

pub use linux::HugePageAlloc;

mod linux {
    use std::alloc::{GlobalAlloc, Layout, System};
    use std::ptr;

    /// The size and alignment of an x86-64 or arm64 (4 KiB pages) transparent huge page.
    const HUGE: usize = 2 << 20;

    /// See the [module documentation](super).
    #[derive(Debug, Default, Clone, Copy)]
    pub struct HugePageAlloc;

    /// Blocks from 1.5 MiB on: one huge page holds such a block for at most
    /// [`ROUND_UP_AT_MOST`] never written, and is filled at one fault instead of up to 512.
    fn is_big(layout: &Layout) -> bool {
        layout.size() >= HUGE - ROUND_UP_AT_MOST && layout.align() <= HUGE
    }

    /// The most a mapping is rounded up to fill its last huge page at one fault: 128 small
    /// pages' faults saved at most, for as much RSS never written.
    const ROUND_UP_AT_MOST: usize = HUGE / 4;

    /// The length of the mapping that holds `size` bytes: whole huge pages when that adds at
    /// most [`ROUND_UP_AT_MOST`] (the last one is then filled at one fault rather than 4 KiB
    /// at a time), else whole small pages (an almost empty huge page would cost RSS).
    fn mapped_len(size: usize) -> usize {
        let huge = size.next_multiple_of(HUGE);
        if huge - size <= ROUND_UP_AT_MOST {
            return huge;
        }
        size.next_multiple_of(page_size())
    }

    fn page_size() -> usize {
        // SAFETY: sysconf only reads a constant of the running system.
        let page = unsafe { libc::sysconf(libc::_SC_PAGESIZE) };
        usize::try_from(page).unwrap_or(4096)
    }

    /// A fresh zeroed mapping of `size` bytes starting on a 2 MiB boundary, or null.
    fn map_aligned(size: usize) -> *mut u8 {
        let len = mapped_len(size);
        let Some(reserve) = len.checked_add(HUGE) else {
            return ptr::null_mut();
        };
        // SAFETY: an anonymous private mapping at an address the kernel picks touches no
        // existing memory.
        let base = unsafe {
            libc::mmap(
                ptr::null_mut(),
                reserve,
                libc::PROT_READ | libc::PROT_WRITE,
                libc::MAP_PRIVATE | libc::MAP_ANONYMOUS,
                -1,
                0,
            )
        };
        if base == libc::MAP_FAILED {
            return ptr::null_mut();
        }
        let base = base as usize;
        let start = base.next_multiple_of(HUGE);
        let (head, tail) = (start - base, reserve - (start - base) - len);
        // SAFETY: both ranges are whole pages (`base`, `start` and `len` are page multiples)
        // of the mapping made above, outside the block handed out. Trimming can only fail
        // for lack of memory, which leaves the range mapped: wasted address space, not an
        // error.
        unsafe {
            if head > 0 {
                libc::munmap(base as *mut libc::c_void, head);
            }
            if tail > 0 {
                libc::munmap((start + len) as *mut libc::c_void, tail);
            }
            // Advice only: without huge pages the mapping works the same.
            libc::madvise(start as *mut libc::c_void, len, libc::MADV_HUGEPAGE);
        }
        start as *mut u8
    }

    // SAFETY: blocks come either from `System` or from `map_aligned`, chosen by the same
    // `is_big` test on the layout at every call, so each is returned to where it came from;
    // mappings are page-aligned (hence aligned for any layout `is_big` accepts) and at least
    // `size` bytes long.
    unsafe impl GlobalAlloc for HugePageAlloc {
        unsafe fn alloc(&self, layout: Layout) -> *mut u8 {
            if is_big(&layout) {
                map_aligned(layout.size())
            } else {
                // SAFETY: the caller's contract, passed on.
                unsafe { System.alloc(layout) }
            }
        }

        unsafe fn alloc_zeroed(&self, layout: Layout) -> *mut u8 {
            if is_big(&layout) {
                // Anonymous mappings are zeroed by the kernel.
                map_aligned(layout.size())
            } else {
                // SAFETY: the caller's contract, passed on.
                unsafe { System.alloc_zeroed(layout) }
            }
        }

        unsafe fn dealloc(&self, ptr: *mut u8, layout: Layout) {
            if is_big(&layout) {
                // SAFETY: `ptr` and this length are those `map_aligned` (or `realloc`)
                // mapped for a block of this size.
                unsafe { libc::munmap(ptr.cast(), mapped_len(layout.size())) };
            } else {
                // SAFETY: the caller's contract, passed on.
                unsafe { System.dealloc(ptr, layout) }
            }
        }

        unsafe fn realloc(&self, ptr: *mut u8, layout: Layout, new_size: usize) -> *mut u8 {
            // SAFETY: the caller guarantees `new_size` with this alignment is a valid layout.
            let new_layout = unsafe { Layout::from_size_align_unchecked(new_size, layout.align()) };
            match (is_big(&layout), is_big(&new_layout)) {
                // SAFETY: the caller's contract, passed on.
                (false, false) => unsafe { System.realloc(ptr, layout, new_size) },
                (true, true) => {
                    // SAFETY: `ptr` is a mapping of `mapped_len(layout.size())` bytes made
                    // here; the kernel moves or grows it, keeping its contents.
                    let moved = unsafe {
                        libc::mremap(
                            ptr.cast(),
                            mapped_len(layout.size()),
                            mapped_len(new_size),
                            libc::MREMAP_MAYMOVE,
                        )
                    };
                    if moved == libc::MAP_FAILED {
                        ptr::null_mut()
                    } else {
                        moved.cast()
                    }
                }
                _ => {
                    // Across the threshold: a new block, the contents copied, the old freed.
                    // SAFETY: as for `alloc` and `dealloc`; the two blocks do not overlap.
                    unsafe {
                        let new = self.alloc(new_layout);
                        if !new.is_null() {
                            ptr::copy_nonoverlapping(ptr, new, layout.size().min(new_size));
                            self.dealloc(ptr, layout);
                        }
                        new
                    }
                }
            }
        }
    }

    #[cfg(test)]
    mod tests {
        use super::*;

        #[test]
        fn big_blocks_are_aligned_zeroed_and_keep_their_contents_when_resized() {
            let a = HugePageAlloc;
            // Exactly one huge page; small pages after one; rounded up to huge pages.
            for size in [HUGE, HUGE + 1, 3 * HUGE + 4095, 5_000_000, 7 << 20] {
                let layout = Layout::from_size_align(size, 8).unwrap();
                // SAFETY: a non-zero layout; every block is freed with its own layout.
                unsafe {
                    let p = a.alloc_zeroed(layout);
                    assert!(!p.is_null());
                    assert_eq!(p as usize % HUGE, 0, "{size}");
                    assert!(std::slice::from_raw_parts(p, size).iter().all(|&b| b == 0));
                    *p = 7;
                    *p.add(size - 1) = 9;
                    // Grow (mremap), shrink below the threshold (copy), grow back (copy).
                    let p = a.realloc(p, layout, size * 2);
                    assert_eq!((*p, *p.add(size - 1)), (7, 9));
                    let big = Layout::from_size_align(size * 2, 8).unwrap();
                    let p = a.realloc(p, big, 100);
                    assert_eq!(*p, 7);
                    let small = Layout::from_size_align(100, 8).unwrap();
                    let p = a.realloc(p, small, size);
                    assert_eq!(*p, 7);
                    a.dealloc(p, layout);
                }
            }
        }

        #[test]
        fn mappings_round_to_a_huge_page_only_when_that_adds_a_quarter_of_one_at_most() {
            assert_eq!(mapped_len(HUGE), HUGE);
            assert_eq!(mapped_len((8 << 20) - (512 << 10)), 8 << 20);
            assert_eq!(mapped_len(7 << 20), 7 << 20);
            // big.conf's tree: 467,504 bytes short of 4 MiB.
            assert_eq!(mapped_len(3_726_800), 4 << 20);
            // 32,768 findings of 216 bytes (their size then): 1.3 MB short of 8 MiB.
            assert_eq!(mapped_len(7_077_888), 7_077_888);
            assert_eq!(mapped_len(HUGE + 1), HUGE + page_size());
            assert_eq!(
                mapped_len(5_000_000),
                5_000_000usize.next_multiple_of(page_size())
            );
        }

        #[test]
        fn small_blocks_and_large_alignments_go_to_the_system_allocator() {
            let smallest = HUGE - ROUND_UP_AT_MOST;
            assert!(!is_big(&Layout::from_size_align(smallest - 1, 8).unwrap()));
            assert!(is_big(&Layout::from_size_align(smallest, 8).unwrap()));
            assert_eq!(mapped_len(smallest), HUGE);
            assert!(!is_big(&Layout::from_size_align(HUGE, 2 * HUGE).unwrap()));
            assert!(is_big(&Layout::from_size_align(HUGE, HUGE).unwrap()));
        }
    }
}
