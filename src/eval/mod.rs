//! Expression evaluation: values with unknown/sensitive marks, scopes, functions.

pub mod body;
pub mod expr;
pub mod functions;
pub mod value;
pub mod walk;

pub use expr::{Evaluator, Scope};
pub use value::{Map, Value};
