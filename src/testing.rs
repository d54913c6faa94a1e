//! Helpers shared by unit tests.

/// Marsaglia's xorshift64 (13, 7, 17): repeatable pseudo-random input for tests that hold a
/// fast path to its definition. Not for anything else.
pub(crate) fn xorshift64(seed: u64) -> impl FnMut() -> u64 {
    let mut state = seed;
    move || {
        state ^= state << 13;
        state ^= state >> 7;
        state ^= state << 17;
        state
    }
}
