//! Any bytes as `main.tf`: load, walk as `validate` does, build the instance graph, render
//! every diagnostic. Must never panic (mirrors `tests/it/lang_hostile.rs::run`).
//!
//!     cargo install cargo-fuzz
//!     cargo +nightly fuzz run load_eval -- -max_len=65536
//!
//! Seed the corpus with the fixtures: `cp tests/fixtures/lang/*/*.tf fuzz/corpus/load_eval/`.
#![no_main]

use libfuzzer_sys::fuzz_target;
use strata::diag::SourceMap;
use strata::eval::walk::{walk, WalkOptions};
use strata::plan::build::ConfigOnly;

fuzz_target!(|data: &[u8]| {
    let dir = tempfile::tempdir().expect("temp dir");
    std::fs::write(dir.path().join("main.tf"), data).expect("write main.tf");
    let sources = SourceMap::default();
    let (config, mut diags) = strata::config::load(dir.path(), &sources);
    if let Some(config) = config {
        let options = WalkOptions {
            missing_vars_unknown: true,
            ..WalkOptions::default()
        };
        let mut hooks = ConfigOnly::default();
        let result = walk(&config, &options, &mut hooks);
        diags.extend(result.diags);
        diags.extend(hooks.diags);
        let _ = strata::graph::InstanceGraph::build(hooks.instances.iter()).to_dot();
    } else {
        // A configuration that does not load always says why.
        assert!(diags.has_errors(), "load failed without a diagnostic");
    }
    let _ = diags.render(&sources, false);
    // The formatter sees the same bytes in `strata fmt`.
    if let Ok(text) = std::str::from_utf8(data) {
        if let Ok(once) = strata::fmt::format_source(text) {
            assert_eq!(strata::fmt::format_source(&once).as_ref(), Ok(&once));
        }
    }
});
