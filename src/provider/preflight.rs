//! What is checked once before a plan or an apply that needs AWS, so that a missing
//! credential or a dead endpoint is one clear error up front — never a credential error
//! attached to the first data source, never a plan that succeeds and an apply that fails for
//! it, never minutes of retries against an endpoint that refuses connections:
//!
//! 1. every endpoint the configuration overrides (`endpoints {}`, `AWS_ENDPOINT_URL[_SERVICE]`)
//!    accepts connections;
//! 2. the SDK's default credential chain yields credentials that have not expired;
//! 3. AWS accepts them: one STS `GetCallerIdentity`, without retries, as terraform-provider-aws
//!    validates its credentials.

use super::{Aws, ProviderError, ProviderSettings};
use crate::diag::Diagnostic;
use aws_sdk_sts::config::ProvideCredentials;
use std::time::Duration;

/// How long a connection to an overridden endpoint may take.
const CONNECT_TIMEOUT: Duration = Duration::from_secs(5);

/// The services strata calls: terraform-provider-aws's `endpoints {}` key, and the SDK's
/// `AWS_ENDPOINT_URL_<SERVICE>` suffix.
const SERVICES: &[(&str, &str)] = &[
    ("ec2", "EC2"),
    ("rds", "RDS"),
    ("elasticache", "ELASTICACHE"),
    ("kms", "KMS"),
    ("sts", "STS"),
    ("resourcegroupstaggingapi", "RESOURCE_GROUPS_TAGGING_API"),
];

/// AWS error codes that mean "these credentials are not (or no longer) valid".
const CREDENTIAL_CODES: &[&str] = &[
    "ExpiredToken",
    "ExpiredTokenException",
    "InvalidClientTokenId",
    "SignatureDoesNotMatch",
    "UnrecognizedClientException",
    "AuthFailure",
    "RequestExpired",
    "InvalidAccessKeyId",
];

/// Where the default chain looks for credentials, in its order, for the error message.
fn chain() -> String {
    let profile = std::env::var("AWS_PROFILE").unwrap_or_else(|_| "default".into());
    let credentials = std::env::var("AWS_SHARED_CREDENTIALS_FILE")
        .unwrap_or_else(|_| "~/.aws/credentials".into());
    let config = std::env::var("AWS_CONFIG_FILE").unwrap_or_else(|_| "~/.aws/config".into());
    let imds = if std::env::var("AWS_EC2_METADATA_DISABLED").is_ok_and(|v| v == "true") {
        " (turned off by AWS_EC2_METADATA_DISABLED)"
    } else {
        ""
    };
    format!(
        "strata looked where the AWS SDK's default chain looks, in order: the environment \
         (AWS_ACCESS_KEY_ID, AWS_SECRET_ACCESS_KEY, AWS_SESSION_TOKEN); a web identity token \
         (AWS_WEB_IDENTITY_TOKEN_FILE with AWS_ROLE_ARN); the profile \"{profile}\" in \
         {credentials} and {config} (keys, SSO, credential_process, role to assume); the ECS \
         container credentials endpoint; the EC2 instance metadata service{imds}"
    )
}

const CREDENTIALS_HELP: &str = "set AWS_PROFILE to a profile that has credentials (for SSO, run \
     `aws sso login --profile NAME` first), or set AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY \
     (and AWS_SESSION_TOKEN for temporary credentials)";

/// The error for credentials AWS refused (an expired session, a deleted key).
fn rejected(code: &str, message: &str) -> Diagnostic {
    Diagnostic::error("AWS rejected the credentials")
        .detail(format!("{code}: {message}. {}", chain()))
        .help(format!(
            "refresh or replace them: {CREDENTIALS_HELP}; `aws sts get-caller-identity` checks them"
        ))
}

/// The error for an endpoint nothing answers at.
fn unreachable(url: &str, origin: &str, cause: &str) -> Diagnostic {
    Diagnostic::error(format!("Cannot reach {url}"))
        .detail(format!("{cause} (the endpoint comes from {origin})"))
        .help("start the service there, or correct the endpoint (or unset it to use AWS's own)")
}

/// An error of a provider call during planning, when it is about credentials or the network
/// rather than the resource or data source at hand: the diagnostic to show instead.
pub fn explain(e: &ProviderError) -> Option<Diagnostic> {
    if let Some(code) = e.code.as_deref().filter(|c| CREDENTIAL_CODES.contains(c)) {
        return Some(rejected(code, &e.message));
    }
    let m = e.message.to_ascii_lowercase();
    let network = [
        "dispatch failure",
        "connection refused",
        "error trying to connect",
        "dns error",
        "timed out",
        "io error",
    ];
    network.iter().any(|n| m.contains(n)).then(|| {
        Diagnostic::error("Cannot reach AWS")
            .detail(e.message.clone())
            .help("check the network path to AWS, and any endpoint set with endpoints {} or AWS_ENDPOINT_URL")
    })
}

/// Every endpoint URL the settings override, with where it comes from.
fn overridden_endpoints(providers: &[ProviderSettings]) -> Vec<(String, String)> {
    let mut out: Vec<(String, String)> = Vec::new();
    let mut add = |url: String, origin: String| {
        if !url.is_empty() && !out.iter().any(|(u, _)| *u == url) {
            out.push((url, origin));
        }
    };
    for p in providers {
        for (service, url) in &p.endpoints {
            let alias = p
                .alias
                .as_deref()
                .map(|a| format!(" (alias {a})"))
                .unwrap_or_default();
            add(
                url.clone(),
                format!("the endpoints {{ {service} }} of the aws provider{alias}"),
            );
        }
    }
    for (_, suffix) in SERVICES {
        let name = format!("AWS_ENDPOINT_URL_{suffix}");
        if let Ok(url) = std::env::var(&name) {
            add(url, name);
        }
    }
    if let Ok(url) = std::env::var("AWS_ENDPOINT_URL") {
        add(url, "AWS_ENDPOINT_URL".into());
    }
    out
}

async fn check_reachable(url: &str, origin: &str) -> Result<(), Diagnostic> {
    let parsed = url::Url::parse(url).map_err(|e| {
        Diagnostic::error(format!("Invalid endpoint URL \"{url}\""))
            .detail(format!("{e} (it comes from {origin})"))
            .help("write a URL like https://rds.eu-west-1.amazonaws.com or http://127.0.0.1:5000")
    })?;
    let (Some(host), Some(port)) = (parsed.host_str(), parsed.port_or_known_default()) else {
        return Err(Diagnostic::error(format!("Invalid endpoint URL \"{url}\""))
            .detail(format!("it names no host (it comes from {origin})"))
            .help("write a URL like http://127.0.0.1:5000"));
    };
    let host = host.trim_start_matches('[').trim_end_matches(']');
    match tokio::time::timeout(
        CONNECT_TIMEOUT,
        tokio::net::TcpStream::connect((host, port)),
    )
    .await
    {
        Ok(Ok(_)) => Ok(()),
        Ok(Err(e)) => Err(unreachable(url, origin, &e.to_string())),
        Err(_) => Err(unreachable(
            url,
            origin,
            &format!("no connection within {}s", CONNECT_TIMEOUT.as_secs()),
        )),
    }
}

/// Runs the checks for the provider configurations a run uses.
pub async fn check(aws: &Aws, providers: &[ProviderSettings]) -> Result<(), Diagnostic> {
    let endpoints = overridden_endpoints(providers);
    let reached =
        futures::future::join_all(endpoints.iter().map(|(u, o)| check_reachable(u, o))).await;
    if let Some(e) = reached.into_iter().find_map(Result::err) {
        return Err(e);
    }
    let Some(settings) = providers.iter().find(|p| !p.region.is_empty()) else {
        return Ok(());
    };
    let sts: aws_sdk_sts::Client = aws.client(settings);
    let Some(provider) = aws.sdk_config().credentials_provider() else {
        return Err(Diagnostic::error("No AWS credentials found")
            .detail(chain())
            .help(CREDENTIALS_HELP));
    };
    let credentials = provider.provide_credentials().await.map_err(|e| {
        // The chain's own account of each place it tried, and why it found nothing there.
        let mut tried = e.to_string();
        let mut source = std::error::Error::source(&e);
        while let Some(s) = source {
            let part = s.to_string();
            if !tried.contains(&part) {
                tried.push_str(": ");
                tried.push_str(&part);
            }
            source = s.source();
        }
        Diagnostic::error("No AWS credentials found")
            .detail(tried)
            .help(CREDENTIALS_HELP)
    })?;
    if let Some(expiry) = credentials.expiry() {
        if expiry <= std::time::SystemTime::now() {
            let when = time::OffsetDateTime::from(expiry)
                .format(&time::format_description::well_known::Rfc3339)
                .unwrap_or_default();
            return Err(Diagnostic::error("The AWS credentials have expired")
                .detail(format!(
                    "the credentials found expired at {when}. {}",
                    chain()
                ))
                .help(format!("renew them: {CREDENTIALS_HELP}")));
        }
    }
    let answer = sts
        .get_caller_identity()
        .customize()
        .config_override(
            aws_sdk_sts::config::Builder::default()
                .retry_config(aws_config::retry::RetryConfig::disabled()),
        )
        .send()
        .await;
    match answer {
        Ok(_) => Ok(()),
        Err(e) => {
            use aws_smithy_types::error::metadata::ProvideErrorMetadata as _;
            match e.code() {
                Some(code) if CREDENTIAL_CODES.contains(&code) => {
                    Err(rejected(code, e.message().unwrap_or("refused")))
                }
                // Any other answer came from AWS: the credentials work far enough.
                Some(_) => Ok(()),
                None if e.raw_response().is_some() => Ok(()),
                None => {
                    let url = settings
                        .endpoints
                        .get("sts")
                        .cloned()
                        .or_else(|| std::env::var("AWS_ENDPOINT_URL_STS").ok())
                        .or_else(|| std::env::var("AWS_ENDPOINT_URL").ok())
                        .unwrap_or_else(|| {
                            format!("https://sts.{}.amazonaws.com", settings.region)
                        });
                    Err(unreachable(
                        &url,
                        "the region's STS endpoint, where strata checks the credentials",
                        &aws_smithy_types::error::display::DisplayErrorContext(&e).to_string(),
                    ))
                }
            }
        }
    }
}
