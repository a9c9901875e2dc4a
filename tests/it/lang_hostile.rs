//! No-panic corpus: malformed and pathological inputs through `config::load` + the walk, in
//! process (and a handful through the binary). Whatever the input, strata never panics, and
//! when it rejects the input it says why with a diagnostic that renders.
//!
//! `fuzz/fuzz_targets/load_eval.rs` runs the same pipeline under libFuzzer.

use crate::lang::{strata, text};
use std::panic::AssertUnwindSafe;
use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};
use strata::diag::SourceMap;
use strata::eval::walk::{walk, WalkOptions};
use strata::plan::build::ConfigOnly;

/// What one run produced.
struct Outcome {
    errors: usize,
    rendered: String,
}

/// `validate` in process: load, walk, render every diagnostic. Mirrors the fuzz target.
fn run(dir: &Path) -> Outcome {
    let sources = SourceMap::default();
    let (config, mut diags) = strata::config::load(dir, &sources);
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
        assert!(diags.has_errors(), "load failed without a diagnostic");
    }
    // `strata fmt` sees the same bytes: it may refuse them, but idempotently and without panic.
    if let Ok(text) = std::fs::read_to_string(dir.join("main.tf")) {
        if let Ok(once) = strata::fmt::format_source(&text) {
            assert_eq!(
                strata::fmt::format_source(&once).as_ref(),
                Ok(&once),
                "fmt is not idempotent"
            );
        }
    }
    Outcome {
        errors: diags.0.iter().filter(|d| d.is_error()).count(),
        rendered: diags.render(&sources, false),
    }
}

/// Runs one input as `main.tf`, failing with `what` if strata panics.
fn check(dir: &Path, what: &str, input: &[u8]) -> Outcome {
    std::fs::write(dir.join("main.tf"), input).unwrap();
    match std::panic::catch_unwind(AssertUnwindSafe(|| run(dir))) {
        Ok(o) => {
            if o.errors > 0 {
                assert!(
                    o.rendered.contains("Error: "),
                    "{what}: errors that do not render:\n{}",
                    o.rendered
                );
            }
            o
        }
        Err(e) => {
            let msg = e
                .downcast_ref::<String>()
                .cloned()
                .or_else(|| e.downcast_ref::<&str>().map(|s| s.to_string()))
                .unwrap_or_default();
            panic!(
                "strata panicked on {what} ({} bytes): {msg}\ninput starts: {:?}",
                input.len(),
                String::from_utf8_lossy(&input[..input.len().min(300)])
            );
        }
    }
}

#[track_caller]
fn check_rejected(dir: &Path, what: &str, input: &[u8]) {
    let o = check(dir, what, input);
    assert!(o.errors > 0, "{what}: accepted without a diagnostic");
}

/// xorshift64*: a seeded, dependency-free PRNG so failures reproduce.
struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        let mut x = self.0;
        x ^= x >> 12;
        x ^= x << 25;
        x ^= x >> 27;
        self.0 = x;
        x.wrapping_mul(0x2545_f491_4f6c_dd1d)
    }

    fn below(&mut self, n: usize) -> usize {
        (self.next() % n as u64) as usize
    }
}

fn seeds() -> Vec<(String, Vec<u8>)> {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let mut out = Vec::new();
    let mut dirs: Vec<PathBuf> = vec![
        root.join("examples/webapp"),
        root.join("modules/web-db-stack"),
    ];
    for base in ["tests/fixtures/lang", "tests/fixtures/fmt"] {
        let mut entries: Vec<PathBuf> = std::fs::read_dir(root.join(base))
            .unwrap()
            .map(|e| e.unwrap().path())
            .collect();
        entries.sort();
        for e in entries {
            if e.is_dir() {
                dirs.push(e);
            } else if e.extension().is_some_and(|x| x == "tf") {
                out.push((e.display().to_string(), std::fs::read(&e).unwrap()));
            }
        }
    }
    for d in dirs {
        let mut files: Vec<PathBuf> = std::fs::read_dir(&d)
            .unwrap()
            .map(|e| e.unwrap().path())
            .filter(|p| p.extension().is_some_and(|x| x == "tf"))
            .collect();
        files.sort();
        // One input per directory: its files concatenated.
        let mut text = Vec::new();
        for f in files {
            text.extend(std::fs::read(f).unwrap());
            text.push(b'\n');
        }
        out.push((d.display().to_string(), text));
    }
    out
}

#[test]
fn truncations_of_every_fixture() {
    let dir = tempfile::tempdir().unwrap();
    let start = Instant::now();
    let mut runs = 0;
    for (name, src) in seeds() {
        // ~12 cut points per file, plus every cut inside the first few tokens.
        let step = (src.len() / 12).max(1);
        let cuts = (0..src.len().min(24)).chain((0..src.len()).step_by(step).map(|c| c + 7));
        for cut in cuts.filter(|&c| c < src.len()) {
            check(
                dir.path(),
                &format!("{name} cut at byte {cut}"),
                &src[..cut],
            );
            runs += 1;
        }
    }
    assert!(runs > 300, "{runs}");
    assert!(
        start.elapsed() < Duration::from_secs(20),
        "{:?}",
        start.elapsed()
    );
}

#[test]
fn random_byte_flips() {
    let dir = tempfile::tempdir().unwrap();
    let mut rng = Rng(0x5eed_1a7e_57a7_a001);
    let seeds = seeds();
    let interesting = b"{}[]()\"$%~#/*\n=:?<>!.,\\\x00\xff\xc3";
    for round in 0..300 {
        let (name, src) = &seeds[rng.below(seeds.len())];
        let mut input = src.clone();
        for _ in 0..1 + rng.below(4) {
            if input.is_empty() {
                break;
            }
            let at = rng.below(input.len());
            match rng.below(3) {
                0 => input[at] = rng.next() as u8,
                1 => input[at] = interesting[rng.below(interesting.len())],
                _ => {
                    input.insert(at, interesting[rng.below(interesting.len())]);
                }
            }
        }
        check(
            dir.path(),
            &format!("round {round}: flips of {name}"),
            &input,
        );
    }
}

#[test]
fn invalid_utf8_is_a_diagnostic() {
    let dir = tempfile::tempdir().unwrap();
    for (what, input) in [
        (
            "lone continuation byte",
            b"resource \"a\" \"b\" {\n  x = \"\x80\"\n}\n".to_vec(),
        ),
        (
            "truncated sequence at end",
            b"locals {\n  x = \"\xe2\x82".to_vec(),
        ),
        (
            "0xff in an identifier",
            b"locals {\n  a\xffb = 1\n}\n".to_vec(),
        ),
        ("only garbage", vec![0xfe, 0xff, 0xfe, 0xff]),
        ("UTF-16 BOM", b"\xff\xfel\x00o\x00".to_vec()),
    ] {
        let o = check(dir.path(), what, &input);
        assert!(o.errors > 0, "{what}: accepted");
        assert!(o.rendered.contains("UTF-8"), "{what}:\n{}", o.rendered);
    }
}

fn nested(open: &str, inner: &str, close: &str, depth: usize) -> String {
    let mut s = String::with_capacity((open.len() + close.len()) * depth + inner.len());
    for _ in 0..depth {
        s.push_str(open);
    }
    s.push_str(inner);
    for _ in 0..depth {
        s.push_str(close);
    }
    s
}

#[test]
fn deep_nesting_is_refused_not_a_stack_overflow() {
    let dir = tempfile::tempdir().unwrap();
    let deep = 100_000;
    let cases: Vec<(&str, String)> = vec![
        (
            "brackets",
            format!("locals {{\n  x = {}\n}}\n", nested("[", "1", "]", deep)),
        ),
        (
            "parens",
            format!("locals {{\n  x = {}\n}}\n", nested("(", "1", ")", deep)),
        ),
        (
            "objects",
            format!("locals {{\n  x = {}\n}}\n", nested("{a=", "1", "}", deep)),
        ),
        ("blocks", nested("a {\n", "", "}\n", deep)),
        (
            "interpolations",
            format!(
                "locals {{\n  x = {}\n}}\n",
                nested("\"${", "1", "}\"", deep)
            ),
        ),
        (
            "unclosed",
            format!("locals {{\n  x = {}\n", "[".repeat(deep)),
        ),
        (
            "not",
            format!("locals {{\n  x = {}true\n}}\n", "!".repeat(deep)),
        ),
        (
            "negation",
            format!("locals {{\n  x = {}1\n}}\n", "-".repeat(deep)),
        ),
        (
            "conditionals",
            format!("locals {{\n  x = {}1\n}}\n", "true ? 1 : ".repeat(deep)),
        ),
        (
            "binary chain",
            format!("locals {{\n  x = 1{}\n}}\n", " + 1".repeat(deep)),
        ),
        (
            "attribute chain",
            format!("locals {{\n  x = var{}\n}}\n", ".a".repeat(deep)),
        ),
        (
            "index chain",
            format!("locals {{\n  x = [1]{}\n}}\n", "[0]".repeat(deep)),
        ),
        (
            "template if",
            format!(
                "locals {{\n  x = \"{}{}\"\n}}\n",
                "%{ if true }".repeat(deep),
                "%{ endif }".repeat(deep)
            ),
        ),
    ];
    for (what, input) in cases {
        check(dir.path(), &format!("100k-deep {what}"), input.as_bytes());
    }
    // Nesting just under the limit still loads.
    check(
        dir.path(),
        "nesting of 100",
        format!("locals {{\n  x = {}\n}}\n", nested("[", "1", "]", 100)).as_bytes(),
    );
}

#[test]
fn a_9mb_file_is_refused_with_a_diagnostic() {
    let dir = tempfile::tempdir().unwrap();
    let mut big = String::from("locals {\n");
    while big.len() < 9 * 1024 * 1024 {
        big.push_str("  # padding padding padding padding padding padding padding padding\n");
    }
    big.push_str("}\n");
    let o = check(dir.path(), "9 MB file", big.as_bytes());
    assert!(
        o.errors > 0 && o.rendered.contains("limit"),
        "{}",
        o.rendered
    );
}

#[test]
fn unterminated_constructs() {
    let dir = tempfile::tempdir().unwrap();
    for (what, input) in [
        ("heredoc", "locals {\n  x = <<EOT\nline\n"),
        (
            "indented heredoc",
            "locals {\n  x = <<-EOT\n  line\n  EO\n}\n",
        ),
        ("heredoc without marker", "locals {\n  x = <<\n}\n"),
        ("string", "locals {\n  x = \"abc\n}\n"),
        ("interpolation", "locals {\n  x = \"${var.a\"\n}\n"),
        ("directive", "locals {\n  x = \"%{if true}yes\"\n}\n"),
        (
            "for directive",
            "locals {\n  x = \"%{for a in [1]}${a}\"\n}\n",
        ),
        ("endfor without for", "locals {\n  x = \"%{endfor}\"\n}\n"),
        ("block comment", "/* never closed\nlocals {}\n"),
        (
            "block",
            "resource \"aws_security_group\" \"a\" {\n  name = \"a\"\n",
        ),
        ("object", "locals {\n  x = { a = 1\n}\n"),
        ("for expression", "locals {\n  x = [for a in [1] : a\n}\n"),
        ("function call", "locals {\n  x = max(1, 2\n}\n"),
        ("label", "resource \"aws_security_group\n"),
        ("lone dollar brace", "locals {\n  x = \"${\"\n}\n"),
        ("nul bytes", "locals {\n  x = \"\0\0\"\0\n}\n"),
    ] {
        check_rejected(
            dir.path(),
            &format!("unterminated {what}"),
            input.as_bytes(),
        );
    }
}

#[test]
fn evaluation_edge_cases_do_not_panic() {
    let dir = tempfile::tempdir().unwrap();
    for (what, input) in [
        ("huge number", "locals {\n  x = 1e400 * 1e400\n}\n"),
        ("huge count", "resource \"aws_security_group\" \"a\" {\n  count = 1e300\n}\n"),
        ("negative count", "resource \"aws_security_group\" \"a\" {\n  count = -1\n}\n"),
        ("fractional count", "resource \"aws_security_group\" \"a\" {\n  count = 1.5\n}\n"),
        ("NaN count", "resource \"aws_security_group\" \"a\" {\n  count = 0/0\n}\n"),
        ("range overflow", "locals {\n  x = range(0, 1e18)\n}\n"),
        ("huge string repeat", "locals {\n  x = format(\"%0999999999d\", 1)\n}\n"),
        ("negative index", "locals {\n  x = [1][-1]\n}\n"),
        ("substr out of range", "locals {\n  x = substr(\"abc\", 10, -5)\n}\n"),
        ("slice reversed", "locals {\n  x = slice([1, 2], 2, 0)\n}\n"),
        ("element of empty", "locals {\n  x = element([], 3)\n}\n"),
        ("cidrsubnet nonsense", "locals {\n  x = cidrsubnet(\"10.0.0.0/8\", 200, 99999999)\n}\n"),
        ("regex bomb", "locals {\n  x = regex(\"(((\", \"a\")\n}\n"),
        ("self reference", "locals {\n  x = local.x\n}\n"),
        ("module to itself", "module \"m\" {\n  source = \"./\"\n}\n"),
        ("each outside for_each", "locals {\n  x = each.key\n}\n"),
        ("count.index outside count", "locals {\n  x = count.index\n}\n"),
        ("splat of null", "locals {\n  x = null[*].a\n}\n"),
        ("dynamic over unknown", "resource \"aws_security_group\" \"a\" {\n  dynamic \"ingress\" {\n    for_each = aws_security_group.b.id\n    content {}\n  }\n}\nresource \"aws_security_group\" \"b\" {}\n"),
        ("multibyte columns", "locals {\n  é = \"日本\" + 1\n}\n"),
    ] {
        check(dir.path(), what, input.as_bytes());
    }
}

/// A few of the worst through the real binary: exit 1 with a diagnostic, never the panic hook.
#[test]
fn the_binary_reports_hostile_input_as_errors() {
    let dir = tempfile::tempdir().unwrap();
    let webapp =
        std::fs::read(Path::new(env!("CARGO_MANIFEST_DIR")).join("examples/webapp/main.tf"))
            .unwrap();
    let mut big = String::from("locals {\n");
    while big.len() < 9 * 1024 * 1024 {
        big.push_str("  # padding padding padding padding padding padding padding padding\n");
    }
    let cases: Vec<(&str, Vec<u8>)> = vec![
        ("invalid UTF-8", b"locals {\n  x = \"\xff\"\n}\n".to_vec()),
        ("truncated example", webapp[..webapp.len() / 2].to_vec()),
        (
            "100k-deep brackets",
            format!("locals {{\n  x = {}\n}}\n", nested("[", "1", "]", 100_000)).into_bytes(),
        ),
        ("9 MB", big.into_bytes()),
        (
            "unterminated heredoc",
            b"locals {\n  x = <<EOT\nabc\n".to_vec(),
        ),
    ];
    for (what, input) in cases {
        std::fs::write(dir.path().join("main.tf"), &input).unwrap();
        let out = strata(dir.path(), &["validate"]);
        let stderr = text(&out.stderr);
        assert_eq!(out.status.code(), Some(1), "{what}: {stderr}");
        assert!(stderr.starts_with("Error: "), "{what}: {stderr}");
        assert!(!stderr.contains("internal error"), "{what}: {stderr}");
    }
}
