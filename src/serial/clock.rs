//! The native [`Clock`]: `std::time::Instant` for now, a timer thread for sleeps.

use std::time::Instant as StdInstant;

use crate::at::Instant;
use crate::session::Clock;

/// Microseconds since the clock was made. Cheap to clone; clones share the origin, so
/// instants from a serial port and from a simulated module on the same clock compare.
#[derive(Clone, Copy, Debug)]
pub struct NativeClock {
    origin: StdInstant,
}

impl NativeClock {
    pub fn new() -> Self {
        Self {
            origin: StdInstant::now(),
        }
    }
}

impl Default for NativeClock {
    fn default() -> Self {
        Self::new()
    }
}

impl Clock for NativeClock {
    fn now(&self) -> Instant {
        Instant::from_micros(u64::try_from(self.origin.elapsed().as_micros()).unwrap_or(u64::MAX))
    }

    async fn sleep_until(&self, deadline: Instant) {
        // A timer may fire a little early on some systems: loop until it is truly due.
        loop {
            let left = deadline.saturating_duration_since(self.now());
            if left.is_zero() {
                return;
            }
            futures_timer::Delay::new(left).await;
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sleeps_until_the_deadline_and_not_much_longer() {
        let clock = NativeClock::new();
        let deadline = clock.now() + core::time::Duration::from_millis(20);
        futures::executor::block_on(clock.sleep_until(deadline));
        let late = clock.now().saturating_duration_since(deadline);
        assert!(clock.now() >= deadline);
        assert!(late < core::time::Duration::from_millis(200), "{late:?}");
    }
}
