//! AWS provider 6's per-resource `region` (issue #17): one provider configuration, objects in
//! several regions. Each object is verified by describing the region it must be in (and the
//! one it must not be in); the plan shows the region, a changed region replaces, an import
//! id `ID@REGION` reads in that region, and a misspelt region is a located error.

use crate::emulator::DEFAULT_REGION;
use crate::lang_modules::{group_names, workdir};

const WEST: &str = "us-west-2";

fn config(source_arn: &str, west_region: &str, adopted_id: &str) -> String {
    format!(
        r#"
provider "aws" {{
  region = "{DEFAULT_REGION}"
}}

resource "aws_security_group" "east" {{
  name = "region-east"
}}

resource "aws_security_group" "west" {{
  name   = "region-west"
  region = "{west_region}"
}}

# The AWS-managed RDS key of the DR region, read there without an aliased provider.
data "aws_kms_key" "west" {{
  region = "{WEST}"
  key_id = "alias/aws/rds"
}}

resource "aws_db_snapshot_copy" "dr" {{
  region                        = "{WEST}"
  source_db_snapshot_identifier = "{source_arn}"
  target_db_snapshot_identifier = "region-dr-copy"
  kms_key_id                    = data.aws_kms_key.west.arn
}}

import {{
  to = aws_security_group.adopted
  id = "{adopted_id}@eu-west-1"
}}

resource "aws_security_group" "adopted" {{
  name        = "made-elsewhere"
  description = "made outside strata"
  region      = "eu-west-1"
}}
"#
    )
}

#[tokio::test(flavor = "multi_thread")]
async fn one_provider_manages_objects_in_the_regions_their_region_argument_names() {
    let w = workdir(&[]);
    // A source snapshot in the provider's region, and a group made outside strata in a third.
    let rds = w.account.rds(DEFAULT_REGION).await;
    rds.create_db_instance()
        .db_instance_identifier("region-src")
        .engine("mysql")
        .db_instance_class("db.t3.micro")
        .allocated_storage(20)
        .master_username("admin")
        .master_user_password("region-src-password")
        .send()
        .await
        .unwrap();
    let snapshot = rds
        .create_db_snapshot()
        .db_instance_identifier("region-src")
        .db_snapshot_identifier("region-src-snap")
        .send()
        .await
        .unwrap();
    let source_arn = snapshot
        .db_snapshot()
        .unwrap()
        .db_snapshot_arn()
        .unwrap()
        .to_string();
    let eu = w.account.ec2("eu-west-1").await;
    let adopted = eu
        .create_security_group()
        .group_name("made-elsewhere")
        .description("made outside strata")
        .send()
        .await
        .unwrap();
    let adopted_id = adopted.group_id().unwrap().to_string();
    let main_tf = w.dir().join("main.tf");
    std::fs::write(&main_tf, config(&source_arn, WEST, &adopted_id)).unwrap();

    let plan = w.expect(0, &["plan", "-no-color"]);
    for region in [WEST, DEFAULT_REGION] {
        let shown = regex::Regex::new(&format!(r#"\+ region +=  ?"{region}""#)).unwrap();
        assert!(shown.is_match(&plan.stdout), "{}", plan.stdout);
    }
    w.expect(0, &["apply", "-auto-approve"]);

    assert_eq!(
        group_names(&w, DEFAULT_REGION).await,
        ["region-east".to_string()].into()
    );
    assert_eq!(
        group_names(&w, WEST).await,
        ["region-west".to_string()].into()
    );
    assert_eq!(
        group_names(&w, "eu-west-1").await,
        ["made-elsewhere".to_string()].into()
    );
    let west_rds = w.account.rds(WEST).await;
    let copies = west_rds
        .describe_db_snapshots()
        .db_snapshot_identifier("region-dr-copy")
        .send()
        .await
        .unwrap();
    let key = copies.db_snapshots()[0]
        .kms_key_id()
        .unwrap_or_default()
        .to_string();
    assert!(
        key.contains(":us-west-2:"),
        "the copy's key {key} is not a us-west-2 key"
    );
    let east_copies = rds.describe_db_snapshots().send().await.unwrap();
    assert!(
        east_copies
            .db_snapshots()
            .iter()
            .all(|s| s.db_snapshot_identifier() != Some("region-dr-copy")),
        "the copy landed in the provider's region"
    );
    let state = std::fs::read_to_string(w.state_path()).unwrap();
    assert!(
        state.contains(&format!("\"region\": \"{WEST}\"")),
        "{state}"
    );
    // Refresh reads each object where it is: nothing changed, nothing to do.
    w.expect(0, &["plan", "-detailed-exitcode"]);

    // Moving an object to another region replaces it.
    std::fs::write(&main_tf, config(&source_arn, "eu-west-1", &adopted_id)).unwrap();
    let moved = w.expect(2, &["plan", "-detailed-exitcode", "-no-color"]);
    assert!(
        moved
            .stdout
            .contains("aws_security_group.west must be replaced")
            && regex::Regex::new(
                r#"~ region +=  ?"us-west-2" -> "eu-west-1" +# forces replacement"#
            )
            .unwrap()
            .is_match(&moved.stdout),
        "{}",
        moved.stdout
    );

    // A region AWS does not have: located, with the nearest names.
    std::fs::write(&main_tf, config(&source_arn, "us-west-9", &adopted_id)).unwrap();
    let bad = w.expect(1, &["plan", "-no-color"]);
    assert!(
        bad.stderr.contains("Unknown AWS region \"us-west-9\"")
            && bad.stderr.contains("main.tf:12:12")
            && bad.stderr.contains("did you mean"),
        "{}",
        bad.stderr
    );

    std::fs::write(&main_tf, config(&source_arn, WEST, &adopted_id)).unwrap();
    w.expect(0, &["destroy", "-auto-approve"]);
    assert!(group_names(&w, WEST).await.is_empty());
    assert!(group_names(&w, "eu-west-1").await.is_empty());
    assert!(group_names(&w, DEFAULT_REGION).await.is_empty());
    let left = west_rds.describe_db_snapshots().send().await.unwrap();
    assert!(left.db_snapshots().is_empty(), "destroy left the DR copy");
}

/// `strata import ADDR ID@REGION` reads the object in that region and manages it there: the
/// next plan is empty (a region mismatch would replace it), and destroy deletes it there.
#[tokio::test(flavor = "multi_thread")]
async fn the_import_command_takes_an_id_at_a_region() {
    let w = workdir(&[(
        "main.tf",
        &format!(
            r#"
provider "aws" {{
  region = "{DEFAULT_REGION}"
}}

resource "aws_security_group" "adopted" {{
  name        = "cli-adopted"
  description = "made outside strata"
  region      = "eu-west-1"
}}
"#
        ),
    )]);
    let eu = w.account.ec2("eu-west-1").await;
    let made = eu
        .create_security_group()
        .group_name("cli-adopted")
        .description("made outside strata")
        .send()
        .await
        .unwrap();
    let id = made.group_id().unwrap();
    w.expect(
        0,
        &[
            "import",
            "aws_security_group.adopted",
            &format!("{id}@eu-west-1"),
        ],
    );
    let state = std::fs::read_to_string(w.state_path()).unwrap();
    assert!(state.contains("\"region\": \"eu-west-1\""), "{state}");
    w.expect(0, &["plan", "-detailed-exitcode"]);
    w.expect(0, &["destroy", "-auto-approve"]);
    assert!(group_names(&w, "eu-west-1").await.is_empty());
}
