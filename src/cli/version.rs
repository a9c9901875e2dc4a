//! `strata version [--json]`: strata's own version and the Terraform version whose language
//! it implements (what `required_version` constraints are checked against).

use super::{CmdResult, Exit};

/// The Terraform release whose configuration language strata implements: a configuration's
/// `required_version` must admit it (`crate::config::TERRAFORM_VERSION` is the same value).
pub const TERRAFORM_VERSION: &str = crate::config::TERRAFORM_VERSION;

/// `linux_amd64`, as Terraform names platforms.
fn platform() -> String {
    let arch = match std::env::consts::ARCH {
        "x86_64" => "amd64",
        "aarch64" => "arm64",
        "x86" => "386",
        other => other,
    };
    format!("{}_{arch}", std::env::consts::OS)
}

pub fn version(json: bool) -> CmdResult {
    if json {
        let v = serde_json::json!({
            "strata_version": env!("CARGO_PKG_VERSION"),
            "terraform_version": TERRAFORM_VERSION,
            "platform": platform(),
            "provider_selections": {
                "registry.terraform.io/hashicorp/aws": "built-in",
            },
            "terraform_outdated": false,
        });
        outln!("{}", serde_json::to_string_pretty(&v).unwrap_or_default());
    } else {
        outln!("strata v{}", env!("CARGO_PKG_VERSION"));
        outln!("on {}", platform());
        outln!(
            "implements the configuration language of Terraform v{TERRAFORM_VERSION}, with the AWS provider built in"
        );
    }
    Ok(Exit::Ok)
}
