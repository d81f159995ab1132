//! A hint to the CPU that some memory is about to be read.
//!
//! A model whose state is larger than the cache (tens of thousands of
//! streams) waits on memory more than it computes; starting the loads for
//! the next few events while the current one runs hides that wait. The
//! hint never changes what a program computes, only when bytes arrive.
//!
//! Why the `unsafe` stays (the bar is 5 % on `scripts/bench.sh`): metro at
//! 600 simulated seconds (50 k streams) took a median 3.53 s with the
//! prefetches against 6.09 s with this function empty (-42 %; 6
//! alternating runs each, pinned, `bench-fast` profile). std offers no
//! stable prefetch, and `_mm_prefetch` is an `unsafe fn`.

/// Starts loading the cache lines `value` lies on (at most four lines).
#[inline(always)]
pub fn prefetch<T>(value: &T) {
    let p = value as *const T as *const i8;
    // Every line from the first byte's to the last byte's: a 64-byte value
    // that is not line-aligned spans two (the read slab's did, and its
    // state field sat in the unloaded one).
    let offset = p as usize % 64;
    let lines = (offset + std::mem::size_of::<T>().max(1)).div_ceil(64);
    let p = p.wrapping_sub(offset);
    for k in 0..lines.min(4) {
        #[cfg(target_arch = "x86_64")]
        // SAFETY: a prefetch is only a hint; it never faults, whatever the
        // address, and SSE is part of every x86-64 CPU.
        unsafe {
            std::arch::x86_64::_mm_prefetch::<{ std::arch::x86_64::_MM_HINT_T0 }>(p.wrapping_add(64 * k))
        };
        #[cfg(not(target_arch = "x86_64"))]
        let _ = p.wrapping_add(64 * k);
    }
}
