//! The program's allocator: the system's, except that on Linux a block of 1.5 MiB or more gets
//! a mapping of its own, aligned to 2 MiB and marked for transparent huge pages, and blocks
//! from 64 KiB up to that are carved from shared chunks of 4 MiB on huge pages (`medium`);
//! a block of 1.5 MiB or more too, when it fits what is left of the current chunk.
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
//! as glibc's would be.
//!
//! Medium blocks (a big pg_hba.conf's field and line lists, the rules' indexes) were the rest
//! of the small pages: 812 -> 222 faults for big_hba.conf's lint, about 1 ms of its 8
//! (`bench/PROFILE.md`, thirteenth pass). They cost RSS: a chunk's huge page is committed
//! whole (big_hba.conf 16.3 -> 18.7 MB, big_active.conf 26.3 -> 27.5 MB).
//!
//! The library does not install this allocator; the `pgconf` binary does (on Linux; elsewhere
//! it keeps the system allocator).

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
        map_huge(mapped_len(size), HUGE)
    }

    /// A fresh zeroed mapping of `len` bytes (a multiple of the page size) starting on an
    /// `align` boundary (a multiple of 2 MiB), advised for huge pages; or null.
    fn map_huge(len: usize, align: usize) -> *mut u8 {
        let Some(reserve) = len.checked_add(align) else {
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
        let start = base.next_multiple_of(align);
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

    /// Where a block of a layout lives: the same answer at every call for the same layout,
    /// so each block is returned to where it came from.
    #[derive(Debug, Clone, Copy, PartialEq, Eq)]
    enum Class {
        Small,
        Medium,
        Big,
    }

    fn class(layout: &Layout) -> Class {
        if is_big(layout) {
            Class::Big
        } else if medium::holds(layout) {
            Class::Medium
        } else {
            Class::Small
        }
    }

    // SAFETY: blocks come from `System`, from `medium` or from `map_aligned`, chosen by
    // `class` on the layout at every call, so each is returned to where it came from;
    // mappings are page-aligned (hence aligned for any layout `is_big` accepts) and at least
    // `size` bytes long; `medium` hands out blocks aligned as their layout asks.
    unsafe impl GlobalAlloc for HugePageAlloc {
        unsafe fn alloc(&self, layout: Layout) -> *mut u8 {
            // SAFETY: the caller's contract, passed on.
            unsafe { self.allocate(layout, false) }
        }

        unsafe fn alloc_zeroed(&self, layout: Layout) -> *mut u8 {
            // SAFETY: the caller's contract, passed on.
            unsafe { self.allocate(layout, true) }
        }

        unsafe fn dealloc(&self, ptr: *mut u8, layout: Layout) {
            match class(&layout) {
                // SAFETY: `ptr` is a live big block of `layout`: carved from a chunk, or
                // else a mapping `map_aligned` (or `realloc`) made for a block of this size.
                Class::Big => unsafe {
                    if !medium::dealloc(ptr, layout) {
                        libc::munmap(ptr.cast(), mapped_len(layout.size()));
                    }
                },
                // SAFETY: `ptr` is a live medium block of `layout` (the caller's contract
                // and `class`), from `medium` or else from `System`.
                Class::Medium => unsafe {
                    if !medium::dealloc(ptr, layout) {
                        System.dealloc(ptr, layout);
                    }
                },
                // SAFETY: the caller's contract, passed on.
                Class::Small => unsafe { System.dealloc(ptr, layout) },
            }
        }

        unsafe fn realloc(&self, ptr: *mut u8, layout: Layout, new_size: usize) -> *mut u8 {
            // SAFETY: the caller guarantees `new_size` with this alignment is a valid layout.
            let new_layout = unsafe { Layout::from_size_align_unchecked(new_size, layout.align()) };
            match (class(&layout), class(&new_layout)) {
                // SAFETY: the caller's contract, passed on.
                (Class::Small, Class::Small) => unsafe { System.realloc(ptr, layout, new_size) },
                (old @ (Class::Medium | Class::Big), new @ (Class::Medium | Class::Big)) => {
                    // SAFETY: `ptr` is a live block of `layout` (the caller's contract),
                    // carved from a chunk or else made as its class says.
                    match unsafe { medium::resize(ptr, layout, new_size) } {
                        Some(true) => ptr,
                        // A mapping of its own: the kernel moves or grows it, keeping its
                        // contents.
                        None if old == Class::Big && new == Class::Big => {
                            // SAFETY: `ptr` is a mapping of `mapped_len(layout.size())`
                            // bytes made here.
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
                        // The system's block stays with it unless chunks take it now.
                        None if old == Class::Medium
                            && new == Class::Medium
                            && !medium::takes(&new_layout) =>
                        // SAFETY: the system allocator made it (`resize`); the caller's
                        // contract.
                        unsafe { System.realloc(ptr, layout, new_size) },
                        // SAFETY: the caller's contract, passed on.
                        Some(false) | None => unsafe { self.moved(ptr, layout, new_layout) },
                    }
                }
                // SAFETY: the caller's contract, passed on.
                _ => unsafe { self.moved(ptr, layout, new_layout) },
            }
        }
    }

    impl HugePageAlloc {
        /// `alloc`, or `alloc_zeroed` when `zeroed`.
        ///
        /// # Safety
        /// As [`GlobalAlloc::alloc`].
        #[inline(always)]
        unsafe fn allocate(&self, layout: Layout, zeroed: bool) -> *mut u8 {
            let system = || {
                // SAFETY: the caller's contract, passed on.
                unsafe {
                    if zeroed {
                        System.alloc_zeroed(layout)
                    } else {
                        System.alloc(layout)
                    }
                }
            };
            match class(&layout) {
                // What is left of the current chunk, else a mapping of its own (anonymous
                // mappings are zeroed by the kernel).
                Class::Big => {
                    medium::carve_big(layout, zeroed).unwrap_or_else(|| map_aligned(layout.size()))
                }
                Class::Medium => medium::alloc(layout, zeroed).unwrap_or_else(system),
                Class::Small => system(),
            }
        }

        /// `realloc` by a new block, the contents copied, the old freed.
        ///
        /// # Safety
        /// As [`GlobalAlloc::realloc`], `new_layout` being the block's new layout.
        unsafe fn moved(&self, ptr: *mut u8, layout: Layout, new_layout: Layout) -> *mut u8 {
            // SAFETY: as for `alloc` and `dealloc`; the two blocks do not overlap.
            unsafe {
                let new = self.alloc(new_layout);
                if !new.is_null() {
                    ptr::copy_nonoverlapping(ptr, new, layout.size().min(new_layout.size()));
                    self.dealloc(ptr, layout);
                }
                new
            }
        }
    }

    /// Blocks from 64 KiB up to the big ones, carved one after the other from chunks of
    /// 4 MiB on huge pages, once a run has asked for a block of 256 KiB or more; and big
    /// blocks that fit what is left of the current chunk ([`carve_big`]).
    ///
    /// Why: a big pg_hba.conf's field and line lists, and the rules' indexes, are blocks of
    /// 100 KB to 1 MB. From the system allocator each is filled 4 KiB at a time, ~1.2 µs of
    /// kernel time a page on the VMs this runs on (0.3 ms per MB); a huge page costs a few
    /// times less per byte (`bench/PROFILE.md`, thirteenth pass). One mapping of their own
    /// each would be a whole huge page of memory apiece; packed into shared chunks they cost
    /// little more than what they hold. A run that never asks for 256 KiB at once (one
    /// server's own files) keeps the system allocator: a whole huge page for its 64 KiB
    /// output buffer cost it more than 16 small pages.
    ///
    /// A chunk is a bump allocator: a block is carved at its `top`; a block freed at the top
    /// (a `Vec` that grows, or the last one made) gives its room back at once, and a block
    /// at the top grows in place; a chunk whose blocks are all freed starts over (the
    /// current one) or is unmapped (an older one). Room freed below the top is reused only
    /// then: the program's medium blocks live about as long as one server's lint, so chunks
    /// empty as runs end (watch mode lints again and again without growing). Medium blocks
    /// made before the first chunk, or when chunks run out, come from the system allocator;
    /// the list of chunks tells the two apart when a block is freed.
    mod medium {
        use std::alloc::Layout;
        use std::ptr;
        use std::sync::atomic::{AtomicBool, Ordering};
        use std::sync::{Mutex, MutexGuard, PoisonError};

        /// The smallest block kept here: below it, the system allocator's own heap serves
        /// (and thousands of small files' blocks would pin chunks).
        pub(super) const SMALLEST: usize = 64 << 10;
        /// The smallest block that maps the first chunk.
        pub(super) const FIRST: usize = 256 << 10;
        /// A chunk's size and alignment: a block finds its chunk by masking its address.
        pub(super) const CHUNK: usize = 2 * super::HUGE;
        /// A chunk's header, at its start (`Header`), rounded to a cache line.
        const HEADER: usize = 64;
        /// The largest alignment a block here may ask for (any more goes to the system).
        const ALIGN: usize = 4096;
        /// The most chunks mapped at once (128 MiB); past them the system allocator serves.
        const MAX_CHUNKS: usize = 32;

        /// A chunk's bookkeeping, kept in its own first bytes.
        struct Header {
            /// Where the next block may start.
            top: usize,
            /// Blocks handed out and not yet freed.
            live: usize,
            /// Past the highest byte ever handed out: the chunk is still zero from here on.
            fresh: usize,
        }

        /// The chunks mapped (their addresses).
        struct Chunks {
            /// The one new blocks are carved from (0 when there is none).
            current: usize,
            /// Every chunk mapped and not given back, `current` among them.
            mapped: [usize; MAX_CHUNKS],
            count: usize,
        }

        impl Chunks {
            /// Whether `block`, a medium block, was carved here.
            fn owns(&self, block: *mut u8) -> bool {
                self.mapped[..self.count].contains(&chunk_of(block))
            }

            /// Gives `chunk`, which holds no block, back to the kernel.
            fn unmap(&mut self, chunk: usize) {
                if let Some(i) = self.mapped[..self.count].iter().position(|&c| c == chunk) {
                    self.count -= 1;
                    self.mapped.swap(i, self.count);
                }
                // SAFETY: a chunk's whole mapping, which holds no live block.
                unsafe { libc::munmap(chunk as *mut libc::c_void, CHUNK) };
            }
        }

        static CHUNKS: Mutex<Chunks> = Mutex::new(Chunks {
            current: 0,
            mapped: [0; MAX_CHUNKS],
            count: 0,
        });

        /// Set once the first chunk is mapped: from then on every medium block is carved.
        static STARTED: AtomicBool = AtomicBool::new(false);

        /// Whether `block`, a live medium block, was carved here.
        #[cfg(test)]
        pub(super) fn carved(block: *mut u8) -> bool {
            chunks().owns(block)
        }

        fn chunks() -> MutexGuard<'static, Chunks> {
            CHUNKS.lock().unwrap_or_else(PoisonError::into_inner)
        }

        /// Whether a block of `layout` is medium: carved here, or made by the system
        /// allocator before the first chunk.
        pub(super) fn holds(layout: &Layout) -> bool {
            layout.size() >= SMALLEST && layout.align() <= ALIGN
        }

        /// Whether a new medium block of `layout` is to be carved here.
        pub(super) fn takes(layout: &Layout) -> bool {
            layout.size() >= FIRST || STARTED.load(Ordering::Relaxed)
        }

        fn header(chunk: usize) -> *mut Header {
            chunk as *mut Header
        }

        fn chunk_of(block: *mut u8) -> usize {
            block as usize & !(CHUNK - 1)
        }

        /// A block for `layout` (medium), zeroed if `zeroed`; `None` when the system
        /// allocator is to make it (no chunk yet and a small block, or no more chunks).
        pub(super) fn alloc(layout: Layout, zeroed: bool) -> Option<*mut u8> {
            if !takes(&layout) {
                return None;
            }
            let mut chunks = chunks();
            loop {
                let current = chunks.current;
                if current != 0 {
                    // SAFETY: `current` is a mapped chunk (its header written), and the
                    // lock is held.
                    if let Some(block) = unsafe { carve(current, layout, zeroed) } {
                        return Some(block);
                    }
                    // SAFETY: as above.
                    let h = unsafe { &mut *header(current) };
                    if h.live == 0 && h.top > current + HEADER {
                        // Empty, though too full for the block: it starts over.
                        h.top = current + HEADER;
                        continue;
                    }
                    // Full: it stays mapped until its last block is freed. (An empty chunk
                    // too small for a block, which `holds` rules out, goes now.)
                    if h.live == 0 {
                        chunks.unmap(current);
                    }
                    chunks.current = 0;
                }
                if chunks.count == MAX_CHUNKS {
                    return None;
                }
                let chunk = super::map_huge(CHUNK, CHUNK) as usize;
                if chunk == 0 {
                    return None;
                }
                // SAFETY: a fresh mapping of `CHUNK` bytes, aligned for `Header`.
                unsafe {
                    header(chunk).write(Header {
                        top: chunk + HEADER,
                        live: 0,
                        fresh: chunk + HEADER,
                    });
                }
                let n = chunks.count;
                chunks.mapped[n] = chunk;
                chunks.count += 1;
                chunks.current = chunk;
                STARTED.store(true, Ordering::Relaxed);
            }
        }

        /// A big block for `layout`, zeroed if `zeroed`, carved from what is left of the
        /// current chunk; `None` when it does not fit there (it then gets a mapping of its
        /// own, and the chunk stays current for the medium blocks that follow).
        ///
        /// Why: a big pg_hba.conf's token list and records came after its line list and
        /// index in huge pages of their own, three in all for 3.8 MB; packed after them in
        /// one chunk they fill two (`bench/PROFILE.md`, twenty-third pass).
        pub(super) fn carve_big(layout: Layout, zeroed: bool) -> Option<*mut u8> {
            if layout.align() > ALIGN || !STARTED.load(Ordering::Relaxed) {
                return None;
            }
            let chunks = chunks();
            match chunks.current {
                0 => None,
                // SAFETY: `current` is a mapped chunk, and the lock is held.
                current => unsafe { carve(current, layout, zeroed) },
            }
        }

        /// Carves a block for `layout` at the top of `chunk`, if it fits.
        ///
        /// # Safety
        /// `chunk` is a mapped chunk and the caller holds [`CHUNKS`]' lock.
        unsafe fn carve(chunk: usize, layout: Layout, zeroed: bool) -> Option<*mut u8> {
            // SAFETY: the caller's contract.
            let h = unsafe { &mut *header(chunk) };
            let start = h.top.next_multiple_of(layout.align());
            let end = start.checked_add(layout.size())?;
            if end > chunk + CHUNK {
                return None;
            }
            if zeroed && start < h.fresh {
                // Room handed out before and given back: not zero any more.
                // SAFETY: `start..min(end, fresh)` lies inside the chunk, in no live block.
                unsafe { ptr::write_bytes(start as *mut u8, 0, end.min(h.fresh) - start) };
            }
            h.top = end;
            h.fresh = h.fresh.max(end);
            h.live += 1;
            Some(start as *mut u8)
        }

        /// Frees `block`, a live medium or big block of `layout`, if it was carved here;
        /// `false` if the system allocator (or, big, a mapping of its own) made it.
        ///
        /// # Safety
        /// As [`std::alloc::GlobalAlloc::dealloc`].
        pub(super) unsafe fn dealloc(block: *mut u8, layout: Layout) -> bool {
            let mut chunks = chunks();
            if !chunks.owns(block) {
                return false;
            }
            let chunk = chunk_of(block);
            // SAFETY: the chunk is mapped (`owns`), and the lock is held.
            let h = unsafe { &mut *header(chunk) };
            if block as usize + layout.size() == h.top {
                h.top = block as usize;
            }
            h.live -= 1;
            if h.live == 0 {
                if chunk == chunks.current {
                    h.top = chunk + HEADER;
                } else {
                    chunks.unmap(chunk);
                }
            }
            true
        }

        /// Resizes `block` in place to `new_size` if it can (a shrink, or a block at its
        /// chunk's top with room after it): `Some(true)`; `Some(false)` leaves it as it was;
        /// `None` if the system allocator made it.
        ///
        /// # Safety
        /// `block` is a live medium or big block of `layout`; `new_size` with
        /// `layout.align()` is a medium or big layout.
        pub(super) unsafe fn resize(
            block: *mut u8,
            layout: Layout,
            new_size: usize,
        ) -> Option<bool> {
            let chunks = chunks();
            if !chunks.owns(block) {
                return None;
            }
            let chunk = chunk_of(block);
            // SAFETY: the chunk is mapped (`owns`), and the lock is held.
            let h = unsafe { &mut *header(chunk) };
            let (start, end) = (block as usize, block as usize + layout.size());
            let at_top = end == h.top;
            if new_size <= layout.size() {
                if at_top {
                    h.top = start + new_size;
                }
                return Some(true);
            }
            if !at_top || new_size > chunk + CHUNK - start {
                return Some(false);
            }
            h.top = start + new_size;
            h.fresh = h.fresh.max(h.top);
            Some(true)
        }
    }

    #[cfg(test)]
    mod tests {
        use super::*;

        /// Held by the tests that make big or medium blocks: the chunks are the process's,
        /// and a test carving blocks at the same time would move the tops another expects.
        static CHUNKS_IN_TEST: std::sync::Mutex<()> = std::sync::Mutex::new(());

        fn chunks_to_myself() -> std::sync::MutexGuard<'static, ()> {
            CHUNKS_IN_TEST
                .lock()
                .unwrap_or_else(std::sync::PoisonError::into_inner)
        }

        #[test]
        fn big_blocks_are_aligned_zeroed_and_keep_their_contents_when_resized() {
            let _chunks = chunks_to_myself();
            let a = HugePageAlloc;
            // Exactly one huge page; small pages after one; rounded up to huge pages.
            for size in [HUGE, HUGE + 1, 3 * HUGE + 4095, 5_000_000, 7 << 20] {
                let layout = Layout::from_size_align(size, 8).unwrap();
                // SAFETY: a non-zero layout; every block is freed with its own layout.
                unsafe {
                    let p = a.alloc_zeroed(layout);
                    assert!(!p.is_null());
                    // A mapping of its own, unless what is left of a chunk held it.
                    if !medium::carved(p) {
                        assert_eq!(p as usize % HUGE, 0, "{size}");
                    }
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

        /// Writes a pattern of `seed` over `len` bytes at `p` (every 97th byte: any prefix of
        /// the block holds the pattern's prefix).
        unsafe fn fill(p: *mut u8, len: usize, seed: u8) {
            for i in (0..len).step_by(97) {
                // SAFETY: the caller's block holds `len` bytes.
                unsafe { *p.add(i) = seed.wrapping_add(i as u8) };
            }
        }

        /// Whether `fill(p, len, seed)` is still there.
        unsafe fn holds(p: *mut u8, len: usize, seed: u8) -> bool {
            (0..len)
                .step_by(97)
                // SAFETY: the caller's block holds `len` bytes.
                .all(|i| unsafe { *p.add(i) } == seed.wrapping_add(i as u8))
        }

        // One test, not several, and none other at the same time (`chunks_to_myself`).
        #[test]
        fn medium_blocks_share_chunks_grow_at_the_top_and_come_back() {
            let _chunks = chunks_to_myself();
            let a = HugePageAlloc;
            let layout = |size| Layout::from_size_align(size, 16).unwrap();
            assert_eq!(class(&layout(medium::SMALLEST - 1)), Class::Small);
            assert_eq!(class(&layout(medium::SMALLEST)), Class::Medium);
            assert_eq!(class(&layout(HUGE - ROUND_UP_AT_MOST - 1)), Class::Medium);
            assert_eq!(
                class(&Layout::from_size_align(medium::SMALLEST, 8192).unwrap()),
                Class::Small
            );
            // SAFETY: every block is used within its size and freed once with its layout.
            unsafe {
                // Before the first block of 256 KiB, medium blocks are the system's (no
                // other test makes medium blocks).
                let x = a.alloc(layout(100_000));
                assert!(!medium::carved(x));
                let w = a.realloc(x, layout(100_000), 120_000);
                assert!(!medium::carved(w));
                a.dealloc(w, layout(120_000));
                let (x, y) = (a.alloc(layout(100_000)), a.alloc(layout(300_000)));
                assert!(!medium::carved(x) && medium::carved(y));
                fill(x, 100_000, 1);
                fill(y, 300_000, 2);
                // The last block grows in place, and its contents stay.
                let y2 = a.realloc(y, layout(300_000), 900_000);
                assert_eq!(y2, y);
                assert!(holds(y2, 300_000, 2));
                // The system's block moves to the chunk once chunks are in use, and a
                // block below the top moves, with its contents.
                let x1 = a.realloc(x, layout(100_000), 110_000);
                assert!(medium::carved(x1));
                assert!(holds(x1, 100_000, 1));
                let t = a.alloc(layout(70_000));
                let x2 = a.realloc(x1, layout(110_000), 200_000);
                assert_ne!(x2, x1);
                assert!(holds(x2, 100_000, 1));
                a.dealloc(t, layout(70_000));
                assert!(holds(y2, 300_000, 2));
                // Room given back and handed out again is zeroed when asked.
                a.dealloc(x2, layout(200_000));
                let z = a.alloc_zeroed(layout(150_000));
                assert!(
                    std::slice::from_raw_parts(z, 150_000)
                        .iter()
                        .all(|&b| b == 0)
                );
                fill(z, 150_000, 3);
                a.dealloc(z, layout(150_000));
                let z = a.alloc_zeroed(layout(150_000));
                assert!(
                    std::slice::from_raw_parts(z, 150_000)
                        .iter()
                        .all(|&b| b == 0)
                );
                // Shrinking keeps the block; shrinking out of the class moves it.
                let y3 = a.realloc(y2, layout(900_000), 200_000);
                assert_eq!(y3, y2);
                assert!(holds(y3, 200_000, 2));
                let y4 = a.realloc(y3, layout(200_000), 1000);
                assert!(holds(y4, 1000, 2));
                a.dealloc(y4, layout(1000));
                // Blocks that do not fit what is left of a chunk go to a new one.
                let big: Vec<_> = (0..6).map(|_| a.alloc(layout(1_400_000))).collect();
                for (i, &p) in big.iter().enumerate() {
                    fill(p, 1_400_000, i as u8);
                }
                for (i, &p) in big.iter().enumerate() {
                    assert!(holds(p, 1_400_000, i as u8));
                }
                for p in big {
                    a.dealloc(p, layout(1_400_000));
                }
                a.dealloc(z, layout(150_000));
                // The current chunk, empty, starts over. A big block is carved after the
                // medium ones when it fits, grows there in place, and is zeroed when asked
                // where room was handed out before.
                let m = a.alloc(layout(300_000));
                fill(m, 300_000, 4);
                let b = a.alloc_zeroed(layout(1_600_000));
                assert!(medium::carved(m) && medium::carved(b));
                assert_eq!(b as usize, m as usize + 300_000);
                assert!(
                    std::slice::from_raw_parts(b, 1_600_000)
                        .iter()
                        .all(|&x| x == 0)
                );
                fill(b, 1_600_000, 5);
                let b2 = a.realloc(b, layout(1_600_000), 1_700_000);
                assert_eq!(b2, b);
                // One that does not fit what is left has a mapping of its own, and the
                // chunk stays current: the next medium block follows the big one.
                let own = a.alloc(layout(3 << 20));
                assert!(!medium::carved(own));
                assert_eq!(own as usize % HUGE, 0);
                fill(own, 3 << 20, 6);
                let after = a.alloc(layout(100_000));
                assert_eq!(after as usize, b2 as usize + 1_700_000);
                // A carved big block given back at the top, and shrunk in place.
                a.dealloc(after, layout(100_000));
                let b3 = a.realloc(b2, layout(1_700_000), 1_000_000);
                assert_eq!(b3, b2);
                assert!(holds(b3, 1_000_000, 5) && holds(m, 300_000, 4));
                // Grown past the chunk's end it moves to a mapping of its own.
                let b4 = a.realloc(b3, layout(1_000_000), 5 << 20);
                assert!(!medium::carved(b4) && holds(b4, 1_000_000, 5));
                let own2 = a.realloc(own, layout(3 << 20), 6 << 20);
                assert!(holds(own2, 3 << 20, 6));
                a.dealloc(own2, layout(6 << 20));
                a.dealloc(b4, layout(5 << 20));
                a.dealloc(m, layout(300_000));
            }
            // Threads carving, growing and freeing at once keep their blocks apart.
            let threads: Vec<_> = (0..4u8)
                .map(|t| {
                    std::thread::spawn(move || {
                        let a = HugePageAlloc;
                        let mut live: Vec<(usize, usize, u8)> = Vec::new();
                        let mut seed = u32::from(t) * 7919 + 1;
                        for step in 0..400u32 {
                            seed = seed.wrapping_mul(1_103_515_245).wrapping_add(12_345);
                            let size = medium::SMALLEST + (seed as usize >> 8) % 700_000;
                            let tag = (step % 251) as u8;
                            // SAFETY: as above.
                            unsafe {
                                match seed % 3 {
                                    0 if !live.is_empty() => {
                                        let (p, len, tag) =
                                            live.swap_remove(seed as usize % live.len());
                                        assert!(holds(p as *mut u8, len, tag));
                                        a.dealloc(p as *mut u8, layout(len));
                                    }
                                    1 if !live.is_empty() => {
                                        let i = seed as usize % live.len();
                                        let (p, len, tag) = live[i];
                                        let p = a.realloc(p as *mut u8, layout(len), size);
                                        assert!(holds(p, len.min(size), tag));
                                        fill(p, size, tag);
                                        live[i] = (p as usize, size, tag);
                                    }
                                    _ => {
                                        let p = a.alloc(layout(size));
                                        fill(p, size, tag);
                                        live.push((p as usize, size, tag));
                                    }
                                }
                            }
                        }
                        for (p, len, tag) in live {
                            // SAFETY: as above.
                            unsafe {
                                assert!(holds(p as *mut u8, len, tag));
                                a.dealloc(p as *mut u8, layout(len));
                            }
                        }
                    })
                })
                .collect();
            for t in threads {
                t.join().unwrap();
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
