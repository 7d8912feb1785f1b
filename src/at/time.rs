//! A platform-free instant. The engine and the simulators take time as a value; only the
//! session's `Clock` implementations read a real clock (`performance.now()` in the page,
//! `std::time::Instant` natively, a virtual clock in the simulators).

use core::ops::{Add, Sub};
use core::time::Duration;

/// Microseconds since an origin chosen by the clock that made it. Only differences and
/// comparisons between instants of the same clock mean anything.
#[derive(Clone, Copy, Debug, Default, Eq, Hash, Ord, PartialEq, PartialOrd)]
pub struct Instant(u64);

impl Instant {
    /// The clock's origin.
    pub const ZERO: Self = Self(0);

    pub const fn from_micros(micros: u64) -> Self {
        Self(micros)
    }

    pub const fn as_micros(self) -> u64 {
        self.0
    }

    /// Time from `earlier` to `self`, or zero when `earlier` is later.
    pub fn saturating_duration_since(self, earlier: Self) -> Duration {
        Duration::from_micros(self.0.saturating_sub(earlier.0))
    }
}

impl Add<Duration> for Instant {
    type Output = Self;

    /// Saturates instead of overflowing: a timeout of `Duration::MAX` means "never".
    fn add(self, rhs: Duration) -> Self {
        let micros = u64::try_from(rhs.as_micros()).unwrap_or(u64::MAX);
        Self(self.0.saturating_add(micros))
    }
}

impl Sub<Instant> for Instant {
    type Output = Duration;

    fn sub(self, rhs: Instant) -> Duration {
        self.saturating_duration_since(rhs)
    }
}

#[cfg(test)]
mod tests {
    #[cfg(all(target_family = "wasm", target_os = "unknown"))]
    use wasm_bindgen_test::wasm_bindgen_test as test;

    use super::*;

    #[test]
    fn adds_and_subtracts_without_overflow() {
        let t = Instant::from_micros(1_000);
        assert_eq!((t + Duration::from_millis(2)).as_micros(), 3_000);
        assert_eq!(
            Instant::from_micros(u64::MAX - 1) + Duration::MAX,
            Instant::from_micros(u64::MAX)
        );
        assert_eq!(t - Instant::from_micros(5_000), Duration::ZERO);
        assert_eq!(Instant::from_micros(5_000) - t, Duration::from_millis(4));
    }
}
