//! `timeouts` blocks: how long a type's waits may take, per operation, as Terraform writes it
//! (`timeouts { create = "60m" }`). The block steers strata's waits only: it is kept in state
//! like a virtual argument, never read from AWS, and a change of it alone is an update that
//! sends nothing to AWS (Terraform's SDKv2 shows the same in-place update).

use super::{Attribute, BlockType, Schema};
use crate::value::Value;
use std::time::Duration;

/// The limit of an operation the type declares no timeout for: terraform-plugin-sdk's
/// default.
const SDK_DEFAULT: Duration = Duration::from_secs(20 * 60);

/// Parses a duration the way Go's `time.ParseDuration` does (what Terraform's providers use):
/// one or more decimal numbers, each with a unit (`ns`, `us`, `µs`, `ms`, `s`, `m`, `h`), such
/// as "60m", "1h30m", "2.5h" or "10s". Negative limits are refused: a wait cannot last less
/// than nothing.
pub fn parse_duration(text: &str) -> Result<Duration, String> {
    let bad =
        || format!("\"{text}\" is not a duration (write it like \"60m\", \"1h30m\" or \"10s\")");
    let s = text.strip_prefix('+').unwrap_or(text);
    if s.starts_with('-') {
        return Err(format!(
            "\"{text}\" is negative: a timeout must be positive"
        ));
    }
    if s == "0" {
        return Ok(Duration::ZERO);
    }
    if s.is_empty() {
        return Err(bad());
    }
    let mut rest = s;
    let mut total = 0f64;
    while !rest.is_empty() {
        let digits = rest
            .find(|c: char| !(c.is_ascii_digit() || c == '.'))
            .ok_or_else(bad)?;
        let (number, tail) = rest.split_at(digits);
        if number.is_empty() || number == "." || number.matches('.').count() > 1 {
            return Err(bad());
        }
        let number: f64 = number.parse().map_err(|_| bad())?;
        let unit_len = tail
            .find(|c: char| c.is_ascii_digit() || c == '.')
            .unwrap_or(tail.len());
        let (unit, tail) = tail.split_at(unit_len);
        let seconds = match unit {
            "ns" => 1e-9,
            "us" | "µs" | "μs" => 1e-6,
            "ms" => 1e-3,
            "s" => 1.0,
            "m" => 60.0,
            "h" => 3600.0,
            _ => return Err(bad()),
        };
        total += number * seconds;
        rest = tail;
    }
    Ok(Duration::from_secs_f64(total))
}

/// The validator of one timeout argument.
fn duration_problem(v: &Value) -> Option<String> {
    parse_duration(v.as_str()?).err()
}

/// The operations a type's waits are bounded by, each with the provider's default.
#[derive(Clone, Debug, Default)]
pub struct Timeouts(pub Vec<(&'static str, Duration)>);

impl Schema {
    /// Adds the `timeouts` block with one argument per operation of `defaults` (operation,
    /// minutes), as the provider declares them for the type.
    pub fn timeouts(mut self, defaults: &[(&'static str, u64)]) -> Schema {
        let limits = Timeouts(
            defaults
                .iter()
                .map(|&(op, m)| (op, Duration::from_secs(m * 60)))
                .collect(),
        );
        let mut inner = Schema::new();
        for &(op, _) in defaults {
            inner = inner.attr(Attribute::string(op).check(duration_problem));
        }
        // The block's own schema keeps the defaults too, for its reference page.
        inner.timeouts = limits.clone();
        self.timeouts = limits;
        self.block(
            BlockType::single("timeouts", inner)
                .virtual_()
                .describe("How long strata waits for each operation (\"60m\", \"1h30m\"); kept in state, never sent to AWS."),
        )
    }

    /// How long operation `op` may wait for `object` (a planned or prior object): its
    /// `timeouts` block's value when set, else the provider's default for the type.
    pub fn timeout(&self, object: &Value, op: &str) -> Duration {
        object
            .get("timeouts")
            .and_then(|t| t.get(op))
            .and_then(Value::as_str)
            .and_then(|s| parse_duration(s).ok())
            .or_else(|| {
                self.timeouts
                    .0
                    .iter()
                    .find(|(o, _)| *o == op)
                    .map(|(_, d)| *d)
            })
            .unwrap_or(SDK_DEFAULT)
    }
}

impl Timeouts {
    /// The provider's default for operation `op`, in Terraform's spelling ("40m").
    pub fn default_of(&self, op: &str) -> Option<String> {
        let (_, d) = self.0.iter().find(|(o, _)| *o == op)?;
        let minutes = d.as_secs() / 60;
        Some(format!("{minutes}m"))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn durations_parse_as_go_parses_them() {
        let m = |n: u64| Duration::from_secs(n * 60);
        assert_eq!(parse_duration("60m"), Ok(m(60)));
        assert_eq!(parse_duration("1h30m"), Ok(m(90)));
        assert_eq!(parse_duration("2h"), Ok(m(120)));
        assert_eq!(parse_duration("10s"), Ok(Duration::from_secs(10)));
        assert_eq!(parse_duration("1.5h"), Ok(m(90)));
        assert_eq!(parse_duration("500ms"), Ok(Duration::from_millis(500)));
        assert_eq!(parse_duration("0"), Ok(Duration::ZERO));
        for bad in ["", "60", "m", "1x", "1h30", "1..5h", "ten minutes", "-5m"] {
            assert!(parse_duration(bad).is_err(), "{bad} parsed");
        }
    }

    #[test]
    fn a_configured_timeout_wins_over_the_default() {
        let s = Schema::new().timeouts(&[("create", 40), ("delete", 15)]);
        let mut t = crate::value::Map::new();
        t.insert("create".into(), Value::from("1h30m"));
        let mut o = crate::value::Map::new();
        o.insert("timeouts".into(), Value::Map(t));
        let o = Value::Map(o);
        assert_eq!(s.timeout(&o, "create"), Duration::from_secs(90 * 60));
        assert_eq!(s.timeout(&o, "delete"), Duration::from_secs(15 * 60));
        assert_eq!(s.timeout(&Value::Null, "update"), SDK_DEFAULT);
        assert!(s.block_type("timeouts").unwrap().virtual_);
    }
}
