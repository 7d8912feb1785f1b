//! Simulated modules, one per family, faithful to `shared/reference/modules/`: for tests,
//! benchmarks and the page's demo mode.
