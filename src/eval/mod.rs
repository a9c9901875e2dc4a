//! Expression evaluation: values with unknown/sensitive marks, scopes, functions.

pub mod expr;
pub mod functions;
pub mod value;

pub use expr::{Evaluator, Scope};
pub use value::{Map, Value};
