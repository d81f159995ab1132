//! A global allocator that backs large allocations with transparent huge
//! pages.
//!
//! A model with tens of thousands of streams touches a few cache lines of a
//! different stream every event, spread over arrays of tens of megabytes
//! (on `metro.json` the streams of 150 000 sessions, 19 MB). With 4 KiB
//! pages nearly every such touch also misses the TLB, and a prefetch that
//! misses the TLB waits for the page walk: perf put 9 % of the metro run's
//! samples on the stream prefetch alone. Allocations of at least 2 MiB are
//! therefore mapped here on 2 MiB boundaries and marked `MADV_HUGEPAGE`, so
//! the kernel backs them with huge pages even where transparent huge pages
//! are enabled only on request (`madvise`, the usual default); ~24 MB of a
//! metro run sits on huge pages, and peak RSS grows by ~3 MB.
//!
//! Why it stays (the bar is 5 % on `scripts/bench.sh`): the full metro run
//! of bench part (c), 2 h and 50 k streams, took a median 35.6 s with this
//! allocator against 38.9 s with the system's (-8 %; 4 alternating runs
//! each, pinned, `bench-fast` profile, THP on `madvise`); metro at 600
//! simulated seconds -6.7 % and -5.9 % (medians of 6 and 12).
//!
//! Where huge pages are off (`never`) the advice is ignored and the memory is
//! ordinary. Smaller allocations, and every allocation off Linux, go to the
//! system allocator. Where memory lies never changes what a run computes.

use std::alloc::{GlobalAlloc, Layout, System};

/// Huge page size on x86-64 and aarch64 Linux [bytes].
const HUGE_PAGE: usize = 2 << 20;

/// The allocator; `main.rs` installs it with `#[global_allocator]`.
pub struct HugePageAlloc;

/// Whether an allocation of `layout` is mapped here rather than by the
/// system allocator. It depends on the layout only, so `dealloc` and
/// `realloc`, which get the layout of the allocation, agree with `alloc`.
fn mapped_here(layout: Layout) -> bool {
    cfg!(target_os = "linux") && layout.size() >= HUGE_PAGE && layout.align() <= HUGE_PAGE
}

/// Bytes mapped for an allocation of `size`: whole huge pages.
fn mapped_len(size: usize) -> usize {
    size.div_ceil(HUGE_PAGE) * HUGE_PAGE
}

#[cfg(target_os = "linux")]
mod map {
    use super::HUGE_PAGE;

    /// Maps `len` bytes (a multiple of `HUGE_PAGE`) of zeroed memory on a
    /// `HUGE_PAGE` boundary, advised to be backed by huge pages; null if
    /// the system has no memory for it.
    pub fn map(len: usize) -> *mut u8 {
        // Over-map by one huge page and trim, since mmap only promises
        // 4 KiB alignment and a huge page must start on a 2 MiB boundary.
        let Some(over) = len.checked_add(HUGE_PAGE) else { return std::ptr::null_mut() };
        // SAFETY: an anonymous private mapping at an address the kernel
        // chooses touches no existing memory.
        let raw = unsafe {
            libc::mmap(std::ptr::null_mut(), over, libc::PROT_READ | libc::PROT_WRITE, libc::MAP_PRIVATE | libc::MAP_ANONYMOUS, -1, 0)
        };
        if raw == libc::MAP_FAILED {
            return std::ptr::null_mut();
        }
        let start = raw as usize;
        let aligned = start.next_multiple_of(HUGE_PAGE);
        let head = aligned - start;
        let tail = over - head - len;
        // SAFETY: both ranges lie inside the mapping just made and outside
        // the part handed out; munmap of a zero length is skipped.
        unsafe {
            if head > 0 {
                libc::munmap(raw, head);
            }
            if tail > 0 {
                libc::munmap((aligned + len) as *mut libc::c_void, tail);
            }
            // Advice only: if the kernel declines, the memory is ordinary.
            libc::madvise(aligned as *mut libc::c_void, len, libc::MADV_HUGEPAGE);
        }
        aligned as *mut u8
    }

    /// Unmaps what `map(len)` returned.
    ///
    /// # Safety
    /// `ptr` and `len` come from one `map` call, and nothing uses the
    /// memory afterwards.
    pub unsafe fn unmap(ptr: *mut u8, len: usize) {
        // SAFETY: the caller's contract.
        unsafe { libc::munmap(ptr as *mut libc::c_void, len) };
    }
}

#[cfg(not(target_os = "linux"))]
mod map {
    pub fn map(_len: usize) -> *mut u8 {
        unreachable!("only Linux maps allocations itself")
    }
    pub unsafe fn unmap(_ptr: *mut u8, _len: usize) {
        unreachable!("only Linux maps allocations itself")
    }
}

// SAFETY: every allocation mapped here is at least as large and as aligned
// as its layout asks (whole huge pages on a huge-page boundary, and
// `mapped_here` admits no alignment above a huge page); it is unmapped only
// by `dealloc`/`realloc` with the layout it was allocated with, which
// `mapped_here` classifies the same way. Everything else is the system
// allocator's, with the same layouts.
unsafe impl GlobalAlloc for HugePageAlloc {
    unsafe fn alloc(&self, layout: Layout) -> *mut u8 {
        if mapped_here(layout) {
            map::map(mapped_len(layout.size()))
        } else {
            // SAFETY: the caller's contract, passed on.
            unsafe { System.alloc(layout) }
        }
    }

    unsafe fn alloc_zeroed(&self, layout: Layout) -> *mut u8 {
        if mapped_here(layout) {
            // A fresh anonymous mapping is already zero: writing zeros would
            // only fault in every page.
            map::map(mapped_len(layout.size()))
        } else {
            // SAFETY: the caller's contract, passed on.
            unsafe { System.alloc_zeroed(layout) }
        }
    }

    unsafe fn dealloc(&self, ptr: *mut u8, layout: Layout) {
        if mapped_here(layout) {
            // SAFETY: `ptr` was mapped by `alloc` for this layout.
            unsafe { map::unmap(ptr, mapped_len(layout.size())) }
        } else {
            // SAFETY: the caller's contract, passed on.
            unsafe { System.dealloc(ptr, layout) }
        }
    }

    unsafe fn realloc(&self, ptr: *mut u8, layout: Layout, new_size: usize) -> *mut u8 {
        // SAFETY: the caller guarantees `new_size`, rounded up to the
        // alignment, does not overflow isize, which is what a Layout needs.
        let new_layout = unsafe { Layout::from_size_align_unchecked(new_size, layout.align()) };
        if !mapped_here(layout) && !mapped_here(new_layout) {
            // SAFETY: the caller's contract, passed on.
            return unsafe { System.realloc(ptr, layout, new_size) };
        }
        if mapped_here(layout) && mapped_here(new_layout) && mapped_len(new_size) == mapped_len(layout.size()) {
            // Same huge pages: the mapping already has room.
            return ptr;
        }
        // SAFETY: `new_layout` is valid (above) and its size is non-zero,
        // which `GlobalAlloc::realloc` requires of `new_size`.
        let new = unsafe { self.alloc(new_layout) };
        if !new.is_null() {
            // SAFETY: both blocks are valid for the smaller of the two sizes
            // and distinct allocations; the old one is freed only after.
            unsafe {
                std::ptr::copy_nonoverlapping(ptr, new, layout.size().min(new_size));
                self.dealloc(ptr, layout);
            }
        }
        new
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn fill(p: *mut u8, n: usize, seed: u8) {
        for i in (0..n).step_by(4093) {
            // SAFETY: i < n, inside the block.
            unsafe { *p.add(i) = seed.wrapping_add(i as u8) };
        }
    }

    fn check(p: *const u8, n: usize, seed: u8) {
        for i in (0..n).step_by(4093) {
            // SAFETY: i < n, inside the block.
            assert_eq!(unsafe { *p.add(i) }, seed.wrapping_add(i as u8), "byte {i}");
        }
    }

    #[test]
    fn large_blocks_are_huge_page_aligned_zeroed_and_keep_their_bytes_across_realloc() {
        let a = HugePageAlloc;
        let sizes = [HUGE_PAGE - 1, HUGE_PAGE, HUGE_PAGE + 1, 3 * HUGE_PAGE + 12_345, 19_200_000];
        for (k, &size) in sizes.iter().enumerate() {
            for align in [8, 64, 4096] {
                let layout = Layout::from_size_align(size, align).unwrap();
                // SAFETY: non-zero size; freed below with the same layout.
                let p = unsafe { a.alloc_zeroed(layout) };
                assert!(!p.is_null());
                assert_eq!(p as usize % align, 0);
                if mapped_here(layout) {
                    assert_eq!(p as usize % HUGE_PAGE, 0, "size {size}");
                }
                // SAFETY: the whole block is valid to read.
                assert!((0..size).step_by(997).all(|i| unsafe { *p.add(i) } == 0));
                fill(p, size, k as u8);
                // Grow across the threshold and back down, by the same
                // amount that a Vec's doubling and a shrink would.
                let mut cur = (p, layout);
                for new_size in [size * 2, size + 7, size / 3 + 1, size] {
                    // SAFETY: cur is live with its layout; new_size > 0.
                    let q = unsafe { a.realloc(cur.0, cur.1, new_size) };
                    assert!(!q.is_null());
                    assert_eq!(q as usize % align, 0);
                    check(q, new_size.min(cur.1.size()).min(size), k as u8);
                    cur = (q, Layout::from_size_align(new_size, align).unwrap());
                    if new_size < size {
                        // Restore the pattern the shrink cut off.
                        fill(q, new_size, k as u8);
                    }
                }
                // SAFETY: cur is live with its layout.
                unsafe { a.dealloc(cur.0, cur.1) };
            }
        }
    }

    #[test]
    fn small_blocks_go_to_the_system_allocator_unchanged() {
        let a = HugePageAlloc;
        let layout = Layout::from_size_align(1000, 16).unwrap();
        assert!(!mapped_here(layout));
        // SAFETY: non-zero size; freed with the same layout.
        unsafe {
            let p = a.alloc(layout);
            fill(p, 1000, 3);
            let q = a.realloc(p, layout, 1500);
            check(q, 1000, 3);
            a.dealloc(q, Layout::from_size_align(1500, 16).unwrap());
        }
        assert!(!mapped_here(Layout::from_size_align(HUGE_PAGE, 2 * HUGE_PAGE).unwrap()));
    }
}
