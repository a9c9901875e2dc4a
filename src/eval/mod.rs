//! Expression evaluation: values with unknown/sensitive marks, scopes, functions.

pub mod functions;
pub mod value;

pub use value::{Map, Value};
