//! Expression evaluation: values with unknown/sensitive marks, scopes, functions.

pub mod body;
pub mod expr;
pub mod functions;
pub mod walk;

pub use crate::value::{Map, Value};
pub use expr::{Evaluator, Scope};
