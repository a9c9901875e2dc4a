//! The integration test binary: every test that talks to the AWS emulator lives here, so one
//! emulator server serves them all (see `emulator.rs`).

mod check;
mod emulator;
mod emulator_smoke;
mod provider_rds;
mod provider_security_group;
