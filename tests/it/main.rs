//! The integration test binary: every test that talks to the AWS emulator lives here, so one
//! emulator server serves them all (see `emulator.rs`).

mod adopt;
mod emulator;
mod emulator_smoke;
mod engine;
mod examples;
mod faults;
mod provider_aurora;
mod provider_elasticache;
mod provider_rds;
mod provider_rules_snapshots;
mod provider_security_group;
mod state_remote;
mod support;
