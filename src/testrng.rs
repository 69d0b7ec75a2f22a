//! A small deterministic generator for unit tests (Knuth's MMIX linear congruential
//! generator): tests that draw random cases need no dependency for it and draw the same
//! cases on every run.

pub(crate) struct Lcg(pub u64);

impl Lcg {
    pub(crate) fn next_u64(&mut self) -> u64 {
        self.0 = self
            .0
            .wrapping_mul(6364136223846793005)
            .wrapping_add(1442695040888963407);
        self.0
    }

    /// A value in `0..m`, from the high bits.
    pub(crate) fn below(&mut self, m: u64) -> u64 {
        (self.next_u64() >> 33) % m
    }
}
