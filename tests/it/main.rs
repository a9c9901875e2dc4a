//! The integration test binary: every test that talks to the AWS emulator lives here, so one
//! emulator server serves them all (see `emulator.rs`). The `lang*` modules need no emulator.

mod adopt;
mod check;
mod cli_errors;
mod cli_terraform;
mod drill;
mod emulator;
mod emulator_smoke;
mod engine;
mod engine_fake;
mod examples;
mod faults;
mod gitops;
mod journal;
mod lang;
mod lang_eval;
mod lang_fmt;
mod lang_graph;
mod lang_hostile;
mod lang_modules;
mod lang_terraform;
mod layers;
mod live_view;
mod modules_install;
mod plan_views;
mod provider_aurora;
mod provider_elasticache;
mod provider_rds;
mod provider_rds_write_only;
mod provider_rules_snapshots;
mod provider_security_group;
mod provider_timeouts;
mod registry_server;
mod resource_region;
mod state_remote;
mod support;
