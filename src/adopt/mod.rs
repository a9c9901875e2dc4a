//! Adopting infrastructure strata did not create: `import` blocks (evaluated here, planned in
//! `plan::build`), configuration generated from real objects, Terraform state migration, and
//! discovery of unmanaged objects.

pub mod discover;
pub mod generate;
pub mod imports;
pub mod tfstate;
