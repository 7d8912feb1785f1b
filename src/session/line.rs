//! Serial line facts the page and the command line share: the baud rates tried when the
//! rate is unknown, and the test that a rate is right.

use super::{Clock, Session, Transport};

/// Baud rates offered and tried, the usual default first, then the rest most common first.
pub const BAUD_PRESETS: [u32; 8] = [
    115_200, 9_600, 19_200, 38_400, 57_600, 230_400, 460_800, 921_600,
];

/// True when the module answers `AT` (two tries) on this session's port: the test "Find
/// baud rate" applies to each rate in [`BAUD_PRESETS`].
pub async fn answers_at<T: Transport, C: Clock>(session: &mut Session<T, C>) -> bool {
    session.probe(2).await.is_ok()
}
