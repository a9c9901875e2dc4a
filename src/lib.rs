//! strata: Terraform-style provisioning for the AWS data tier.
//!
//! The pipeline runs one way: config → eval → graph → plan → exec, each stage owning one module
//! (see DESIGN.md).

pub mod addr;
pub mod cli;
pub mod config;
pub mod diag;
pub mod eval;
pub mod fmt;
pub mod graph;
pub mod provider;
pub mod state;
