//! Browser-only platform code: Web Serial transport, browser clock, files in and out.
