//! Restore drills (issue #20) against the emulator: the DR example's database is drilled from
//! its snapshot in its own region and from the encrypted copy in the DR region; every drill
//! object is verified gone by describe calls in both regions; an RPO objective the points
//! miss fails the drill; what a killed drill left is removed by the next one; the managed
//! configuration does not notice.

use crate::support::Workdir;
use serde_json::Value as Json;

const REGIONS: [&str; 2] = ["us-east-1", "us-west-2"];

/// Every DB instance, subnet group and security group a drill makes (`drill-…`), in both
/// regions.
async fn drill_objects(w: &Workdir) -> Vec<String> {
    let all = crate::examples::inventory(w).await;
    all.into_iter().filter(|o| o.contains(" drill-")).collect()
}

#[tokio::test(flavor = "multi_thread")]
async fn drills_restore_the_snapshot_and_the_dr_copy_and_leave_nothing_behind() {
    let w = Workdir::example("dr-copy");
    w.expect(0, &["apply", "--auto-approve"]);

    let run = w.expect(0, &["drill", "--auto-approve", "--json"]);
    let report: Json = serde_json::from_str(&run.stdout).unwrap();
    let drills = report["drills"].as_array().unwrap();
    let regions: Vec<&str> = drills
        .iter()
        .map(|d| d["source"]["region"].as_str().unwrap())
        .collect();
    assert_eq!(regions, REGIONS, "{}", run.stdout);
    for d in drills {
        assert_eq!(d["address"], "module.stack.aws_db_instance.db[0]");
        assert_eq!(d["ok"], true, "{d}");
        assert_eq!(d["cleaned_up"], true);
        assert!(d["restore_seconds"].is_u64() && d["recovery_point_age_seconds"].is_u64());
        let restored = d["restored"]["id"].as_str().unwrap();
        assert!(restored.starts_with("drill-"), "{restored}");
        assert_eq!(d["restored"]["region"], d["source"]["region"]);
        let names: Vec<&str> = d["checks"]
            .as_array()
            .unwrap()
            .iter()
            .map(|c| c["name"].as_str().unwrap())
            .collect();
        for check in [
            "became available",
            "engine and major version",
            "storage encryption",
            "allocated storage",
            "parameter group family",
        ] {
            assert!(names.contains(&check), "{check} missing: {d}");
        }
    }
    let copy = &drills[1];
    assert_eq!(copy["source"]["kind"], "copy");
    assert_eq!(copy["source"]["id"], "webapp-dr-dr-copy");
    assert!(
        drill_objects(&w).await.is_empty(),
        "{:?}",
        drill_objects(&w).await
    );

    // An RPO objective no point meets: the drill fails, and still cleans up.
    let stale = w.expect(
        1,
        &[
            "drill",
            "--auto-approve",
            "--from",
            "copy",
            "--max-age",
            "0s",
        ],
    );
    assert!(
        stale.stdout.contains("FAIL recovery point age"),
        "{}",
        stale.stdout
    );
    assert!(drill_objects(&w).await.is_empty());

    // What a killed drill left (a tagged instance and group) goes first on the next run.
    let rds = w.account.rds("us-west-2").await;
    rds.create_db_instance()
        .db_instance_identifier("drill-killed-0")
        .engine("mysql")
        .db_instance_class("db.t3.micro")
        .allocated_storage(20)
        .master_username("admin")
        .master_user_password("left-behind-password")
        .tags(
            aws_sdk_rds::types::Tag::builder()
                .key("strata:drill")
                .value("killed")
                .build(),
        )
        .send()
        .await
        .unwrap();
    assert_eq!(
        drill_objects(&w).await,
        ["us-west-2 db instance drill-killed-0"]
    );
    let cleanup = w.expect(0, &["drill", "--cleanup"]);
    assert!(
        cleanup.stdout.contains("drill-killed-0"),
        "{}",
        cleanup.stdout
    );
    assert!(drill_objects(&w).await.is_empty());

    // The Markdown report names each drill; the managed configuration noticed nothing.
    let md = w.expect(
        0,
        &[
            "drill",
            "--auto-approve",
            "--markdown",
            "--region",
            "us-west-2",
        ],
    );
    assert!(
        md.stdout.contains(
            "| ✅ | `module.stack.aws_db_instance.db[0]` | copy `webapp-dr-dr-copy` | us-west-2 |"
        ),
        "{}",
        md.stdout
    );
    w.expect(0, &["plan", "--detailed-exitcode"]);
    w.expect(0, &["destroy", "--auto-approve"]);
    assert!(drill_objects(&w).await.is_empty());
    w.assert_no_secret_leaked();
}
