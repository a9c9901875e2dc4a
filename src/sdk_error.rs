//! How a failed AWS SDK call is told to the user: the service's error code and message when
//! AWS answered with one; otherwise what is known for sure (the service and operation, the
//! HTTP status, the request id) and who failed. Never the SDK's `Debug` form of the error,
//! which dumps the whole raw response (kilobytes of headers and body) into the message.
//!
//! A low layer (it uses nothing of the crate) because every AWS caller needs it: the provider,
//! and the S3 state backend below it.

use aws_smithy_runtime_api::client::orchestrator::HttpResponse;
use aws_smithy_runtime_api::client::result::SdkError;
use aws_smithy_types::error::metadata::ProvideErrorMetadata;
use aws_types::request_id::RequestId;

/// An SDK operation's error: AWS's code and message can be read from it, and it can cross
/// threads inside a `ProviderError`.
pub trait ServiceError: std::error::Error + ProvideErrorMetadata + Send + Sync + 'static {}

impl<E: std::error::Error + ProvideErrorMetadata + Send + Sync + 'static> ServiceError for E {}

/// What an SDK call's `send()` resolves to.
pub type SdkResult<T, E> = Result<T, SdkError<E, HttpResponse>>;

/// AWS's error code of an SDK error, when AWS answered with one.
pub fn code<E: ProvideErrorMetadata, R>(err: &SdkError<E, R>) -> Option<&str> {
    err.as_service_error().and_then(|e| e.code())
}

/// Whether AWS answered with one of `codes`.
pub fn has_code<E: ProvideErrorMetadata, R>(err: &SdkError<E, R>, codes: &[&str]) -> bool {
    code(err).is_some_and(|c| codes.contains(&c))
}

/// `"{action}: ..."`, phrased for the user.
pub fn describe<E>(action: &str, err: &SdkError<E, HttpResponse>) -> String
where
    E: std::error::Error + ProvideErrorMetadata + 'static,
{
    match (err.code(), err.message()) {
        (Some(code), Some(msg)) => return format!("{action}: {code}: {msg}"),
        (Some(code), None) => return format!("{action}: {code}"),
        _ => {}
    }
    let (service, operation) = service_and_operation::<E>();
    let request_id = err
        .request_id()
        .or_else(|| err.meta().extra("aws_request_id"))
        .map(|id| format!(", request id {id}"))
        .unwrap_or_default();
    if let Some(raw) = err.raw_response() {
        let status = raw.status().as_u16();
        let body = raw.body().bytes().unwrap_or_default();
        let shape = if body.iter().all(u8::is_ascii_whitespace) {
            "an empty body"
        } else {
            "a body that is not an AWS error document"
        };
        let who = if status >= 500 {
            "AWS, or something in front of it (a proxy, a load balancer, a firewall), failed; \
             try again, and if it persists check the endpoint and the AWS Health Dashboard"
        } else {
            "something between strata and AWS (a proxy, a firewall, a wrong endpoint URL) \
             answered instead of AWS; check the endpoint and the network path"
        };
        let message = err.message().map(|m| format!(" ({m})")).unwrap_or_default();
        return format!(
            "{action}: {service} {operation} answered HTTP {status}{request_id} with {shape}{message}: {who}"
        );
    }
    // No answer at all (connection refused, timed out, DNS): the chain of causes says which.
    let mut text = err.to_string();
    let mut source = std::error::Error::source(err);
    while let Some(s) = source {
        let part = s.to_string();
        if !text.contains(&part) {
            text.push_str(": ");
            text.push_str(&part);
        }
        source = s.source();
    }
    format!("{action}: {service} {operation}: {text}")
}

/// ("EC2", "DescribeSecurityGroups") from the operation error's type
/// (`aws_sdk_ec2::operation::describe_security_groups::DescribeSecurityGroupsError`).
fn service_and_operation<E>() -> (&'static str, String) {
    let name = std::any::type_name::<E>();
    let krate = name.split("::").next().unwrap_or_default();
    let service = match krate.strip_prefix("aws_sdk_").unwrap_or(krate) {
        "ec2" => "EC2",
        "rds" => "RDS",
        "elasticache" => "ElastiCache",
        "kms" => "KMS",
        "sts" => "STS",
        "s3" => "S3",
        "resourcegroupstagging" => "the Resource Groups Tagging API",
        _ => "AWS",
    };
    let last = name.rsplit("::").next().unwrap_or_default();
    let operation = last.strip_suffix("Error").unwrap_or(last).to_string();
    (service, operation)
}

#[cfg(test)]
mod tests {
    use super::*;
    use aws_smithy_runtime_api::http::StatusCode;
    use aws_smithy_types::body::SdkBody;

    fn answer(status: u16, body: &str, request_id: Option<&str>) -> HttpResponse {
        let mut raw = HttpResponse::new(
            StatusCode::try_from(status).unwrap(),
            SdkBody::from(body.to_string()),
        );
        if let Some(id) = request_id {
            raw.headers_mut().insert("x-amzn-requestid", id.to_string());
        }
        raw
    }

    /// An answer the SDK could not parse, as it hands it over: an unhandled service error.
    fn unparsed(
        raw: HttpResponse,
    ) -> SdkError<
        aws_sdk_ec2::operation::describe_security_groups::DescribeSecurityGroupsError,
        HttpResponse,
    > {
        let err =
            aws_sdk_ec2::operation::describe_security_groups::DescribeSecurityGroupsError::generic(
                aws_smithy_types::error::ErrorMetadata::builder().build(),
            );
        SdkError::service_error(err, raw)
    }

    /// Regression: a 502 with an empty body from a load balancer read "error parsing XML: no
    /// root element", which names neither the service nor the failure.
    #[test]
    fn a_5xx_without_an_error_document_names_service_status_and_request_id() {
        let text = describe(
            "describing security groups",
            &unparsed(answer(502, "", Some("rid-123"))),
        );
        assert!(text.contains("EC2 DescribeSecurityGroups"), "{text}");
        assert!(text.contains("HTTP 502"), "{text}");
        assert!(text.contains("request id rid-123"), "{text}");
        assert!(text.contains("an empty body"), "{text}");
        assert!(text.contains("AWS, or something in front of it"), "{text}");
        assert!(!text.contains("XML"), "{text}");

        let html = describe(
            "describing security groups",
            &unparsed(answer(503, "<html>Service Unavailable</html>", None)),
        );
        assert!(
            html.contains("HTTP 503 with a body that is not an AWS error document"),
            "{html}"
        );
        assert!(!html.contains("request id"), "{html}");
    }

    #[test]
    fn an_aws_error_document_is_told_by_its_code_and_message() {
        let err =
            aws_sdk_ec2::operation::describe_security_groups::DescribeSecurityGroupsError::generic(
                aws_smithy_types::error::ErrorMetadata::builder()
                    .code("UnauthorizedOperation")
                    .message("You are not authorized")
                    .build(),
            );
        let text = describe(
            "x",
            &SdkError::service_error(err, answer(403, "<xml/>", None)),
        );
        assert_eq!(text, "x: UnauthorizedOperation: You are not authorized");
    }
}
