//! Cancellation: a cloneable token the page's Cancel button sets and the runner checks
//! between data chunks and races against every read.

use std::cell::{Cell, RefCell};
use std::future::Future;
use std::pin::Pin;
use std::rc::Rc;
use std::task::{Context, Poll, Waker};

/// Shared by the page and the runner. Not `Send`: it lives on the page's one thread.
#[derive(Clone, Debug, Default)]
pub struct CancelToken {
    inner: Rc<Inner>,
}

#[derive(Debug, Default)]
struct Inner {
    cancelled: Cell<bool>,
    wakers: RefCell<Vec<Waker>>,
}

impl CancelToken {
    pub fn new() -> Self {
        Self::default()
    }

    /// Asks the running step to stop at the next chunk or read.
    pub fn cancel(&self) {
        self.inner.cancelled.set(true);
        for waker in self.inner.wakers.borrow_mut().drain(..) {
            waker.wake();
        }
    }

    pub fn is_cancelled(&self) -> bool {
        self.inner.cancelled.get()
    }

    /// Clears the flag so the same token can serve the next run.
    pub fn reset(&self) {
        self.inner.cancelled.set(false);
    }

    /// Completes once [`CancelToken::cancel`] has been called.
    pub fn cancelled(&self) -> Cancelled<'_> {
        Cancelled { token: self }
    }
}

/// The future returned by [`CancelToken::cancelled`].
#[derive(Debug)]
pub struct Cancelled<'a> {
    token: &'a CancelToken,
}

impl Future for Cancelled<'_> {
    type Output = ();

    fn poll(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<()> {
        if self.token.is_cancelled() {
            return Poll::Ready(());
        }
        let mut wakers = self.token.inner.wakers.borrow_mut();
        if !wakers.iter().any(|w| w.will_wake(cx.waker())) {
            wakers.push(cx.waker().clone());
        }
        Poll::Pending
    }
}
