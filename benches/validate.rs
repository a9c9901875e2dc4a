//! `strata validate` on a large configuration, in process: load + walk + instance graph.
//!
//!     cargo bench --bench validate
//!
//! Generates a config with 10,000 `aws_security_group` instances (for_each over a 10k-entry
//! map local) and 10,000 `aws_db_subnet_group` instances for_each'd over the same keys, each
//! referring to `aws_security_group.a[each.key].id`; prints min/median over several runs.
//! Then times the instance-graph build alone (join nodes keep it linear) for 1k/10k/20k instances to show it is linear.

use std::collections::{BTreeMap, BTreeSet};
use std::path::Path;
use std::time::{Duration, Instant};
use strata::addr::{AbsResource, InstanceAddr, InstanceKey, ModuleInstance, ResourceAddr};
use strata::config::Mode;
use strata::diag::SourceMap;
use strata::eval::walk::{walk, WalkOptions};
use strata::graph::InstanceGraph;
use strata::plan::build::ConfigOnly;

fn write_config(dir: &Path, n: usize) {
    let mut s = String::from("locals {\n  groups = {\n");
    for i in 0..n {
        s.push_str(&format!(
            "    g{i:05} = {{ port = {} }}\n",
            1024 + i % 50_000
        ));
    }
    s.push_str("  }\n}\n\n");
    s.push_str(
        r#"resource "aws_security_group" "a" {
  for_each    = local.groups
  name        = "web-${each.key}"
  description = "port ${each.value.port}"

  ingress {
    from_port   = each.value.port
    to_port     = each.value.port
    protocol    = "tcp"
    cidr_blocks = ["10.0.0.0/8"]
  }
}

resource "aws_db_subnet_group" "b" {
  for_each    = local.groups
  name        = "db-${each.key}"
  description = aws_security_group.a[each.key].id
  subnet_ids  = ["subnet-1", "subnet-2"]
}
"#,
    );
    std::fs::write(dir.join("main.tf"), s).unwrap();
}

/// Time spent in each phase of the last `validate` call: load, walk, graph.
static PHASES: std::sync::Mutex<[Duration; 3]> = std::sync::Mutex::new([Duration::ZERO; 3]);

/// What `strata validate` does, minus printing. Returns the number of instances.
fn validate(dir: &Path) -> usize {
    let t0 = Instant::now();
    let sources = SourceMap::default();
    let (config, diags) = strata::config::load(dir, &sources);
    let t1 = Instant::now();
    assert!(!diags.has_errors(), "{}", diags.render(&sources, false));
    let config = config.unwrap();
    let options = WalkOptions {
        missing_vars_unknown: true,
        ..WalkOptions::default()
    };
    let mut hooks = ConfigOnly::default();
    let result = walk(&config, &options, &mut hooks);
    assert!(
        !result.diags.has_errors() && !hooks.diags.has_errors(),
        "{}{}",
        result.diags.render(&sources, false),
        hooks.diags.render(&sources, false)
    );
    let t2 = Instant::now();
    let g = InstanceGraph::build(hooks.instances.iter());
    *PHASES.lock().unwrap() = [t1 - t0, t2 - t1, t2.elapsed()];
    g.instances.len()
}

fn stats(mut times: Vec<Duration>) -> (Duration, Duration) {
    times.sort();
    (times[0], times[times.len() / 2])
}

fn instances(n: usize) -> BTreeMap<InstanceAddr, BTreeSet<AbsResource>> {
    let res = |type_: &str, name: &str| AbsResource {
        module: ModuleInstance::root(),
        resource: ResourceAddr {
            mode: Mode::Managed,
            type_: type_.into(),
            name: name.into(),
        },
    };
    let a = res("aws_security_group", "a");
    let b = res("aws_db_subnet_group", "b");
    let mut out = BTreeMap::new();
    for i in 0..n / 2 {
        let key = InstanceKey::Str(format!("g{i:05}"));
        out.insert(a.instance(key.clone()), BTreeSet::new());
        out.insert(b.instance(key), BTreeSet::from([a.clone()]));
    }
    out
}

fn main() {
    // `cargo bench` passes `--bench`; `cargo test --all-targets` runs this binary without it,
    // and then a one-run smoke test at 1/10 of the size keeps the test suite fast.
    if !std::env::args().any(|a| a == "--bench") {
        let dir = tempfile::tempdir().unwrap();
        write_config(dir.path(), 1_000);
        assert_eq!(validate(dir.path()), 2_000);
        println!("validate smoke run (2,000 instances): ok; run `cargo bench --bench validate` to measure");
        return;
    }
    let runs: usize = std::env::var("STRATA_BENCH_RUNS")
        .ok()
        .and_then(|s| s.parse().ok())
        .unwrap_or(5);
    let dir = tempfile::tempdir().unwrap();
    write_config(dir.path(), 10_000);
    let mut times = Vec::new();
    for _ in 0..runs {
        let t = Instant::now();
        let n = validate(dir.path());
        times.push(t.elapsed());
        assert_eq!(n, 20_000);
    }
    let (min, median) = stats(times);
    println!(
        "validate, 20,000 instances (2 resources x for_each over 10,000 keys): min {min:.2?}, median {median:.2?} over {runs} runs"
    );
    let [load, walk, graph] = *PHASES.lock().unwrap();
    println!("  last run: load {load:.2?}, walk {walk:.2?}, instance graph {graph:.2?}");

    for n in [1_000, 10_000, 20_000] {
        let items = instances(n);
        let mut times = Vec::new();
        for _ in 0..runs {
            let t = Instant::now();
            let g = InstanceGraph::build(items.iter());
            times.push(t.elapsed());
            assert_eq!(g.instances.len(), n);
            assert_eq!(g.graph.edge_count(), n + n / 2);
        }
        let (min, median) = stats(times);
        println!(
            "instance graph build, {n:>6} instances: min {min:.2?}, median {median:.2?} ({:.2?} per 1k)",
            median / (n as u32 / 1000)
        );
    }
}
