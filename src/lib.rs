//! strata: Terraform-style provisioning for the AWS data tier.
//!
//! The pipeline runs one way: config → eval → graph → plan → exec, each stage owning one module
//! (see DESIGN.md).

pub mod addr;
pub mod adopt;
pub mod apply;
pub mod check;
pub mod cli;
pub mod config;
pub mod diag;
pub mod eval;
pub mod exec;
pub mod fmt;
pub mod graph;
pub mod plan;
pub mod provider;
pub mod redact;
pub mod schema;
pub mod state;
pub mod value;
