//! A cache hint for loops that read records from anywhere in memory.
//!
//! Comparing candidate pairs and clustering links read the records of each
//! pair from anywhere among a million records, so without a hint each read
//! waits on memory. The standard library has no portable prefetch, hence
//! this wrapper around the x86-64 instruction; elsewhere it does nothing.

/// How many items ahead a loop prefetches the records it will read.
pub(crate) const AHEAD: usize = 8;

/// Asks the processor to start loading the cache lines of `value`, so that
/// reading it later does not wait on memory.
#[inline]
pub(crate) fn prefetch<T>(value: &T) {
    #[cfg(target_arch = "x86_64")]
    {
        use std::arch::x86_64::{_MM_HINT_T0, _mm_prefetch};
        let start: *const i8 = (value as *const T).cast();
        for offset in (0..std::mem::size_of::<T>()).step_by(64) {
            // SAFETY: a prefetch is a hint that never faults and changes no
            // memory, and `start + offset` lies inside `value`.
            unsafe { _mm_prefetch::<_MM_HINT_T0>(start.wrapping_add(offset)) };
        }
    }
    #[cfg(not(target_arch = "x86_64"))]
    let _ = value;
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn prefetch_leaves_values_alone() {
        let values: Vec<[u64; 20]> = (0..4).map(|i| [i; 20]).collect();
        for value in &values {
            prefetch(value);
        }
        prefetch(&());
        let firsts: Vec<u64> = values.iter().map(|v| v[0]).collect();
        assert_eq!(firsts, [0, 1, 2, 3]);
    }
}
