//! Adopting infrastructure strata did not create: configuration generated from real objects
//! (for `import` blocks, which `plan::imports` evaluates), Terraform state migration, and
//! discovery of unmanaged objects.

pub mod discover;
pub mod generate;
pub mod tfstate;
