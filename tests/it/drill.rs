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

/// The private emulator's drill objects (`drill-…` instances, subnet groups, security groups).
async fn private_drill_objects(clients: &crate::faults::Clients) -> Vec<String> {
    let objects = clients.objects().await;
    objects
        .into_iter()
        .filter(|o| o.name.starts_with("drill-"))
        .map(|o| format!("{} {}", o.kind, o.name))
        .collect()
}

/// Nothing left behind, even when killed: a drill killed with SIGKILL as its restore starts and
/// in the middle of the wait for the restored instance (kept `creating` by the emulator)
/// leaves only tagged objects, which `drill --cleanup` removes; a full drill afterwards passes
/// and leaves nothing either.
#[tokio::test(flavor = "multi_thread")]
async fn a_killed_drill_leaves_nothing_the_next_one_does_not_remove() {
    use crate::faults::{private_command, private_creds, send, Clients, PrivateMoto};
    use std::io::{BufRead, BufReader};
    use std::process::Stdio;
    use std::time::{Duration, Instant};

    let moto = PrivateMoto::start_with(&["--db-create-seconds", "6"]);
    let mut w = Workdir::webapp();
    moto.use_own_account(&mut w);
    let status = private_command(&w, &["apply", "--auto-approve"])
        .status()
        .unwrap();
    assert!(status.success());
    let clients = Clients::at(&moto.endpoint, private_creds()).await;
    clients
        .rds
        .create_db_snapshot()
        .db_instance_identifier("webapp-db")
        .db_snapshot_identifier("webapp-db-nightly")
        .send()
        .await
        .unwrap();

    // Killed as the restore starts (its objects may or may not exist yet), and well into the
    // wait for the restored instance (they certainly do).
    for wait_before_kill in [
        Duration::ZERO,
        Duration::from_millis(300),
        Duration::from_millis(2500),
    ] {
        let mut child = private_command(&w, &["drill", "--auto-approve"])
            .stdout(Stdio::piped())
            .stderr(Stdio::null())
            .spawn()
            .unwrap();
        let mut lines = BufReader::new(child.stdout.take().unwrap()).lines();
        let t0 = Instant::now();
        loop {
            let line = lines
                .next()
                .expect("the drill ended before restoring")
                .unwrap();
            if line.contains("restoring snapshot webapp-db-nightly") {
                break;
            }
            assert!(t0.elapsed() < Duration::from_secs(30), "no restore started");
        }
        std::thread::sleep(wait_before_kill);
        send("KILL", child.id());
        child.wait().unwrap();
        if wait_before_kill > Duration::from_secs(2) {
            assert!(
                !private_drill_objects(&clients).await.is_empty(),
                "the kill came too late to leave anything"
            );
        }
        let cleanup = private_command(&w, &["drill", "--cleanup"])
            .output()
            .unwrap();
        assert!(cleanup.status.success(), "{cleanup:?}");
        assert_eq!(private_drill_objects(&clients).await, Vec::<String>::new());
    }

    let drill = private_command(&w, &["drill", "--auto-approve"])
        .output()
        .unwrap();
    let stdout = String::from_utf8_lossy(&drill.stdout);
    assert!(drill.status.success(), "{stdout}");
    assert!(
        stdout.contains("PASS module.stack.aws_db_instance.db[0]"),
        "{stdout}"
    );
    assert_eq!(private_drill_objects(&clients).await, Vec::<String>::new());
}

/// A cluster drill: the Aurora example's cluster snapshot restored into a cluster of its own
/// with one writer, checked (the writer came up), and every drill object gone by describe.
#[tokio::test(flavor = "multi_thread")]
async fn a_cluster_drill_restores_a_cluster_with_a_writer() {
    let w = Workdir::example("webapp-aurora");
    w.expect(0, &["apply", "--auto-approve"]);
    let rds = w.account.rds("us-east-1").await;
    let clusters = rds.describe_db_clusters().send().await.unwrap();
    let cluster = clusters.db_clusters()[0]
        .db_cluster_identifier()
        .unwrap()
        .to_string();
    rds.create_db_cluster_snapshot()
        .db_cluster_identifier(&cluster)
        .db_cluster_snapshot_identifier("aurora-nightly")
        .send()
        .await
        .unwrap();

    let run = w.expect(
        0,
        &[
            "drill",
            "--auto-approve",
            "--json",
            "module.stack.aws_rds_cluster.db[0]",
        ],
    );
    let report: Json = serde_json::from_str(&run.stdout).unwrap();
    let drill = &report["drills"][0];
    assert_eq!(drill["ok"], true, "{drill}");
    assert_eq!(drill["source"]["id"], "aurora-nightly");
    let writer = drill["checks"]
        .as_array()
        .unwrap()
        .iter()
        .find(|c| c["name"] == "writer came up")
        .unwrap_or_else(|| panic!("no writer check: {drill}"));
    assert_eq!(writer["ok"], true);
    let left = rds.describe_db_clusters().send().await.unwrap();
    assert!(
        left.db_clusters().iter().all(|c| !c
            .db_cluster_identifier()
            .unwrap_or("")
            .starts_with("drill-")),
        "a drill cluster is left"
    );
    assert!(
        drill_objects(&w).await.is_empty(),
        "{:?}",
        drill_objects(&w).await
    );
    w.expect(0, &["plan", "--detailed-exitcode"]);
    w.expect(0, &["destroy", "--auto-approve"]);
}
