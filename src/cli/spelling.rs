//! Terraform's spelling of flags: Go's single dash (`-out=plan`, `-auto-approve`, `-var 'k=v'`,
//! `-chdir=DIR`), accepted alongside the GNU spelling (`--out plan`) that clap parses. Scripts
//! moving from `terraform` keep working unchanged.

use std::ffi::OsString;

/// The long flag names of the whole command tree (and their aliases), as clap knows them.
fn long_flags(cmd: &clap::Command, out: &mut std::collections::BTreeSet<String>) {
    for arg in cmd.get_arguments() {
        if let Some(l) = arg.get_long() {
            out.insert(l.to_string());
        }
        if let Some(aliases) = arg.get_all_aliases() {
            out.extend(aliases.into_iter().map(str::to_string));
        }
    }
    for sub in cmd.get_subcommands() {
        long_flags(sub, out);
    }
    out.insert("help".into());
    out.insert("version".into());
}

/// Commands whose `-json`, in Terraform, is the machine-readable event stream rather than a
/// JSON document (strata's `plan --json` prints the JSON plan, as `show --json` does).
const STREAMING: &[&str] = &["plan"];

/// The arguments with every single-dash spelling of a known long flag (`-name`,
/// `-name=value`) turned into clap's (`--name`, `--name=value`). Values are left alone: only
/// an argument that names a known flag is rewritten, and nothing after `--`.
pub fn normalize(args: Vec<OsString>, cmd: &clap::Command) -> Vec<OsString> {
    let mut known = std::collections::BTreeSet::new();
    long_flags(cmd, &mut known);
    let mut out = Vec::with_capacity(args.len());
    let mut subcommand: Option<String> = None;
    let mut rest = false;
    let mut takes_value = false;
    for (i, arg) in args.into_iter().enumerate() {
        let text = arg.to_str().map(str::to_string);
        if i == 0 || rest || takes_value {
            takes_value = false;
            out.push(arg);
            continue;
        }
        let Some(text) = text else {
            out.push(arg);
            continue;
        };
        if text == "--" {
            rest = true;
            out.push(arg);
            continue;
        }
        if subcommand.is_none() && !text.starts_with('-') {
            subcommand = Some(text.clone());
        }
        if text == "-C" {
            // The value follows (`-C DIR`), and may start with a dash.
            takes_value = true;
            out.push(arg);
            continue;
        }
        let rewritten = text
            .strip_prefix('-')
            .filter(|s| !s.starts_with('-'))
            .and_then(|s| {
                let (name, value) = match s.split_once('=') {
                    Some((n, v)) => (n, Some(v)),
                    None => (s, None),
                };
                if name.len() < 2 || !known.contains(name) {
                    return None;
                }
                let name = if name == "json"
                    && subcommand
                        .as_deref()
                        .is_some_and(|c| STREAMING.contains(&c))
                {
                    "json-stream"
                } else {
                    name
                };
                Some(match value {
                    Some(v) => format!("--{name}={v}"),
                    None => format!("--{name}"),
                })
            });
        out.push(rewritten.map(OsString::from).unwrap_or(arg));
    }
    out
}

/// A duration in Go's spelling, as `-lock-timeout=D` takes it: `0`, `500ms`, `10s`, `1m30s`,
/// `2h`.
pub fn parse_duration(text: &str) -> Result<std::time::Duration, String> {
    let bad = || {
        format!("\"{text}\" is not a duration; write it as Terraform does, like 30s, 5m or 1m30s")
    };
    if text == "0" {
        return Ok(std::time::Duration::ZERO);
    }
    let mut total = 0f64;
    let mut rest = text;
    if rest.is_empty() {
        return Err(bad());
    }
    while !rest.is_empty() {
        let digits = rest
            .find(|c: char| !(c.is_ascii_digit() || c == '.'))
            .ok_or_else(bad)?;
        if digits == 0 {
            return Err(bad());
        }
        let n: f64 = rest[..digits].parse().map_err(|_| bad())?;
        rest = &rest[digits..];
        let unit_len = rest
            .find(|c: char| c.is_ascii_digit() || c == '.')
            .unwrap_or(rest.len());
        let scale = match &rest[..unit_len] {
            "ns" => 1e-9,
            "us" | "µs" => 1e-6,
            "ms" => 1e-3,
            "s" => 1.0,
            "m" => 60.0,
            "h" => 3600.0,
            _ => return Err(bad()),
        };
        total += n * scale;
        rest = &rest[unit_len..];
    }
    Ok(std::time::Duration::from_secs_f64(total))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn norm(args: &[&str]) -> Vec<String> {
        let cmd = <super::super::Cli as clap::CommandFactory>::command();
        normalize(args.iter().map(OsString::from).collect(), &cmd)
            .into_iter()
            .map(|a| a.into_string().unwrap())
            .collect()
    }

    #[test]
    fn go_style_flags_become_gnu_style_and_values_stay() {
        assert_eq!(
            norm(&[
                "strata",
                "-chdir=envs/prod",
                "plan",
                "-out=p",
                "-var",
                "k=-v",
                "-var-file=f",
                "-target=aws_db_instance.a",
                "-refresh=false",
                "-lock-timeout=5s",
                "-no-color",
                "-input=false",
                "-detailed-exitcode",
                "-compact-warnings",
                "-lock=false",
                "-replace=aws_db_instance.a"
            ]),
            [
                "strata",
                "--chdir=envs/prod",
                "plan",
                "--out=p",
                "--var",
                "k=-v",
                "--var-file=f",
                "--target=aws_db_instance.a",
                "--refresh=false",
                "--lock-timeout=5s",
                "--no-color",
                "--input=false",
                "--detailed-exitcode",
                "--compact-warnings",
                "--lock=false",
                "--replace=aws_db_instance.a"
            ]
        );
    }

    #[test]
    fn only_known_flags_are_rewritten() {
        assert_eq!(
            norm(&[
                "strata",
                "-C",
                "-odd-dir",
                "apply",
                "-auto-approve",
                "-parallelism=3",
                "-x",
                "-bogus",
                "--",
                "-out"
            ]),
            [
                "strata",
                "-C",
                "-odd-dir",
                "apply",
                "--auto-approve",
                "--parallelism=3",
                "-x",
                "-bogus",
                "--",
                "-out"
            ]
        );
    }

    #[test]
    fn plan_json_in_terraforms_spelling_is_the_event_stream() {
        assert_eq!(
            norm(&["strata", "plan", "-json"]),
            ["strata", "plan", "--json-stream"]
        );
        assert_eq!(
            norm(&["strata", "plan", "--json"]),
            ["strata", "plan", "--json"]
        );
        assert_eq!(
            norm(&["strata", "show", "-json"]),
            ["strata", "show", "--json"]
        );
        assert_eq!(
            norm(&["strata", "apply", "-json"]),
            ["strata", "apply", "--json"]
        );
    }

    #[test]
    fn go_durations() {
        use std::time::Duration;
        assert_eq!(parse_duration("0"), Ok(Duration::ZERO));
        assert_eq!(parse_duration("10s"), Ok(Duration::from_secs(10)));
        assert_eq!(parse_duration("1m30s"), Ok(Duration::from_secs(90)));
        assert_eq!(parse_duration("500ms"), Ok(Duration::from_millis(500)));
        assert!(parse_duration("10").is_err());
        assert!(parse_duration("s").is_err());
        assert!(parse_duration("5 minutes").is_err());
    }
}
