//! strata: Terraform-style provisioning for the AWS data tier.
//!
//! The pipeline runs one way: config → graph → eval → plan → exec → apply, each stage owning
//! one module, each layer using only the layers below it. docs/ARCHITECTURE.md describes the
//! pipeline, the layer order (enforced by tests/it/layers.rs), what each folder owns, the AWS
//! kit and how to add a resource type.

pub mod addr;
pub mod adopt;
pub mod apply;
pub mod check;
pub mod cli;
pub mod config;
pub mod diag;
pub mod drill;
pub mod eval;
pub mod exec;
pub mod fmt;
pub mod graph;
pub mod plan;
pub mod provider;
pub mod redact;
pub mod schema;
pub mod sdk_error;
pub mod state;
pub mod value;
