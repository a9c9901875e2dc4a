//! Placeholder until the function library lands (helper-funcs branch).
use super::value::{Map, Value};

pub struct FuncContext<'a> {
    pub base_dir: &'a std::path::Path,
    pub render_template: &'a dyn Fn(&str, &Map) -> Result<Value, String>,
}

#[derive(Debug, Clone, PartialEq)]
pub enum FuncError {
    UnknownFunction {
        name: String,
        suggestion: Option<String>,
    },
    Arity {
        name: String,
        expected: String,
        got: usize,
    },
    Argument {
        index: usize,
        message: String,
    },
    Call(String),
}

impl std::fmt::Display for FuncError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{self:?}")
    }
}

pub fn call(name: &str, _args: Vec<Value>, _ctx: &FuncContext) -> Result<Value, FuncError> {
    Err(FuncError::UnknownFunction {
        name: name.into(),
        suggestion: None,
    })
}

pub fn names() -> &'static [&'static str] {
    &[]
}
