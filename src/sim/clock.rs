//! Time for simulated modules: a virtual clock that tests and benchmarks drive without real
//! sleeps, and a wrapper that lets the page pace the same model with its browser clock.

use core::cell::RefCell;
use core::future::poll_fn;
use core::task::{Poll, Waker};
use std::rc::Rc;

use crate::at::Instant;
use crate::session::Clock;

#[derive(Debug, Default)]
struct State {
    now: Instant,
    /// Bumped on every move, so a read can tell whether anyone moved time since its last poll.
    generation: u64,
    /// The earliest instant a pending read wants to be woken at, and its waker.
    wanted: Option<(Instant, Waker)>,
}

/// A cloneable handle on one virtual time line. `sleep_until` completes by moving time
/// forward; a [`super::SimPort`] read asks the clock to stop at the next byte's arrival, so
/// a race of `read` (polled first) against `sleep_until(deadline)` resolves exactly and
/// deterministically.
#[derive(Clone, Debug, Default)]
pub struct VirtualClock {
    state: Rc<RefCell<State>>,
}

impl VirtualClock {
    pub fn new() -> Self {
        Self::default()
    }

    /// Moves time forward to `to` (never backward).
    pub fn advance_to(&self, to: Instant) {
        let waker = {
            let mut s = self.state.borrow_mut();
            if to <= s.now {
                return;
            }
            s.now = to;
            s.generation += 1;
            match &s.wanted {
                Some((at, _)) if *at <= to => s.wanted.take().map(|(_, w)| w),
                _ => None,
            }
        };
        if let Some(w) = waker {
            w.wake();
        }
    }

    pub fn advance(&self, by: core::time::Duration) {
        let to = self.now() + by;
        self.advance_to(to);
    }

    pub(crate) fn generation(&self) -> u64 {
        self.state.borrow().generation
    }

    /// A pending read registers the arrival time of its next byte.
    pub(crate) fn want(&self, at: Instant, waker: &Waker) {
        let mut s = self.state.borrow_mut();
        let keep_old = matches!(&s.wanted, Some((old, _)) if *old < at);
        if !keep_old {
            s.wanted = Some((at, waker.clone()));
        }
    }
}

impl Clock for VirtualClock {
    fn now(&self) -> Instant {
        self.state.borrow().now
    }

    async fn sleep_until(&self, deadline: Instant) {
        poll_fn(|cx| {
            let now = self.now();
            if now >= deadline {
                return Poll::Ready(());
            }
            let wanted = self.state.borrow().wanted.as_ref().map(|(at, _)| *at);
            match wanted {
                // A read waits for a byte due by the deadline: stop there and let the
                // read (polled first in the next round) take it.
                Some(at) if at > now && at <= deadline => {
                    self.advance_to(at);
                    cx.waker().wake_by_ref();
                    Poll::Pending
                }
                _ => {
                    self.state.borrow_mut().wanted = None;
                    self.advance_to(deadline);
                    Poll::Ready(())
                }
            }
        })
        .await
    }
}

/// How a simulated port uses its clock. Implemented by [`VirtualClock`] (the port moves
/// time itself) and by [`RealTime`] (the port sleeps on the wrapped clock).
pub trait SimClock: Clock {
    fn as_virtual(&self) -> Option<&VirtualClock> {
        None
    }
}

impl SimClock for VirtualClock {
    fn as_virtual(&self) -> Option<&VirtualClock> {
        Some(self)
    }
}

/// A real clock (the page's `performance.now()`, or a native one) pacing a simulated
/// module: reads sleep on it until the next byte is due.
#[derive(Clone, Debug)]
pub struct RealTime<C>(pub C);

impl<C: Clock> Clock for RealTime<C> {
    fn now(&self) -> Instant {
        self.0.now()
    }

    async fn sleep_until(&self, deadline: Instant) {
        self.0.sleep_until(deadline).await
    }
}

impl<C: Clock> SimClock for RealTime<C> {}

/// A duration in whole nanoseconds, saturating (the simulators' time unit).
pub(crate) fn duration_ns(d: core::time::Duration) -> u64 {
    u64::try_from(d.as_nanos()).unwrap_or(u64::MAX)
}

#[cfg(test)]
mod tests {
    use super::*;
    use core::task::{Context, Waker};
    use futures::executor::block_on;

    #[test]
    fn sleep_moves_time_and_stops_at_a_wanted_instant() {
        let clock = VirtualClock::new();
        block_on(clock.sleep_until(Instant::from_micros(500)));
        assert_eq!(clock.now(), Instant::from_micros(500));
        // A pending read wants t=800: a sleep to 1000 stops there first, then finishes.
        let waker = Waker::noop();
        clock.want(Instant::from_micros(800), waker);
        let mut sleep = core::pin::pin!(clock.sleep_until(Instant::from_micros(1000)));
        let mut cx = Context::from_waker(waker);
        assert!(sleep.as_mut().poll(&mut cx).is_pending());
        assert_eq!(clock.now(), Instant::from_micros(800));
        assert!(sleep.as_mut().poll(&mut cx).is_ready());
        assert_eq!(clock.now(), Instant::from_micros(1000));
        // Time never goes back.
        clock.advance_to(Instant::from_micros(10));
        assert_eq!(clock.now(), Instant::from_micros(1000));
    }
}
