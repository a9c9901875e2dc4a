//! `strata fmt` over every `.tf` fixture: formatting is idempotent, keeps every comment, and
//! the command's `--check` / `--diff` modes behave like `terraform fmt`.

use crate::lang::{strata, text};
use std::path::{Path, PathBuf};

fn tf_files(dir: &Path, out: &mut Vec<PathBuf>) {
    let mut entries: Vec<_> = std::fs::read_dir(dir)
        .unwrap()
        .map(|e| e.unwrap().path())
        .collect();
    entries.sort();
    for p in entries {
        if p.is_dir() {
            tf_files(&p, out);
        } else if p.extension().is_some_and(|e| e == "tf") {
            out.push(p);
        }
    }
}

fn all_fixtures() -> Vec<PathBuf> {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let mut files = Vec::new();
    for dir in ["tests/fixtures", "examples", "modules"] {
        tf_files(&root.join(dir), &mut files);
    }
    assert!(files.len() > 40, "fixtures not found: {files:?}");
    files
}

fn comment_counts(s: &str) -> [usize; 3] {
    [
        s.matches('#').count(),
        s.matches("//").count(),
        s.matches("/*").count(),
    ]
}

#[test]
fn every_fixture_round_trips_and_keeps_its_comments() {
    let mut formatted_any = 0;
    for file in all_fixtures() {
        let src = std::fs::read_to_string(&file).unwrap();
        let name = file.display();
        let once = match strata::fmt::format_source(&src) {
            Ok(s) => s,
            Err(e) => {
                // Only the syntax-error fixture may be unparseable.
                assert!(
                    file.ends_with("err_syntax/main.tf"),
                    "{name} does not format: {e}"
                );
                continue;
            }
        };
        formatted_any += 1;
        let twice = strata::fmt::format_source(&once).expect("formatted output parses");
        assert_eq!(once, twice, "{name}: formatting twice differs from once");
        assert_eq!(
            comment_counts(&src),
            comment_counts(&once),
            "{name}: comments lost or added"
        );
        assert!(once.ends_with('\n') && !once.ends_with("\n\n"), "{name}");
        // The formatted text parses as the same structure (only whitespace moved).
        let strip = |s: &str| s.split_whitespace().collect::<String>();
        assert_eq!(
            strip(&src),
            strip(&once),
            "{name}: more than whitespace changed"
        );
    }
    assert!(formatted_any > 40);
}

#[test]
fn lang_fixtures_are_already_canonical() {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/lang");
    let mut files = Vec::new();
    tf_files(&dir, &mut files);
    for file in files {
        let src = std::fs::read_to_string(&file).unwrap();
        if let Ok(f) = strata::fmt::format_source(&src) {
            assert_eq!(src, f, "{} is not formatted", file.display());
        }
    }
}

#[test]
fn check_exits_3_on_unformatted_and_0_after_fmt() {
    let dir = tempfile::tempdir().unwrap();
    let fixtures = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/fmt");
    let messy = std::fs::read_to_string(fixtures.join("misaligned.in.tf")).unwrap();
    let expected = std::fs::read_to_string(fixtures.join("misaligned.out.tf")).unwrap();
    assert_ne!(messy, expected);
    let main = dir.path().join("main.tf");
    std::fs::write(&main, &messy).unwrap();

    let check = strata(dir.path(), &["fmt", "--check"]);
    assert_eq!(check.status.code(), Some(3), "{}", text(&check.stderr));
    assert_eq!(text(&check.stdout), "main.tf\n");
    assert_eq!(
        std::fs::read_to_string(&main).unwrap(),
        messy,
        "--check must not write"
    );

    let diff = strata(dir.path(), &["fmt", "--check", "--diff"]);
    assert_eq!(diff.status.code(), Some(3));
    let d = text(&diff.stdout);
    assert!(d.starts_with("--- old/main.tf\n+++ new/main.tf\n"), "{d}");
    assert!(d.contains("\n@@ -") && d.contains(" @@\n"), "{d}");
    assert!(d
        .lines()
        .any(|l| l.starts_with('-') && !l.starts_with("---")));
    assert!(d
        .lines()
        .any(|l| l.starts_with('+') && !l.starts_with("+++")));

    let fmt = strata(dir.path(), &["fmt"]);
    assert_eq!(fmt.status.code(), Some(0), "{}", text(&fmt.stderr));
    assert_eq!(text(&fmt.stdout), "main.tf\n");
    assert_eq!(std::fs::read_to_string(&main).unwrap(), expected);

    let again = strata(dir.path(), &["fmt", "--check"]);
    assert_eq!(again.status.code(), Some(0), "{}", text(&again.stderr));
    assert!(again.stdout.is_empty());
    let nodiff = strata(dir.path(), &["fmt", "--diff"]);
    assert_eq!(nodiff.status.code(), Some(0));
    assert!(nodiff.stdout.is_empty());
}

#[test]
fn check_on_invalid_syntax_is_an_error_not_a_rewrite() {
    let dir = tempfile::tempdir().unwrap();
    let src = "resource \"a\" \"b\" {\n  x = \n";
    std::fs::write(dir.path().join("main.tf"), src).unwrap();
    let out = strata(dir.path(), &["fmt"]);
    assert_eq!(out.status.code(), Some(1));
    let stderr = text(&out.stderr);
    assert!(stderr.contains("Error: Invalid HCL syntax"), "{stderr}");
    assert!(stderr.contains("--> main.tf:"), "{stderr}");
    assert_eq!(
        std::fs::read_to_string(dir.path().join("main.tf")).unwrap(),
        src
    );
}
