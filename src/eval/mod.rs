//! Expression evaluation: values with unknown/sensitive marks, scopes, functions.

pub mod body;
pub mod expr;
pub mod functions;
mod provider_config;
pub mod walk;

pub use crate::value::{Map, Value};
pub use expr::{Evaluator, Scope};
pub use provider_config::{ProviderKind, ProviderSettings};
