//! The async runner: drives the `at` engine over a [`Transport`] and a [`Clock`].
//!
//! This is the only async part of the core. Nothing here is `Send`: Web Serial handles are
//! JavaScript objects that live on the page's one thread.
//!
//! A flow holds one [`Session`], names each step with [`Session::begin_step`], and runs
//! [`crate::at::Command`]s with [`Session::run`]. Every byte goes into the [`Transcript`];
//! progress goes to the sink given to [`Session::set_progress`]; a [`CancelToken`] stops a
//! step between data chunks or during any read.
//!
//! ```no_run
//! # use atcert::at::{Command, DataPhase};
//! # use atcert::modules::Family;
//! # use atcert::session::{Clock, SessionOptions, Progress, Session, StepError, Transport};
//! async fn upload_ca(
//!     transport: impl Transport,
//!     clock: impl Clock,
//!     pem: Vec<u8>,
//! ) -> Result<(), StepError> {
//!     let mut session = Session::new(transport, clock, SessionOptions::with_engine(Family::Sim7600.engine_config()));
//!     session.set_progress(|p: &Progress| println!("{p:?}"));
//!     session.probe(5).await?;
//!     session.begin_step(1, 1, "Upload the CA certificate");
//!     let line = format!(r#"AT+CCERTDOWN="ca.pem",{}"#, pem.len());
//!     session.run(&Command::new(line).with_data(DataPhase::after_prompt(pem))).await?;
//!     println!("{}", session.transcript().to_text());
//!     Ok(())
//! }
//! ```

pub mod cancel;
pub mod error;
pub mod line;
pub mod runner;
pub mod transcript;
pub mod transport;

pub use cancel::CancelToken;
pub use error::{ExplainFn, Explanation, Failure, StepError, generic_explanation};
pub use runner::{Probe, Progress, Response, Session, SessionOptions, Terminator};
pub use transcript::{Direction, EscapeError, Record, Transcript, escape, unescape};
pub use transport::{Clock, Transport, TransportError};
