//! Questions about a failed AWS call; the phrasing itself is `crate::sdk_error`'s.
//!
//! Resource files ask about an error by AWS's code ([`Code`] on a `ProviderError`, which keeps
//! it; [`code`] on an SDK error), never by matching their own copy of a helper.

use aws_smithy_runtime_api::client::orchestrator::HttpResponse;
use aws_smithy_runtime_api::client::result::SdkError;

pub use crate::sdk_error::{code, describe, has_code};

use crate::provider::{ProviderError, ProviderResult};

/// Questions about a failed call, by what AWS answered.
pub trait Code {
    /// AWS answered with one of `codes`.
    fn is(&self, codes: &[&str]) -> bool;
    /// AWS answered with `code` and a message saying `text`.
    fn says(&self, code: &str, text: &str) -> bool;
}

impl Code for ProviderError {
    fn is(&self, codes: &[&str]) -> bool {
        self.code.as_deref().is_some_and(|c| codes.contains(&c))
    }

    fn says(&self, code: &str, text: &str) -> bool {
        self.is(&[code]) && self.message.contains(text)
    }
}

/// An SDK call's outcome phrased for the user: `.send().await.during("creating X")`.
pub trait During<T> {
    fn during(self, action: &str) -> ProviderResult<T>;
}

impl<T, E: crate::sdk_error::ServiceError> During<T> for Result<T, SdkError<E, HttpResponse>> {
    fn during(self, action: &str) -> ProviderResult<T> {
        self.map_err(|e| ProviderError::sdk(action, e))
    }
}

/// `Ok(None)` for an answer with one of `codes` (the object is gone), else the result.
pub fn unless<T>(result: ProviderResult<T>, codes: &[&str]) -> ProviderResult<Option<T>> {
    match result {
        Ok(v) => Ok(Some(v)),
        Err(e) if e.is(codes) => Ok(None),
        Err(e) => Err(e),
    }
}
