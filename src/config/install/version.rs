//! Module version constraints in Terraform's syntax (hashicorp/go-version), evaluated with the
//! `semver` crate: a comma-separated list of `OP VERSION`, each of `=`, `!=`, `>`, `>=`, `<`,
//! `<=`, `~>` (none means `=`), versions possibly partial (`1.2` is `1.2.0`).
//!
//! `~>` allows only the rightmost given part to grow: `~> 1.2.3` is `>= 1.2.3, < 1.3.0`,
//! `~> 1.2` is `>= 1.2.0, < 2.0.0` and `~> 1` is `>= 1.0.0`. A pre-release version satisfies a
//! clause only when that clause names a pre-release of the same major.minor.patch, so
//! pre-releases are installed only when asked for.

use semver::{BuildMetadata, Comparator, Op, Prerelease, Version};
use std::fmt;

#[derive(Clone, Debug)]
pub struct VersionConstraint {
    text: String,
    /// Every comparator must hold.
    all: Vec<Comparator>,
    /// `!=` clauses.
    excluded: Vec<Version>,
}

impl VersionConstraint {
    pub fn parse(text: &str) -> Result<VersionConstraint, String> {
        let mut all = Vec::new();
        let mut excluded = Vec::new();
        if text.trim().is_empty() {
            return Err("the version constraint is empty; write one like \"~> 1.2\"".into());
        }
        for clause in text.split(',') {
            let clause = clause.trim();
            let (op, rest) = ["~>", ">=", "<=", "!=", ">", "<", "="]
                .iter()
                .find_map(|op| clause.strip_prefix(op).map(|rest| (*op, rest)))
                .unwrap_or(("=", clause));
            let (version, given) = parse_partial(rest.trim()).ok_or_else(|| {
                format!(
                    "\"{clause}\" is not a version constraint; write an operator (=, !=, >, >=, <, <=, ~>) and a version like 1.2.0"
                )
            })?;
            let cmp = |op| Comparator {
                op,
                major: version.major,
                minor: Some(version.minor),
                patch: Some(version.patch),
                pre: version.pre.clone(),
            };
            match op {
                "=" => all.push(cmp(Op::Exact)),
                "!=" => excluded.push(version.clone()),
                ">" => all.push(cmp(Op::Greater)),
                ">=" => all.push(cmp(Op::GreaterEq)),
                "<" => all.push(cmp(Op::Less)),
                "<=" => all.push(cmp(Op::LessEq)),
                _ => {
                    all.push(cmp(Op::GreaterEq));
                    let upper = match given {
                        1 => None,
                        2 => Some(Version::new(version.major + 1, 0, 0)),
                        _ => Some(Version::new(version.major, version.minor + 1, 0)),
                    };
                    if let Some(upper) = upper {
                        all.push(Comparator {
                            op: Op::Less,
                            major: upper.major,
                            minor: Some(upper.minor),
                            patch: Some(upper.patch),
                            pre: Prerelease::EMPTY,
                        });
                    }
                }
            }
        }
        Ok(VersionConstraint {
            text: text.trim().to_string(),
            all,
            excluded,
        })
    }

    pub fn matches(&self, v: &Version) -> bool {
        if self.excluded.iter().any(|x| same_version(x, v)) {
            return false;
        }
        if !v.pre.is_empty() && self.all.is_empty() {
            return false;
        }
        // `Comparator::matches` applies semver's pre-release rule to each clause alone, which
        // is go-version's rule.
        self.all.iter().all(|c| c.matches(v))
    }
}

impl fmt::Display for VersionConstraint {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.text)
    }
}

fn same_version(a: &Version, b: &Version) -> bool {
    (a.major, a.minor, a.patch, &a.pre) == (b.major, b.minor, b.patch, &b.pre)
}

/// A version as registries and go-version write them: an optional `v`, one to three numeric
/// parts, then an optional `-prerelease` and `+build`. Also returns how many parts were given.
fn parse_partial(s: &str) -> Option<(Version, usize)> {
    let s = s.strip_prefix('v').unwrap_or(s);
    let (s, build) = match s.split_once('+') {
        Some((s, b)) => (s, Some(b)),
        None => (s, None),
    };
    let (core, pre) = match s.split_once('-') {
        Some((c, p)) => (c, Some(p)),
        None => (s, None),
    };
    let parts: Vec<&str> = core.split('.').collect();
    if parts.is_empty() || parts.len() > 3 {
        return None;
    }
    let mut nums = [0u64; 3];
    for (i, part) in parts.iter().enumerate() {
        if part.is_empty() || !part.chars().all(|c| c.is_ascii_digit()) {
            return None;
        }
        nums[i] = part.parse().ok()?;
    }
    let mut v = Version::new(nums[0], nums[1], nums[2]);
    if let Some(pre) = pre {
        v.pre = Prerelease::new(pre).ok()?;
    }
    if let Some(build) = build {
        v.build = BuildMetadata::new(build).ok()?;
    }
    Some((v, parts.len()))
}

/// A version a registry lists; `None` for one that is not a version at all.
pub fn parse_version(s: &str) -> Option<Version> {
    parse_partial(s.trim()).map(|(v, _)| v)
}

/// The newest of `versions` that `constraint` allows (without one, the newest release).
pub fn newest_match<'a>(
    versions: &'a [Version],
    constraint: Option<&VersionConstraint>,
) -> Option<&'a Version> {
    versions
        .iter()
        .filter(|v| match constraint {
            Some(c) => c.matches(v),
            None => v.pre.is_empty(),
        })
        .max_by(|a, b| a.cmp_precedence(b))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ok(constraint: &str, version: &str) -> bool {
        VersionConstraint::parse(constraint)
            .unwrap()
            .matches(&parse_version(version).unwrap())
    }

    #[test]
    fn pessimistic_constraints_let_only_the_rightmost_part_grow() {
        assert!(ok("~> 1.2.3", "1.2.9"));
        assert!(!ok("~> 1.2.3", "1.3.0"));
        assert!(!ok("~> 1.2.3", "1.2.2"));
        assert!(ok("~> 1.2", "1.9.0"));
        assert!(!ok("~> 1.2", "2.0.0"));
        assert!(!ok("~> 1.2", "1.1.9"));
        assert!(ok("~> 1", "7.0.0"));
        assert!(!ok("~> 1", "0.9.0"));
        assert!(ok("~> 0.2", "0.9.1"));
    }

    #[test]
    fn partial_versions_are_zero_filled_as_go_version_does() {
        // semver's own `>1.2` would mean >= 1.3.0; Terraform's means > 1.2.0.
        assert!(ok("> 1.2", "1.2.1"));
        assert!(ok("= 1.2", "1.2.0"));
        assert!(!ok("= 1.2", "1.2.1"));
        assert!(ok("1.2.0", "1.2.0"));
        assert!(ok("v1.2.0", "1.2.0"));
    }

    #[test]
    fn comma_lists_and_exclusions_all_apply() {
        assert!(ok(">= 1.0, < 2.0, != 1.5.0", "1.4.0"));
        assert!(!ok(">= 1.0, < 2.0, != 1.5.0", "1.5.0"));
        assert!(!ok(">= 1.0, < 2.0", "2.0.0"));
        assert!(ok("!= 1.0.0", "1.0.1"));
    }

    #[test]
    fn pre_releases_only_when_named() {
        assert!(!ok(">= 1.0.0", "1.1.0-beta1"));
        assert!(ok("= 1.1.0-beta1", "1.1.0-beta1"));
        assert!(!ok("!= 1.0.0", "1.1.0-beta1"));
        let versions: Vec<Version> = ["1.0.0", "1.1.0", "2.0.0-rc1"]
            .iter()
            .map(|v| parse_version(v).unwrap())
            .collect();
        assert_eq!(newest_match(&versions, None).unwrap().to_string(), "1.1.0");
    }

    #[test]
    fn malformed_constraints_are_errors() {
        for bad in ["", "~>", ">= one", "1.2.3.4", "=> 1.0", "^1.0"] {
            assert!(VersionConstraint::parse(bad).is_err(), "{bad}");
        }
    }
}
